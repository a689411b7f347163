"""scrapy-playwright's download handler as netcrawl runs it: Debian's Chromium, bounded, filtered.

Imported only when a crawl renders its first page (by
:class:`netcrawl.rendering.browser.BrowserDownloadHandler`), since importing
Playwright alone costs memory every crawl would pay.

What netcrawl adds to scrapy-playwright 0.0.48's handler:

- **Start on demand.** The original starts the Playwright driver when the engine
  starts; :func:`start_browser_handler` builds it on the first rendered request,
  disconnects that signal and starts the driver itself. Chromium is launched by
  scrapy-playwright on the first page, as usual.
- **Launch options from netcrawl's settings**: ``NETCRAWL_BROWSER_EXECUTABLE``
  (Debian's ``/usr/bin/chromium``), ``NETCRAWL_BROWSER_HEADLESS``,
  ``NETCRAWL_BROWSER_ARGS``; ``PLAYWRIGHT_LAUNCH_OPTIONS`` entries win.
- **One concurrency bound**: ``NETCRAWL_BROWSER_CONCURRENCY`` pages at once in
  ``NETCRAWL_BROWSER_CONTEXTS`` reused contexts, unless ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT``
  / ``PLAYWRIGHT_MAX_CONTEXTS`` are set explicitly (they are scrapy-playwright's own
  knobs and then win). Derived here, not in settings.py, so ``-s
  NETCRAWL_BROWSER_CONCURRENCY=1`` on the command line is followed too.
- **Contexts renewed**, if asked, every ``NETCRAWL_BROWSER_CONTEXT_PAGES`` pages:
  the handler lets the context's pages finish, closes it and opens a fresh one
  (``netcrawl/render/browser/contexts_renewed``), so cookies and storage of one
  stretch of a long crawl do not reach the next. Off by default: it does not change
  the browser's memory (measured, docs/rendering.md).
- **Navigation timeout** ``NETCRAWL_BROWSER_TIMEOUT`` seconds unless
  ``PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT`` is set.
- **A request filter** (:class:`BrowserRequestFilter`) unless ``PLAYWRIGHT_ABORT_REQUEST``
  is set: resource types a place list never needs (images, media, fonts) and,
  with ``NETCRAWL_BROWSER_SAME_SITE_ONLY``, every request to another host than the
  rendered page's are aborted, counted in ``netcrawl/render/browser/aborted/<reason>``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Page
from playwright.async_api import Request as PlaywrightRequest
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy_playwright.handler import DEFAULT_CONTEXT_NAME, ScrapyPlaywrightDownloadHandler

logger = logging.getLogger(__name__)

def _explicit(settings: BaseSettings, name: str) -> bool:
    """Whether a setting was given by someone (it has no default in Scrapy or netcrawl)."""
    return settings.get(name) not in (None, "", {}, 0)


def launch_options(settings: BaseSettings) -> dict[str, Any]:
    """Chromium's launch options: netcrawl's settings, then ``PLAYWRIGHT_LAUNCH_OPTIONS``.

    The flags are ``NETCRAWL_BROWSER_ARGS`` as given: their one list (and why each) is
    in netcrawl/settings.py and docs/rendering.md, and an empty list really means none.
    """
    options: dict[str, Any] = {
        "headless": settings.getbool("NETCRAWL_BROWSER_HEADLESS", True),
        "args": settings.getlist("NETCRAWL_BROWSER_ARGS"),
    }
    executable = settings.get("NETCRAWL_BROWSER_EXECUTABLE")
    if executable:
        options["executable_path"] = executable
    options.update(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    return options


class BrowserRequestFilter:
    """Abort the browser's requests a place list does not need (``PLAYWRIGHT_ABORT_REQUEST``).

    ``blocked_types``: Playwright resource types never loaded (``image``, ``media``,
    ``font`` by default). ``same_site_only``: abort requests to any host other than
    the one of the page being rendered (third-party scripts, trackers, map tiles);
    off by default, because store finders often load their list from a third-party
    locator service, whose JSON is what interception reads.
    """

    def __init__(
        self, stats: StatsCollector, blocked_types: frozenset[str], same_site_only: bool
    ) -> None:
        self.stats = stats
        self.blocked_types = blocked_types
        self.same_site_only = same_site_only

    @classmethod
    def from_settings(cls, settings: BaseSettings, stats: StatsCollector) -> BrowserRequestFilter:
        blocked = settings.getlist("NETCRAWL_BROWSER_BLOCKED_RESOURCES", ["image", "media", "font"])
        return cls(
            stats,
            frozenset(str(kind).lower() for kind in blocked),
            settings.getbool("NETCRAWL_BROWSER_SAME_SITE_ONLY", False),
        )

    def __call__(self, request: PlaywrightRequest) -> bool:
        reason = self.reason(request)
        if reason is None:
            return False
        self.stats.inc_value(f"netcrawl/render/browser/aborted/{reason}")
        return True

    def reason(self, request: PlaywrightRequest) -> str | None:
        """Why ``request`` should be aborted, or ``None`` to let it through."""
        if request.resource_type in self.blocked_types:
            return request.resource_type
        if self.same_site_only and not request.url.startswith(("data:", "blob:")):
            page_host = self._page_host(request)
            if page_host is not None and urlsplit(request.url).hostname != page_host:
                return "offsite"
        return None

    @staticmethod
    def _page_host(request: PlaywrightRequest) -> str | None:
        """The host of the page that made ``request`` (``None`` for its own navigation)."""
        if request.is_navigation_request() and request.frame.parent_frame is None:
            return None  # the page itself (or its redirect): what Scrapy asked for
        try:
            page_url = request.frame.page.url
        except Exception:  # a service worker's request has no frame
            return None
        if not page_url.startswith(("http://", "https://")):
            return None
        return urlsplit(page_url).hostname


class NetcrawlPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, started on demand and configured from netcrawl's settings."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Started by start_browser_handler(), not when the engine starts (it already has).
        crawler.signals.disconnect(self._maybe_launch_in_thread, signals.engine_started)
        settings = crawler.settings
        concurrency = max(1, settings.getint("NETCRAWL_BROWSER_CONCURRENCY", 4))
        contexts = max(1, settings.getint("NETCRAWL_BROWSER_CONTEXTS", 1))
        self.config.launch_options = launch_options(settings)
        if not _explicit(settings, "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"):
            self.config.max_pages_per_context = max(1, concurrency // contexts)
        if not _explicit(settings, "PLAYWRIGHT_MAX_CONTEXTS"):
            self.config.max_contexts = contexts
            self.context_semaphore = asyncio.Semaphore(contexts)
        if not _explicit(settings, "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"):
            self.config.navigation_timeout_ms = (
                settings.getfloat("NETCRAWL_BROWSER_TIMEOUT", 30.0) * 1000
            )
        if not _explicit(settings, "PLAYWRIGHT_ABORT_REQUEST"):
            self.abort_request = BrowserRequestFilter.from_settings(settings, crawler.stats)
        self.context_pages = max(0, settings.getint("NETCRAWL_BROWSER_CONTEXT_PAGES", 0))
        self._renew_lock = asyncio.Lock()
        #: Pages opened (or being opened) per context name since the context was created.
        self._served: dict[str, int] = {}
        self._opening: dict[str, int] = {}

    async def _create_page(self, request: Request, spider: Spider) -> Page:
        """A new page; first renew the request's context if it has served its share."""
        name = request.meta.setdefault("playwright_context", DEFAULT_CONTEXT_NAME)
        async with self._renew_lock:
            if self.context_pages and self._served.get(name, 0) >= self.context_pages:
                await self._renew_context(name)
            self._served[name] = self._served.get(name, 0) + 1
            self._opening[name] = self._opening.get(name, 0) + 1
        try:
            return await super()._create_page(request=request, spider=spider)
        finally:
            self._opening[name] -= 1

    async def _renew_context(self, name: str) -> None:
        """Close context ``name`` once its pages are done; the next page opens a new one.

        Called under ``_renew_lock``, so no page of that context starts meanwhile. Pages
        still being opened are waited for first (the context itself may still be being
        created for them). A persistent context (``user_data_dir``) is kept: its point
        is to last.
        """
        self._served[name] = 0
        loop = asyncio.get_running_loop()
        # Pages in flight finish within a navigation timeout plus the settle wait.
        deadline = loop.time() + 2 * (self.config.navigation_timeout_ms or 30_000) / 1000
        while self._opening.get(name) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        wrapper = self.context_wrappers.get(name)
        if wrapper is None or wrapper.persistent:
            return
        while wrapper.context.pages and loop.time() < deadline:
            await asyncio.sleep(0.02)
        await wrapper.context.close()  # its close callback forgets it and frees its slot
        self.stats.inc_value("netcrawl/render/browser/contexts_renewed")


async def start_browser_handler(crawler: Crawler) -> NetcrawlPlaywrightHandler:
    """Build the handler and start the Playwright driver (Chromium follows on the first page)."""
    handler = NetcrawlPlaywrightHandler(crawler)
    crawler.stats.inc_value("netcrawl/render/browser/started")
    logger.info(
        "Starting headless Chromium for rendered pages (%s, %d page(s) at once)",
        handler.config.launch_options.get("executable_path", "Playwright's browser"),
        handler.config.max_pages_per_context * (handler.config.max_contexts or 1),
    )
    await handler._launch()  # scrapy-playwright's start-up (driver, startup contexts)
    return handler
