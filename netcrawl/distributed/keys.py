"""The Redis keys of one spider's distributed crawl, named in one place.

Everything of a crawl lives under ``<NETCRAWL_FRONTIER_KEY_PREFIX>:<spider>:`` so that
``scrapy frontier clear`` can find it all and two projects can share one Redis server.
scrapy-redis's own key settings (``SCHEDULER_QUEUE_KEY``, ``SCHEDULER_DUPEFILTER_KEY``,
``REDIS_START_URLS_KEY``) are not read: the keys below belong together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scrapy.settings import BaseSettings

DEFAULT_PREFIX = "netcrawl"
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


@dataclass(frozen=True)
class FrontierKeys:
    """Key names for spider ``spider`` under ``prefix``."""

    spider: str
    prefix: str = DEFAULT_PREFIX

    @classmethod
    def from_settings(cls, settings: BaseSettings, spider: str) -> FrontierKeys:
        return cls(spider, settings.get("NETCRAWL_FRONTIER_KEY_PREFIX") or DEFAULT_PREFIX)

    @property
    def base(self) -> str:
        return f"{self.prefix}:{self.spider}"

    @property
    def requests(self) -> str:
        """Sorted set of pending requests (scrapy-redis priority queue)."""
        return f"{self.base}:requests"

    @property
    def dupefilter(self) -> str:
        """Set of request fingerprints ever enqueued."""
        return f"{self.base}:dupefilter"

    @property
    def seeds(self) -> str:
        """Set of start URLs as JSON (``{"url": ...}``); they also define the site scope."""
        return f"{self.base}:seeds"

    @property
    def workers(self) -> str:
        """Set of registered worker ids."""
        return f"{self.base}:workers"

    @property
    def done(self) -> str:
        """Hash worker id -> requests that worker has finished."""
        return f"{self.base}:done"

    @property
    def failed(self) -> str:
        """List of queued requests no worker could decode (kept for inspection)."""
        return f"{self.base}:failed"

    @property
    def places(self) -> str:
        """Hash of place identity keys (ref, name+address) -> kept record identity."""
        return f"{self.base}:places"

    @property
    def place_owners(self) -> str:
        """Hash kept record identity -> "<worker>\\0<run token>": who exported it, when."""
        return f"{self.base}:places:owners"

    def place_claims(self, worker: str) -> str:
        """List of the places the worker's current run claimed (until it closes cleanly)."""
        return f"{self.base}:places:claims:{worker}"

    def heartbeat(self, worker: str) -> str:
        """String with a TTL: the worker is alive while it exists."""
        return f"{self.base}:heartbeat:{worker}"

    def inflight(self, worker: str) -> str:
        """Sorted set of requests the worker has popped and not finished."""
        return f"{self.base}:inflight:{worker}"

    @property
    def place_near_prefix(self) -> str:
        """What every :meth:`place_near` key starts with (the name hash follows)."""
        return f"{self.base}:places:near:"

    def place_near(self, name_hash: int) -> str:
        """Geo set of the kept places with one normalised name."""
        return f"{self.place_near_prefix}{name_hash:016x}"

    @property
    def pattern(self) -> str:
        """SCAN pattern matching every key of this crawl (and nothing else)."""
        return _GLOB_SPECIAL.sub(r"\\\1", self.base) + ":*"
