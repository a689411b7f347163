"""Headless Chromium for pages that need it, and only for them.

Rendering goes through scrapy-playwright, driving Debian's ``chromium`` (never a
downloaded browser). Three pieces live here, all cheap to import:

- :func:`browser_configured` — whether a browser can be used at all;
- :func:`to_browser_request` — a plain request turned into one scrapy-playwright
  renders (the rendering middleware calls it; a spider may too);
- :class:`BrowserDownloadHandler` — the ``http``/``https`` download handler. It
  fetches every plain request with Scrapy's own HTTP handler and hands a request
  with ``meta["playwright"]`` to scrapy-playwright, which it imports, builds and starts
  **on that first rendered request**. scrapy-playwright's own handler starts the
  Playwright driver (a Node.js process) when the engine starts, in every crawl; with
  this one, a crawl that renders nothing imports no Playwright, starts no driver and
  no Chromium, and its plain requests take exactly Scrapy's code path. The
  ``http`` and ``https`` handlers share one browser.

The browser itself (launch options, bounds, request filter) is configured in
:mod:`netcrawl.rendering.browser_handler`; the settings are in the "Rendering:
headless Chromium" section of ``netcrawl/settings.py`` (see docs/rendering.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.settings import BaseSettings
from scrapy.utils.misc import build_from_crawler, load_object

from netcrawl.rendering import RENDERED_META_KEY, RenderMode

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: The browser context rendered requests share (one, reused; see NETCRAWL_BROWSER_CONCURRENCY).
CONTEXT_NAME = "netcrawl"
#: ``request.meta`` key holding the per-request browser options the page callbacks read.
OPTIONS_META_KEY = "netcrawl_browser"
#: ``page.goto`` wait conditions Playwright accepts.
WAIT_UNTIL_VALUES = ("commit", "domcontentloaded", "load", "networkidle")
#: Import paths of the page callbacks (strings, so rendered requests stay serialisable
#: for JOBDIR disk queues).
PAGE_INIT_CALLBACK = "netcrawl.rendering.interception.prepare_page"


def browser_configured(settings: BaseSettings) -> bool:
    """Whether pages can be rendered in Chromium with these settings.

    ``NETCRAWL_BROWSER_ENABLED`` must not be false, and the browser must be
    reachable: the ``NETCRAWL_BROWSER_EXECUTABLE`` file exists and is executable,
    or a remote browser is named (``PLAYWRIGHT_CDP_URL`` / ``PLAYWRIGHT_CONNECT_URL``).
    """
    if not settings.getbool("NETCRAWL_BROWSER_ENABLED", True):
        return False
    if settings.get("PLAYWRIGHT_CDP_URL") or settings.get("PLAYWRIGHT_CONNECT_URL"):
        return True
    executable = settings.get("NETCRAWL_BROWSER_EXECUTABLE") or ""
    return bool(executable) and os.access(executable, os.X_OK)


def browser_options(settings: BaseSettings) -> dict[str, Any]:
    """The per-page options the page callbacks read (plain values: JSON/pickle friendly)."""
    wait_until = settings.get("NETCRAWL_BROWSER_WAIT_UNTIL", "load")
    if wait_until not in WAIT_UNTIL_VALUES:
        raise ValueError(
            f"NETCRAWL_BROWSER_WAIT_UNTIL={wait_until!r}: expected one of {WAIT_UNTIL_VALUES}"
        )
    return {
        "wait_until": wait_until,
        "idle_ms": max(0, settings.getint("NETCRAWL_BROWSER_IDLE_MS", 150)),
        "max_wait_ms": max(0, int(settings.getfloat("NETCRAWL_BROWSER_MAX_WAIT", 5.0) * 1000)),
        "intercept": settings.getbool("NETCRAWL_BROWSER_INTERCEPT_JSON", True),
        "intercept_max_bytes": settings.getint("NETCRAWL_BROWSER_INTERCEPT_MAX_BYTES", 2 << 20),
        "intercept_max_responses": settings.getint("NETCRAWL_BROWSER_INTERCEPT_MAX_RESPONSES", 20),
    }


def to_browser_request(request: Request, settings: BaseSettings) -> Request:
    """``request`` to be rendered by headless Chromium (a copy; the original is untouched).

    Same URL, callback, errback, priority, headers and meta, plus scrapy-playwright's
    keys: ``playwright=True`` in the shared, reused context ``"netcrawl"``; the page
    is closed by scrapy-playwright as soon as its HTML is read (no
    ``playwright_include_page`` unless the request already asked for the page, in
    which case the rendering middleware closes it after the callback); navigation
    waits for ``NETCRAWL_BROWSER_WAIT_UNTIL`` and then until the page's network has
    been quiet for ``NETCRAWL_BROWSER_IDLE_MS`` (bounded by ``NETCRAWL_BROWSER_MAX_WAIT``),
    so lists that scripts fetch after ``load`` are drawn. Keys the request already
    has (its own ``playwright_context``, page methods...) are kept.
    """
    from scrapy_playwright.page import PageMethod  # only rendering crawls import Playwright

    from netcrawl.rendering.interception import settle_page

    options = browser_options(settings)
    meta = dict(request.meta)
    meta["playwright"] = True
    meta.setdefault("playwright_context", CONTEXT_NAME)
    meta.setdefault("playwright_include_page", False)
    goto = dict(meta.get("playwright_page_goto_kwargs") or {})
    goto.setdefault("wait_until", options["wait_until"])
    meta["playwright_page_goto_kwargs"] = goto
    meta.setdefault("playwright_page_init_callback", PAGE_INIT_CALLBACK)
    methods = meta.get("playwright_page_methods") or []
    if isinstance(methods, dict):
        methods = list(methods.values())
    meta["playwright_page_methods"] = [
        *methods,
        PageMethod(settle_page, options["idle_ms"], options["max_wait_ms"]),
    ]
    meta[OPTIONS_META_KEY] = options
    meta[RENDERED_META_KEY] = RenderMode.BROWSER.value
    return request.replace(meta=meta)


class _SharedBrowser:
    """One crawler's scrapy-playwright handler, created on the first rendered request."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.lock = asyncio.Lock()
        self.handler: Any = None
        self.closed = False

    async def get(self) -> Any:
        async with self.lock:
            if self.closed:
                raise RuntimeError("the browser was closed with the crawl")
            if self.handler is None:
                from netcrawl.rendering.browser_handler import start_browser_handler

                self.handler = await start_browser_handler(self.crawler)
            return self.handler

    async def close(self) -> None:
        async with self.lock:
            self.closed = True
            handler, self.handler = self.handler, None
        if handler is not None:
            await handler.close()


