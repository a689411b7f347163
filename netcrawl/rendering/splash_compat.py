"""scrapy-splash 0.11.1 on Scrapy 2.19: the small layer that makes it load and run.

scrapy-splash 0.11.1 is the newest release and it predates Scrapy 2.13+. Against
Scrapy 2.19 it breaks in three places, each handled here without editing the package:

1. **Import**: ``scrapy_splash.request`` and ``scrapy_splash.dupefilter`` import
   ``canonicalize_url`` from ``scrapy.utils.url``, where Scrapy no longer re-exports it
   (it lives in w3lib). Importing this module puts w3lib's function back under that
   name (only if it is missing) before ``scrapy_splash`` is imported, so ``import
   scrapy_splash`` works. Always import scrapy-splash through this module; that is also
   why ``REQUEST_FINGERPRINTER_CLASS`` names :class:`SplashRequestFingerprinter` here
   rather than in ``scrapy_splash`` (Scrapy builds the fingerprinter before any
   middleware is loaded).
2. **Spider middleware API**: Scrapy 2.19 requires a spider middleware's
   ``process_spider_output`` to be an asynchronous generator (it refuses to start
   otherwise) and calls ``process_start`` instead of the removed
   ``process_start_requests``, so Splash arguments of start requests were never
   de-duplicated. :class:`SplashDeduplicateArgsMiddleware` provides both, asynchronous.
3. **Downloader API**: ``SplashMiddleware`` sets each request's download slot with the
   downloader's private ``_get_slot_key(request, spider)``, which is gone; the public
   ``get_slot_key(request)`` replaces it.

And, not a breakage but Scrapy 2.19 deprecations and netcrawl's rules:

- the ``spider`` argument of middleware methods is deprecated (Scrapy warns for each
  method that requires it); the classes here take none and pass the crawler's spider
  to the original code;
- with ``SPLASH_URL`` empty (netcrawl's default: Splash not configured) the cookies and
  de-duplication middlewares raise ``NotConfigured``; :class:`SplashMiddleware` stays
  loaded but inert, so a request that still asks for Splash is fetched directly, with
  one WARNING and the counter ``netcrawl/splash/not_configured`` instead of silence;
- the request sent to Splash carries ``meta["allow_offsite"]``: its host is the Splash
  server's, which a spider's ``allowed_domains`` (netcrawl's site scope) never lists, so
  Scrapy's OffsiteMiddleware dropped every rendered page of a scoped spider;
- rendered HTML pages are :class:`SplashHtmlResponse` (an ``HtmlResponse``), and
  ``replace(cls=...)`` of a rendered text response to a plain Scrapy class works
  (scrapy-splash passed it Splash-only arguments: TypeError);
- the headers forwarded to Splash (``args.headers``, which Splash sends to the site)
  leave out ``Accept-Encoding``: Scrapy's compression middleware adds one listing
  ``br``/``zstd``, and a browser engine given an explicit ``Accept-Encoding`` does not
  decode the body itself, so compressed pages came back as bytes. (scrapy-splash's
  README moves ``HttpCompressionMiddleware`` to 810 for the same reason; removing the
  header leaves every other crawl's middleware order untouched.)
- Splash's ``BadOption`` errors (``info`` is a sentence, not a table) no longer crash
  scrapy-splash's reply parsing (:class:`SplashJsonResponse`); with ``engine =
  "chromium"`` no ``headers`` argument is sent, which Splash 3.5's Chromium rejects;
- a ``render.json`` reply (netcrawl's default, :mod:`netcrawl.rendering.splash`) becomes
  the rendered :class:`SplashHtmlResponse`, the JSON responses of its HAR kept in
  ``meta["netcrawl_intercepted"]`` for the rendering middleware.

The settings (``netcrawl/settings.py``, "Rendering: Splash") point
``DOWNLOADER_MIDDLEWARES``, ``SPIDER_MIDDLEWARES`` and ``REQUEST_FINGERPRINTER_CLASS`` at
the names below instead of the originals.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import scrapy.utils.url
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings
from w3lib.url import canonicalize_url

if not hasattr(scrapy.utils.url, "canonicalize_url"):  # fix 1, before scrapy_splash loads
    scrapy.utils.url.canonicalize_url = canonicalize_url  # type: ignore[attr-defined]

import scrapy_splash
from scrapy_splash.middleware import _http_auth_enabled
from scrapy_splash.response import _SplashResponseMixin
from scrapy_splash.responsetypes import responsetypes as splash_responsetypes
from scrapy_splash.utils import scrapy_headers_to_unicode_dict

from netcrawl.rendering.interception import INTERCEPTED_META_KEY
from netcrawl.rendering.splash_capture import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_RESPONSES,
    NOT_MODIFIED,
    captured_json_responses,
)

__all__ = [
    "SplashCookiesMiddleware",
    "SplashDeduplicateArgsMiddleware",
    "SplashFormRequest",
    "SplashHtmlResponse",
    "SplashJsonResponse",
    "SplashMiddleware",
    "SplashRequest",
    "SplashRequestFingerprinter",
    "SplashTextResponse",
    "splash_url_setting",
]

logger = logging.getLogger(__name__)

# Re-exported from the patched import, for code (and settings) that must not import
# scrapy_splash before this module did.
SplashRequest = scrapy_splash.SplashRequest
SplashFormRequest = scrapy_splash.SplashFormRequest
#: ``REQUEST_FINGERPRINTER_CLASS``: a Splash request's fingerprint covers its Splash
#: arguments (same URL rendered with another script = another request); other requests
#: keep the fingerprint of ``SCRAPY_SPLASH_REQUEST_FINGERPRINTER_BASE_CLASS`` (Scrapy's).
SplashRequestFingerprinter = scrapy_splash.SplashRequestFingerprinter

#: Request headers that must not be forwarded to the site through Splash.
_NOT_FORWARDED = ("Accept-Encoding",)


class _ReplaceAsPlainResponseMixin:
    """``replace(cls=<a plain Scrapy response class>)`` without Splash-only arguments.

    scrapy-splash's ``replace`` passes ``real_url`` and ``splash_response_*`` to whatever
    class it is given, so ``response.replace(cls=HtmlResponse)`` raised TypeError. The
    plain copy keeps the site's URL (``response.url``), as the Splash response does.
    """

    def replace(self, *args: Any, **kwargs: Any) -> Response:
        cls = kwargs.get("cls") or type(self)
        if issubclass(cls, _SplashResponseMixin):
            return super().replace(*args, **kwargs)  # type: ignore[misc]
        return Response.replace(self, *args, **kwargs)  # type: ignore[arg-type]


class SplashTextResponse(_ReplaceAsPlainResponseMixin, scrapy_splash.SplashTextResponse):
    """A rendered text response (XML, JS...) that can be turned into a plain one."""


class SplashJsonResponse(scrapy_splash.SplashJsonResponse):
    """A Splash JSON reply (``render.json``, ``execute`` tables, errors) that reads every error.

    scrapy-splash reads an error's ``info`` as a table (``info["error"]``, e.g.
    ``"http404"``), but Splash's ``BadOption`` errors carry a sentence there (``"headers
    is not implemented"`` from its Chromium engine): TypeError "string indices must be
    integers", which hid Splash's answer behind a download error. The reply now stays a
    400 response, which scrapy-splash logs as "Bad request to Splash" with Splash's reason.
    """

    def _load_from_json(self) -> None:
        data = self.data
        info = data.get("info") if isinstance(data, dict) else None
        if "error" in data and "http_status" not in data and not isinstance(info, dict):
            return  # nothing to take from a BadOption/timeout error: keep Splash's status
        super()._load_from_json()


class SplashHtmlResponse(
    _ReplaceAsPlainResponseMixin, scrapy_splash.SplashTextResponse, HtmlResponse
):
    """A rendered HTML page: an ``HtmlResponse`` to netcrawl, a Splash response to scrapy-splash.

    scrapy-splash gives every text type (HTML included) its ``SplashTextResponse``,
    which code testing ``isinstance(response, HtmlResponse)`` (netcrawl's page
    dispatch) then converts with ``replace`` -- which failed, see above.
    """


def splash_url_setting(settings: BaseSettings) -> str:
    """The configured Splash base URL, or "" when Splash is not configured."""
    return (settings.get("SPLASH_URL") or "").strip()


class SplashCookiesMiddleware(scrapy_splash.SplashCookiesMiddleware):
    """scrapy-splash's cookie jars per Splash session, without the deprecated spider argument."""

    def __init__(self, crawler: Crawler, debug: bool = False) -> None:
        super().__init__(debug=debug)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SplashCookiesMiddleware:
        if not splash_url_setting(crawler.settings):
            raise NotConfigured
        return cls(crawler, debug=crawler.settings.getbool("SPLASH_COOKIES_DEBUG"))

    def process_request(self, request: Request) -> None:
        return super().process_request(request, self.crawler.spider)

    def process_response(self, request: Request, response: Response) -> Response:
        return super().process_response(request, response, self.crawler.spider)


