"""What a page rendered in Chromium loads by script: waiting for it, and keeping its JSON.

A store finder drawn by JavaScript usually fetches its list as JSON (XHR/fetch)
and then builds the DOM from it. That JSON holds the places with fields the DOM
may drop (coordinates, ids, hours), so the responses are kept and read by the
store-locator API extractor, :func:`netcrawl.extraction.api.extract_api_places`.

The page callbacks run inside scrapy-playwright (named by import path in the
request's meta, so rendered requests stay serialisable):

- :func:`prepare_page` (``playwright_page_init_callback``, before navigation)
  attaches a :class:`PageActivity` to the page: it counts requests in flight and
  copies JSON response bodies (XHR and fetch only, ``NETCRAWL_BROWSER_INTERCEPT_MAX_BYTES``
  each, ``NETCRAWL_BROWSER_INTERCEPT_MAX_RESPONSES`` a page) into
  ``request.meta["netcrawl_intercepted"]``, which the response carries;
- :func:`settle_page` (a ``PageMethod`` after navigation) waits until the page's
  network has been quiet for ``idle_ms``, at most ``max_wait_ms``: the list a
  script fetches after the ``load`` event is then in the DOM, and its JSON captured.

:func:`intercepted_results` turns the captured bodies into places for the
rendering middleware.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netcrawl.extraction import ExtractionResult
from netcrawl.extraction.api import extract_api_places

if TYPE_CHECKING:
    from playwright.async_api import Page
    from playwright.async_api import Request as PlaywrightRequest
    from playwright.async_api import Response as PlaywrightResponse
    from scrapy import Request
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: ``request.meta`` / ``response.meta`` key of the captured JSON responses.
INTERCEPTED_META_KEY = "netcrawl_intercepted"
#: Resource types of script-made requests (the others are documents, images, scripts...).
SCRIPT_REQUEST_TYPES = frozenset({"xhr", "fetch"})


@dataclass
class Intercepted:
    """JSON responses a rendered page loaded, and the ones skipped, by reason."""

    responses: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def is_json_response(content_type: str, url: str) -> bool:
    """Whether a response a rendered page loaded is JSON worth reading as an API answer
    (shared by Chromium's interception and Splash's network log, splash_capture)."""
    content_type = content_type.lower()
    if "json" in content_type:  # application/json, geo+json, ld+json, x-ndjson...
        return True
    # Misdeclared APIs: a .json file served as text/plain or with no type.
    return content_type.split(";")[0].strip() in ("", "text/plain") and (
        url.split("?")[0].lower().endswith((".json", ".geojson"))
    )


class PageActivity:
    """A rendered page's network activity: requests in flight, and its JSON responses."""

    def __init__(self, captured: Intercepted, options: dict[str, Any]) -> None:
        self.captured = captured
        self.intercept = bool(options.get("intercept", True))
        self.max_bytes = int(options.get("intercept_max_bytes", 2 << 20))
        self.max_responses = int(options.get("intercept_max_responses", 20))
        self.in_flight = 0
        self.reading = 0
        self.last_change = asyncio.get_running_loop().time()

    def _touch(self) -> None:
        self.last_change = asyncio.get_running_loop().time()

    def on_request(self, request: PlaywrightRequest) -> None:
        self.in_flight += 1
        self._touch()

    def on_request_done(self, request: PlaywrightRequest) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self._touch()

    async def on_response(self, response: PlaywrightResponse) -> None:
        if not self.intercept or response.request.resource_type not in SCRIPT_REQUEST_TYPES:
            return
        content_type = response.headers.get("content-type", "")
        if not is_json_response(content_type, response.url) or not 200 <= response.status < 300:
            return
        if len(self.captured.responses) >= self.max_responses:
            self.captured.skip("too_many")
            return
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            self.captured.skip("too_large")
            return
        self.reading += 1
        try:
            body = await response.body()
        except Exception as exc:  # the page navigated away or closed meanwhile
            logger.debug("Could not read %s: %s", response.url, exc)
            self.captured.skip("unreadable")
            return
        finally:
            self.reading -= 1
            self._touch()
        if len(body) > self.max_bytes:
            self.captured.skip("too_large")
            return
        self.captured.responses.append(
            {"url": response.url, "content_type": content_type, "body": body}
        )

    def quiet_since(self) -> float | None:
        """Loop time since which nothing is loading, or ``None`` while something is."""
        if self.in_flight or self.reading:
            return None
        return self.last_change


#: The activity of each page being rendered (weak: a closed page takes its entry along).
_ACTIVITY: weakref.WeakKeyDictionary[Page, PageActivity] = weakref.WeakKeyDictionary()


async def prepare_page(page: Page, request: Request) -> None:
    """``playwright_page_init_callback``: watch the page's requests before it navigates."""
    from netcrawl.rendering.browser import OPTIONS_META_KEY

    captured = Intercepted()
    request.meta[INTERCEPTED_META_KEY] = captured
    activity = PageActivity(captured, request.meta.get(OPTIONS_META_KEY) or {})
    _ACTIVITY[page] = activity
    page.on("request", activity.on_request)
    page.on("requestfinished", activity.on_request_done)
    page.on("requestfailed", activity.on_request_done)
    page.on("response", activity.on_response)


async def settle_page(page: Page, idle_ms: int = 150, max_wait_ms: int = 5000) -> None:
    """A ``PageMethod``: return once the page's network was quiet ``idle_ms``, or after
    ``max_wait_ms`` (pages that poll or stream never go quiet)."""
    activity = _ACTIVITY.pop(page, None)
    if activity is None:  # not prepared by prepare_page (a page of the spider's own)
        return
    loop = asyncio.get_running_loop()
    idle = idle_ms / 1000
    deadline = loop.time() + max_wait_ms / 1000
    while True:
        now = loop.time()
        quiet = activity.quiet_since()
        if quiet is not None and now - quiet >= idle:
            return
        if now >= deadline:
            logger.debug("%s still loading after %d ms; reading it as it is", page.url, max_wait_ms)
            return
        wait = idle - (now - quiet) if quiet is not None else 0.025
        await asyncio.sleep(min(max(wait, 0.005), deadline - now))


def intercepted_results(response: Response) -> Iterator[tuple[str, ExtractionResult]]:
    """``(url, places and problems)`` of each JSON response the rendered page loaded.

    Takes the captured bodies out of ``response.meta`` (they can be large and are read once).
    """
    captured = response.meta.pop(INTERCEPTED_META_KEY, None)
    if not isinstance(captured, Intercepted):
        return
    for entry in captured.responses:
        yield entry["url"], extract_api_places(entry["body"], entry["url"], entry["content_type"])


def skipped_counts(response: Response) -> dict[str, int]:
    """Captured responses left unread, by reason (before :func:`intercepted_results`)."""
    captured = response.meta.get(INTERCEPTED_META_KEY)
    return dict(captured.skipped) if isinstance(captured, Intercepted) else {}