#: The one browser of each running crawler, shared by its http and https handlers.
_BROWSERS: weakref.WeakKeyDictionary[Crawler, _SharedBrowser] = weakref.WeakKeyDictionary()


class BrowserDownloadHandler(BaseDownloadHandler):
    """Scrapy's HTTP handler for plain requests; a lazily started Chromium for rendered ones.

    Registered in ``DOWNLOAD_HANDLERS`` for ``http`` and ``https``. The plain handler is
    ``NETCRAWL_BROWSER_PLAIN_HANDLER`` (Scrapy's ``HTTP11DownloadHandler`` by default).
    """

    lazy = False  # like Scrapy's own HTTP handler: ready before the first request

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        plain_path = crawler.settings.get(
            "NETCRAWL_BROWSER_PLAIN_HANDLER",
            "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
        )
        self._plain = build_from_crawler(load_object(plain_path), crawler)
        self._browser = _BROWSERS.setdefault(crawler, _SharedBrowser(crawler))

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            handler = await self._browser.get()
            return await handler.download_request(request)
        return await self._plain.download_request(request)

    async def close(self) -> None:
        # The browser (a Node driver and Chromium processes) must stop even when the plain
        # handler fails to close, or it would outlive the crawl.
        try:
            await self._plain.close()
        finally:
            await self._browser.close()
