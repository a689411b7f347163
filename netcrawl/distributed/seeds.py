"""Start URLs kept in Redis, and the site scope they define for every worker.

scrapy-redis reads start URLs from a Redis list and turns each into a request with
``dont_filter=True``: when a page later links back to the seed page, the seed is
fetched a second time. It also warns (deprecation) about plain-string entries. Here a
seed is a JSON object ``{"url": "https://..."}`` in a Redis *set*; every worker reads
the whole set and requests each seed through the spider's normal start logic (robots.txt,
sitemap probe, the page) with ordinary, filtered requests, so the shared duplicate
filter lets exactly one worker fetch each. Nothing is popped, so a worker killed while
starting loses no seed, and a worker started later learns the crawl's sites from the set.

The set is also the crawl's scope: a worker that did not get ``-a start_urls`` must still
know which links are on site. :class:`SharedSiteScope` is the spider's ``scope`` in
distributed mode and re-reads the set when a URL is not in the sites it knows.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import redis

from netcrawl.discovery.sites import SiteScope
from netcrawl.distributed import distributed_enabled
from netcrawl.distributed.frontier import Frontier, frontier_for

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Seconds between two re-reads of the seed count triggered by off-site links.
SCOPE_REFRESH_INTERVAL = 1.0


class BadSeed(ValueError):
    """A start URL that cannot be crawled (not http(s), no host, not JSON...)."""


def check_seed_url(url: str) -> str:
    """``url`` stripped, or :class:`BadSeed` when it is not an absolute http(s) URL."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise BadSeed(f"{url!r}: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadSeed(f"{url!r}: not an absolute http(s) URL")
    return url


def encode_seed(url: str) -> str:
    """The JSON form stored in the seeds set (canonical, so a repeat is one member)."""
    return json.dumps({"url": check_seed_url(url)}, separators=(",", ":"), sort_keys=True)


def decode_seed(raw: bytes | str) -> str:
    """The URL of a stored seed; a plain URL string is accepted too (see the docs)."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadSeed(f"{text[:80]!r}: invalid JSON ({error.msg})") from None
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            raise BadSeed(f"{text[:80]!r}: JSON seed without a \"url\" string")
        return check_seed_url(data["url"])
    return check_seed_url(text)


class SharedSiteScope:
    """A :class:`SiteScope` over all seeds of the crawl, refreshed from Redis on a miss."""

    def __init__(self, seeds: SharedSeeds) -> None:
        self._seeds = seeds
        self._scope = SiteScope([])
        self._next_check = 0.0
        self._allowed_domains: list[str] = []

    def update(self, urls: list[str]) -> None:
        self._scope = SiteScope(urls)
        # In place: the spider's ``allowed_domains`` is this very list, and Scrapy's
        # OffsiteMiddleware re-reads it per request; a new list would leave the spider
        # with the sites known at start, and requests to sites pushed later dropped.
        self._allowed_domains[:] = self._scope.allowed_domains

    @property
    def allowed_domains(self) -> list[str]:
        """The domains of every seed known so far (one list, updated as seeds arrive)."""
        return self._allowed_domains

    def contains(self, url: str) -> bool:
        if self._scope.contains(url):
            return True
        # Off-site links are common; re-read the seed count at most once a second.
        now = time.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + SCOPE_REFRESH_INTERVAL
        try:
            return self._seeds.refresh() and self._scope.contains(url)
        except redis.RedisError as error:
            # Called from spider callbacks: an outage must not fail the page (and lose its
            # other links). Only a site pushed since the last refresh is missed.
            self._seeds.redis_error("scope refresh", error)
            return False

    def ensure(self, url: str) -> None:
        """Re-read the seeds now if ``url`` (a request popped from the frontier) is unknown.

        Called before the request is downloaded: Scrapy's OffsiteMiddleware would otherwise
        drop a request of a site pushed since this worker last read the seeds, and a
        dropped shared request is finished for every worker. Seeds are only ever added
        (until ``scrapy frontier clear``), so comparing counts (one ``SCARD``) tells whether
        there is anything new to read, also for requests that are off-site on purpose.
        """
        if not self._scope.contains(url):
            self._seeds.refresh()


class SharedSeeds:
    """The crawl's seeds as one worker knows them; new ones wait in :attr:`pending`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._frontier: Frontier | None = None
        self.known: set[bytes] = set()
        self.urls: list[str] = []
        #: Seeds learnt but not yet requested by this worker (see :meth:`take_pending`).
        self.pending: list[str] = []
        self.scope = SharedSiteScope(self)
        self._logged_errors: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedSeeds | None:
        """The spider's shared seeds, or None when ``REDIS_URL`` is not set."""
        return cls(crawler) if distributed_enabled(crawler.settings) else None

    @property
    def frontier(self) -> Frontier:
        if self._frontier is None:
            self._frontier = frontier_for(self.crawler)
        return self._frontier

    def start(self, command_line_urls: list[str]) -> list[str]:
        """Publish this worker's own start URLs; return every seed of the crawl to request."""
        encoded = []
        for url in command_line_urls:
            try:
                encoded.append(encode_seed(url))
            except BadSeed as error:
                self._bad(str(error))
        added = self.frontier.add_seeds(encoded)
        if added:
            logger.info("Added %d start URL(s) to the shared frontier", added)
        self.refresh(force=True)
        urls = self.take_pending()
        if not urls:
            logger.info(
                "No start URLs in the shared frontier yet: waiting for `scrapy frontier push "
                "%s URL` or for other workers' requests", self.crawler.spidercls.name,
            )
        return urls

    def refresh(self, force: bool = False) -> bool:
        """Read seeds added since the last call; True when there were any."""
        frontier = self.frontier
        if not force and frontier.seed_count() == len(self.known):
            return False
        new = frontier.seeds() - self.known
        if not new:
            return False
        for raw in sorted(new):
            self.known.add(raw)
            try:
                url = decode_seed(raw)
            except BadSeed as error:
                self._bad(str(error))
                continue
            if raw.lstrip()[:1] != b"{":
                self._inc("seeds/plain_string")
            self.urls.append(url)
            self.pending.append(url)
        self.scope.update(self.urls)
        return True

    def take_pending(self) -> list[str]:
        urls, self.pending = self.pending, []
        return urls

    @property
    def count(self) -> int:
        return len(self.known)

    def redis_error(self, action: str, error: Exception) -> None:
        """Count a Redis failure met while reading seeds; log the first of each kind."""
        key = f"redis_errors/{action.replace(' ', '_')}"
        self._inc(key)
        if key not in self._logged_errors:
            self._logged_errors.add(key)
            logger.error("Redis error during %s: %s (retried on the next look-up)", action, error)

    def _bad(self, message: str) -> None:
        self._inc("seeds/invalid")
        logger.warning("Invalid start URL in the shared frontier skipped: %s", message)

    def _inc(self, key: str) -> None:
        stats = getattr(self.crawler, "stats", None)
        if stats is not None:
            stats.inc_value(f"netcrawl/distributed/{key}")
