"""Downloader middleware: turn requests for known pages into conditional requests.

For a GET whose page the previous crawl stored with validators, it adds
``If-None-Match`` (the ETag seen) and ``If-Modified-Since`` (the
Last-Modified seen). A server that still has that version answers
``304 Not Modified`` with no body; the spider middleware
(:mod:`netcrawl.incremental.replay`) then replays the page's stored output.

Left alone: other methods, requests that already carry a validator (the
caller asked for something specific), requests that no spider callback will
see (``callback=NO_CALLBACK``: robots.txt for ``ROBOTSTXT_OBEY``, whose
parser needs a body), and rendered requests (Splash, Playwright: the page
is built by a browser, not just downloaded).

A 304 is not a success for Scrapy's HttpErrorMiddleware, so conditional
requests list 304 in ``meta["handle_httpstatus_list"]``, added to the codes
the request, spider or ``HTTPERROR_ALLOWED_CODES`` already allowed.

Enabled with ``NETCRAWL_INCREMENTAL`` (order 560 in ``DOWNLOADER_MIDDLEWARES``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.http.request import NO_CALLBACK

from netcrawl.incremental.extension import IncrementalCrawl
from netcrawl.rendering import RENDER_META_KEY, RENDERED_META_KEY, RenderMode

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: Set on requests this middleware made conditional; the value is the URL they were made for.
CONDITIONAL_META_KEY = "netcrawl_incremental_conditional"
#: Set on a request sent again in full because its page's stored output was unusable.
REFETCH_META_KEY = "netcrawl_incremental_refetch"
NOT_MODIFIED = 304
#: ``netcrawl_render`` values that send a request to a browser or Splash.
_RENDERING_MODES = frozenset({RenderMode.BROWSER.value, RenderMode.SPLASH.value})


def is_rendered(request: Request) -> bool:
    """Whether the request goes to a browser or Splash (never made conditional).

    ``netcrawl_render = "none"`` (data endpoints) and ``"auto"`` (a plain fetch
    first) are plain downloads; ``playwright`` and ``splash`` are the libraries'
    own opt-ins, for requests built without netcrawl's rendering middleware.
    """
    meta = request.meta
    return bool(
        meta.get(RENDERED_META_KEY)
        or meta.get(RENDER_META_KEY) in _RENDERING_MODES
        or meta.get("playwright")
        or meta.get("splash")
    )


def replayable(request: Request) -> bool:
    """Whether a page fetched by this request can be recorded and replayed."""
    return (
        request.method == "GET"
        and request.callback is not NO_CALLBACK
        and not is_rendered(request)
    )


class ConditionalRequestMiddleware:
    """Add the previous crawl's validators to requests for pages it stored."""

    def __init__(self, crawler: Crawler, incremental: IncrementalCrawl) -> None:
        self.crawler = crawler
        self.incremental = incremental
        self._allowed_codes = crawler.settings.getlist("HTTPERROR_ALLOWED_CODES")
        self._allow_all = crawler.settings.getbool("HTTPERROR_ALLOW_ALL")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, IncrementalCrawl.enabled_in(crawler))

    def process_request(self, request: Request) -> None:
        made_for = request.meta.get(CONDITIONAL_META_KEY)
        if made_for == request.url:
            return  # already conditional (a retry of the same request)
        if made_for is not None:
            # A redirect copied the validators of another URL's page: drop them.
            for header in (b"If-None-Match", b"If-Modified-Since"):
                request.headers.pop(header, None)
            del request.meta[CONDITIONAL_META_KEY]
        if not replayable(request) or request.meta.get(REFETCH_META_KEY):
            return
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return
        validators = self.incremental.validators(request)
        if validators is None:
            return
        if validators.etag:
            request.headers[b"If-None-Match"] = validators.etag
        if validators.last_modified:
            request.headers[b"If-Modified-Since"] = validators.last_modified
        request.meta[CONDITIONAL_META_KEY] = request.url
        self._allow_not_modified(request)
        self.incremental.inc("conditional_requests")

    def _allow_not_modified(self, request: Request) -> None:
        meta = request.meta
        if meta.get("handle_httpstatus_all") or (
            "handle_httpstatus_list" not in meta and self._allow_all
        ):
            return
        if "handle_httpstatus_list" in meta:
            allowed = list(meta["handle_httpstatus_list"])
        else:
            # What HttpErrorMiddleware would have used without a meta list; keeping it
            # means a spider's own allowed codes still reach its callback.
            allowed = list(
                getattr(self.crawler.spider, "handle_httpstatus_list", self._allowed_codes)
            )
        if NOT_MODIFIED not in allowed:
            allowed.append(NOT_MODIFIED)
        meta["handle_httpstatus_list"] = allowed

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(CONDITIONAL_META_KEY) and 200 <= response.status < 300:
            self.incremental.inc("modified")  # changed since the previous crawl
        return response