class SplashMiddleware(scrapy_splash.SplashMiddleware):
    """Sends ``meta["splash"]`` requests to Splash (Scrapy 2.19 API; inert without SPLASH_URL)."""

    _warned_cached = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SplashMiddleware:
        middleware = super().from_crawler(crawler)
        # The original falls back to http://127.0.0.1:8050; netcrawl treats an empty
        # SPLASH_URL as "no Splash" so a crawl never depends on a server nobody started.
        middleware.splash_base_url = splash_url_setting(crawler.settings)
        return middleware

    @property
    def configured(self) -> bool:
        return bool(self.splash_base_url)

    def process_request(self, request: Request) -> Request | None:
        if "splash" not in request.meta:
            return None
        spider = self.crawler.spider
        if not self.configured:
            self._count_unrendered(request, spider)
            return None
        if request.meta.get("_splash_processed"):
            return super().process_request(request, spider)
        self._forward_site_headers(request, spider)
        to_splash = super().process_request(request, spider)
        if to_splash is not None:
            # The site's URL passed OffsiteMiddleware already; the Splash server is
            # infrastructure, not a site, and must pass a spider's allowed_domains.
            to_splash.meta["allow_offsite"] = True
        return to_splash

    def process_response(self, request: Request, response: Response) -> Response | Request:
        return super().process_response(request, response, self.crawler.spider)

    def _change_response_class(self, request: Request, response: Response) -> Response:
        if not isinstance(response, _SplashResponseMixin):
            splash_class = splash_responsetypes.from_args(headers=response.headers)
            if issubclass(splash_class, scrapy_splash.SplashJsonResponse):
                response = response.replace(cls=SplashJsonResponse, request=request)
                return self._rendered_page_of(request, response)
        response = super()._change_response_class(request, response)
        if type(response) is scrapy_splash.SplashTextResponse:
            plain_class = responsetypes.from_args(headers=response.headers)
            html = issubclass(plain_class, HtmlResponse)
            response = response.replace(cls=SplashHtmlResponse if html else SplashTextResponse)
        return response

    def _rendered_page_of(self, request: Request, response: Response) -> Response:
        """A ``render.json`` reply as the rendered HTML page, its JSON kept in meta.

        The reply's ``html`` is the page (scrapy-splash's magic response made it the
        body); the JSON responses of its HAR go to ``meta["netcrawl_intercepted"]``,
        which the rendering middleware reads as it does for Chromium's interception.
        """
        if request.meta["splash"].get("endpoint") != "render.json" or response.status != 200:
            return response
        data = response.data
        if not isinstance(data, dict) or not isinstance(data.get("html"), str):
            return response
        settings = self.crawler.settings
        request.meta[INTERCEPTED_META_KEY] = captured = captured_json_responses(
            data.get("har"),
            response.url,
            max_bytes=settings.getint("NETCRAWL_BROWSER_INTERCEPT_MAX_BYTES", DEFAULT_MAX_BYTES),
            max_responses=settings.getint(
                "NETCRAWL_BROWSER_INTERCEPT_MAX_RESPONSES", DEFAULT_MAX_RESPONSES
            ),
        )
        logger.debug(
            "Splash rendered %s: %d JSON response(s) kept, skipped %s",
            response.url, len(captured.responses), captured.skipped or "none",
        )
        if captured.skipped.get(NOT_MODIFIED) and not self._warned_cached:
            self._warned_cached = True
            logger.warning(
                "Splash answered JSON loaded by %s from its browser cache (HTTP 304, no "
                "body): start Splash with --disable-browser-caches so netcrawl can read "
                "the JSON pages load (counted under netcrawl/render/splash/intercepted/"
                "skipped/not_modified)",
                response.url,
            )
        return response.replace(cls=SplashHtmlResponse)

    def spider_opened(self, spider: Spider) -> None:
        if self.configured:  # an inert middleware leaves the spider alone
            super().spider_opened(spider)

    def _get_slot_key(self, request: Request) -> str:
        # Fix 3: the downloader's private _get_slot_key(request, spider) is now public.
        return self.crawler.engine.downloader.get_slot_key(request)

    @staticmethod
    def _forward_site_headers(request: Request, spider: Spider) -> None:
        """Set ``args.headers`` as the original would, minus the ones Splash must not get."""
        options = request.meta["splash"]
        args = options.setdefault("args", {})
        if options.get("dont_send_headers") or "headers" in args:
            return
        if args.get("engine") == "chromium":
            # Splash 3.5's Chromium engine answers any ``headers`` with 400 "headers is
            # not implemented": such a page is fetched with Chromium's own headers.
            options["dont_send_headers"] = True
            return
        headers = scrapy_headers_to_unicode_dict(request.headers)
        for name in _NOT_FORWARDED:
            headers.pop(name, None)
        if _http_auth_enabled(spider):
            headers.pop("Authorization", None)  # meant for Splash itself, as in the original
        if headers:
            args["headers"] = headers

    def _count_unrendered(self, request: Request, spider: Spider) -> None:
        stats = self.crawler.stats
        if not stats.get_value("netcrawl/splash/not_configured"):
            logger.warning(
                "%(request)s asks for Splash rendering but SPLASH_URL is empty; fetching it "
                "(and any later such request) without rendering",
                {"request": request},
                extra={"spider": spider},
            )
        stats.inc_value("netcrawl/splash/not_configured")


class SplashDeduplicateArgsMiddleware(scrapy_splash.SplashDeduplicateArgsMiddleware):
    """Stores large Splash arguments (``cache_args``) once; asynchronous, as Scrapy 2.19 needs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SplashDeduplicateArgsMiddleware:
        if not splash_url_setting(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        if not hasattr(spider, "state"):
            spider.state = {}
        spider.state.setdefault(self.local_values_key, {})  # fingerprint => value
        async for request_or_item in start:
            yield self._deduplicate(request_or_item, spider)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        async for request_or_item in result:
            yield self._deduplicate(request_or_item, spider)

    def _deduplicate(self, request_or_item: Any, spider: Spider) -> Any:
        if isinstance(request_or_item, Request):
            return self._process_request(request_or_item, spider)
        return request_or_item
