"""The spider middleware that sends a spider's (or a request's) pages to a renderer.

Which pages are rendered:

- a request with ``meta["netcrawl_render"]`` set: ``"browser"`` or ``"splash"``
  renders it, ``"none"`` keeps it plain, ``"auto"`` treats it as below;
- otherwise the spider's ``render`` (class attribute or ``-a render=...``) applies to
  its page requests (not to robots.txt, sitemaps, data endpoints or assets):
  ``"browser"`` / ``"splash"`` render every page; ``"auto"`` fetches pages plainly
  and, when a page yielded no place but shows the signs of a script-built page
  (:mod:`netcrawl.rendering.detection`), fetches it again rendered, once
  (``dont_filter``; a rendered page is never re-rendered), counting the reason in
  ``netcrawl/render/auto/<reason>``. ``auto`` renders with Splash when ``SPLASH_URL``
  is set, else with Chromium (``NETCRAWL_RENDER_AUTO_WITH`` chooses), and does
  nothing when neither is configured.

On a rendered response it counts ``netcrawl/render/<mode>/pages``, marks every place
read from it with ``extras["rendered"] = True``, yields the places of the JSON
responses the page loaded in Chromium (:mod:`netcrawl.rendering.interception`), and
closes the page if the request had asked scrapy-playwright to keep it open.

Order 560 in ``SPIDER_MIDDLEWARES``: it sees a callback's output after the spider's
own middlewares (depth, offsite...) and before the resume journal (20) and
incremental crawling (30), so they see the rendered requests and all the places.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from netcrawl.discovery.links import is_asset_url
from netcrawl.items import Place
from netcrawl.rendering import (
    AUTO_REASON_META_KEY,
    RENDER_META_KEY,
    RENDERED_EXTRA,
    RENDERED_META_KEY,
    RenderMode,
    RenderModeError,
    parse_render_mode,
)
from netcrawl.rendering.browser import browser_configured, to_browser_request
from netcrawl.rendering.detection import script_built_reason

logger = logging.getLogger(__name__)

#: URL endings of data files: fetched plainly whatever the spider's ``render``
#: (a browser would wrap a JSON body in an HTML page).
DATA_SUFFIXES = (
    ".json", ".geojson", ".jsonl", ".ndjson", ".xml", ".kml", ".kmz", ".csv", ".txt",
    ".js", ".gz", ".zip", ".pdf",
)
#: Meta keys of the plain download left out of the rendered copy ``auto`` makes.
_DOWNLOAD_META = ("download_latency", "download_slot", "retry_times", "playwright_page")
#: Spider callbacks of discovery files, never rendered.
_DISCOVERY_CALLBACKS = ("parse_robots", "parse_sitemap")


def _splash_module() -> Any | None:
    """The Splash helper (:mod:`netcrawl.rendering.splash`), or ``None`` if it cannot load."""
    try:
        from netcrawl.rendering import splash
    except ImportError as exc:  # scrapy-splash not installed
        logger.debug("Splash rendering unavailable: %s", exc)
        return None
    return splash


class RenderingMiddleware:
    """Apply the spider's / requests' ``render`` option; re-fetch script-built pages in auto."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.stats = crawler.stats
        self._configured: dict[RenderMode, bool] = {}
        self._spider_mode: RenderMode | None = None
        self._warned: set[str] = set()
        self._closing: set[asyncio.Future[None]] = set()
        self._auto_renderer: RenderMode | None = None
        self._auto_resolved = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderingMiddleware:
        return cls(crawler)

    # --- Configuration ----------------------------------------------------------------
    def configured(self, mode: RenderMode) -> bool:
        """Whether ``mode``'s renderer can be used in this crawl."""
        if mode not in self._configured:
            if mode is RenderMode.BROWSER:
                self._configured[mode] = browser_configured(self.settings)
            elif mode is RenderMode.SPLASH:
                splash = _splash_module()
                self._configured[mode] = bool(splash and splash.splash_configured(self.settings))
            else:
                self._configured[mode] = False
        return self._configured[mode]

    def auto_renderer(self) -> RenderMode | None:
        """The renderer ``auto`` uses, or ``None`` when none is configured (resolved once)."""
        if not self._auto_resolved:
            self._auto_renderer = self._resolve_auto_renderer()
            self._auto_resolved = True
        return self._auto_renderer

    def _resolve_auto_renderer(self) -> RenderMode | None:
        choice = self.settings.get("NETCRAWL_RENDER_AUTO_WITH") or ""
        if choice:
            try:
                mode = parse_render_mode(choice, where="NETCRAWL_RENDER_AUTO_WITH")
            except RenderModeError as exc:
                self._warn_once("invalid_auto", f"{exc}; auto rendering is off",
                                level=logging.ERROR)
                return None
            if not mode.is_renderer:
                return None
            if not self.configured(mode):
                self._not_configured(mode)
                return None
            return mode
        for mode in (RenderMode.SPLASH, RenderMode.BROWSER):
            if self.configured(mode):
                return mode
        return None

    def spider_mode(self, spider: Spider) -> RenderMode:
        """The spider's ``render``, as it can be honoured in this crawl (resolved once)."""
        if self._spider_mode is None:
            self._spider_mode = self._resolve_spider_mode(spider)
        return self._spider_mode

    def _resolve_spider_mode(self, spider: Spider) -> RenderMode:
        raw = getattr(spider, "render", None)
        try:
            mode = parse_render_mode(raw, where=f"spider {spider.name!r}: render")
        except RenderModeError as exc:
            self._warn_once("invalid", f"{exc}; pages are not rendered", level=logging.ERROR)
            return RenderMode.NONE
        if mode is RenderMode.AUTO:
            renderer = self.auto_renderer()
            if renderer is None:
                logger.debug("render=auto: no renderer configured, pages stay plain")
                return RenderMode.NONE
            logger.info("Rendering: auto (script-built pages are rendered with %s)", renderer.value)
        elif mode.is_renderer:
            if not self.configured(mode):
                self._not_configured(mode)
                return RenderMode.NONE
            logger.info("Rendering: every page with %s", mode.value)
        return mode

    # --- Requests ---------------------------------------------------------------------
    def is_page_request(self, request: Request, spider: Spider) -> bool:
        """A page the spider's ``render`` applies to (not discovery files or data)."""
        if request.meta.get("netcrawl_probe"):
            return False
        callback = request.callback
        name = getattr(callback, "__name__", None)
        if name in _DISCOVERY_CALLBACKS and getattr(callback, "__self__", None) is spider:
            return False
        path = urlsplit(request.url).path.lower()
        return not path.endswith(DATA_SUFFIXES) and not is_asset_url(request.url)

    def apply(self, request: Request, spider: Spider) -> Request:
        """``request`` as it should be fetched: converted for a renderer, or unchanged."""
        meta = request.meta
        if meta.get("playwright") or "splash" in meta or meta.get(RENDERED_META_KEY):
            return request  # already rendered, or built for a renderer by the spider
        explicit = meta.get(RENDER_META_KEY)
        if explicit is not None:
            try:
                mode = parse_render_mode(explicit, where=f"meta[{RENDER_META_KEY!r}]")
            except RenderModeError as exc:
                self._warn_once(f"invalid_meta/{explicit}", f"{exc} ({request.url}); fetched plain")
                self.stats.inc_value("netcrawl/render/invalid")
                return request
        else:
            # The spider's mode first: in a crawl that renders nothing, no URL is parsed.
            mode = self.spider_mode(spider)
            if not mode.is_renderer or not self.is_page_request(request, spider):
                return request
        if mode.is_renderer:
            return self.render(request, mode)
        return request

    def render(self, request: Request, mode: RenderMode) -> Request:
        """``request`` converted for ``mode``'s renderer (unchanged if it is not configured)."""
        if not self.configured(mode):
            self._not_configured(mode)
            return request
        if mode is RenderMode.BROWSER:
            return to_browser_request(request, self.settings)
        splash = _splash_module()
        assert splash is not None  # configured() checked it loads
        return splash.to_splash_request(request, self.settings)

    # --- Scrapy hooks -----------------------------------------------------------------
    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        async for entry in start:
            yield self.apply(entry, spider) if isinstance(entry, Request) else entry

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        rendered_by = response.meta.get(RENDERED_META_KEY)
        places = 0
        data_requests = 0
        kept_page = False
        # Requests from a data response (an API's next page) are data too: plain. Only a
        # spider that renders its pages needs to know (else apply() keeps them plain anyway).
        from_data = (
            not rendered_by
            and self.spider_mode(spider).is_renderer
            and self._is_data_response(response)
        )
        try:
            async for entry in result:
                if isinstance(entry, Request):
                    kept_page = kept_page or self._carries_page(entry, response)
                    if entry.meta.get(RENDER_META_KEY) == RenderMode.NONE.value:
                        data_requests += 1
                    if from_data and RENDER_META_KEY not in entry.meta:
                        yield entry
                    else:
                        yield self.apply(entry, spider)
                    continue
                places += 1
                if rendered_by:
                    self._mark_rendered(entry)
                yield entry
        finally:
            if not kept_page:
                await self._close_page(response)
        if rendered_by:
            self.stats.inc_value(f"netcrawl/render/{rendered_by}/pages")
            if places:
                self.stats.inc_value(f"netcrawl/render/{rendered_by}/places", places)
            if rendered_by in (RenderMode.BROWSER.value, RenderMode.SPLASH.value):
                for item in self._intercepted_places(response, spider, rendered_by):
                    yield item
        elif not places:
            rendered = self._auto_request(response, spider, data_requests)
            if rendered is not None:
                yield rendered

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        """A callback that failed before yielding must not leave a page it was given open."""
        page = response.meta.get("playwright_page")
        if page is not None and not page.is_closed():
            task = asyncio.ensure_future(self._close_page(response))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    # --- Helpers ----------------------------------------------------------------------
    def _auto_request(
        self, response: Response, spider: Spider, data_requests: int = 0
    ) -> Request | None:
        """The rendered copy of a placeless, script-built page in auto mode, or ``None``.

        ``data_requests``: requests the spider made for the page's data endpoints (marked
        ``meta["netcrawl_render"] = "none"``); the page's places come from those, as they
        would from its scripts, so rendering it would only read them a second time.
        """
        request = response.request
        if request is None or request.meta.get(AUTO_REASON_META_KEY):
            return None
        explicit = request.meta.get(RENDER_META_KEY)
        if explicit is not None:
            try:
                mode = parse_render_mode(explicit)
            except RenderModeError:
                return None
        else:
            mode = self.spider_mode(spider)
            if mode is not RenderMode.AUTO or not self.is_page_request(request, spider):
                return None
        if mode is not RenderMode.AUTO or not self._is_html_page(response):
            return None
        renderer = self.auto_renderer()
        if renderer is None:
            return None
        reason = script_built_reason(response)
        if reason is None:
            return None
        if data_requests:
            self.stats.inc_value("netcrawl/render/auto_skipped/endpoints_followed")
            logger.debug("%s looks script-built (%s) but its data endpoints are followed",
                         response.url, reason)
            return None
        self.stats.inc_value(f"netcrawl/render/auto/{reason}")
        logger.info("No place at %s, which looks script-built (%s): rendering it", response.url,
                    reason)
        meta = {key: value for key, value in request.meta.items() if key not in _DOWNLOAD_META}
        meta[AUTO_REASON_META_KEY] = reason
        meta.pop(RENDER_META_KEY, None)
        return self.render(request.replace(url=response.url, meta=meta, dont_filter=True),
                           renderer)

    @staticmethod
    def _is_data_response(response: Response) -> bool:
        """An API response read by a page callback (not HTML, not robots.txt or a sitemap)."""
        request = response.request
        callback = getattr(request, "callback", None)
        if getattr(callback, "__name__", None) in _DISCOVERY_CALLBACKS:
            return False
        content_type = (response.headers.get(b"Content-Type") or b"").lower()
        if content_type:
            return b"html" not in content_type
        return response.body[:256].lstrip()[:1] != b"<"

    @staticmethod
    def _is_html_page(response: Response) -> bool:
        if not isinstance(response, TextResponse) or response.status != 200:
            return False
        content_type = (response.headers.get(b"Content-Type") or b"").lower()
        return b"html" in content_type or (not content_type and b"<html" in response.body[:2048])

    def _mark_rendered(self, item: Any) -> None:
        """``extras["rendered"] = True`` on a place item (other items are left alone)."""
        try:
            adapter = ItemAdapter(item)
            extras = adapter.get("extras") or {}
            adapter["extras"] = {**extras, RENDERED_EXTRA: True}
        except (KeyError, TypeError):
            pass  # an item type without an ``extras`` field

    def _intercepted_places(
        self, response: Response, spider: Spider, rendered_by: str
    ) -> list[Any]:
        """Places in the JSON responses the rendered page loaded (XHR / fetch).

        Chromium's are captured as the page loads them; Splash's come from its HAR
        (netcrawl.rendering.splash_capture).
        """
        from netcrawl.rendering.interception import intercepted_results, skipped_counts

        prefix = f"netcrawl/render/{rendered_by}/intercepted"
        for reason, count in skipped_counts(response).items():
            self.stats.inc_value(f"{prefix}/skipped/{reason}", count)
        items: list[Any] = []
        for url, result in intercepted_results(response):
            self.stats.inc_value(f"{prefix}/responses")
            for code in dict.fromkeys(result.problems):
                self.stats.inc_value(f"{prefix}/{code}")
                logger.debug("%s in %s, loaded by %s", code, url, response.url)
            for place in result.places:
                make_place = getattr(spider, "make_place", None)
                item = make_place(place, response) if make_place else Place(place)
                if item is None:
                    continue
                self._mark_rendered(item)
                items.append(item)
        if items:
            self.stats.inc_value(f"{prefix}/places", len(items))
        return items

    @staticmethod
    def _carries_page(request: Request, response: Response) -> bool:
        page = response.meta.get("playwright_page")
        return page is not None and request.meta.get("playwright_page") is page

    async def _close_page(self, response: Response | None) -> None:
        page = response.meta.get("playwright_page") if response is not None else None
        if page is None or page.is_closed():
            return
        try:
            await page.close()
        except Exception as exc:  # the browser went away meanwhile
            logger.debug("Closing the page of %s: %s", response.url, exc)
        self.stats.inc_value("netcrawl/render/browser/pages_closed_after_callback")

    def _not_configured(self, mode: RenderMode) -> None:
        self.stats.inc_value(f"netcrawl/render/{mode.value}/not_configured")
        how = (
            "set SPLASH_URL (see docs/splash.md)"
            if mode is RenderMode.SPLASH
            else "install Debian's chromium or set NETCRAWL_BROWSER_EXECUTABLE, and keep "
            "NETCRAWL_BROWSER_ENABLED on (see docs/rendering.md)"
        )
        self._warn_once(
            f"not_configured/{mode.value}",
            f"render={mode.value} asked but {mode.value} is not configured: {how}; "
            "pages are fetched plain",
        )

    def _warn_once(self, key: str, message: str, level: int = logging.WARNING) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logger.log(level, message)
