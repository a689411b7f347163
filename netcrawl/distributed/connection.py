"""The Redis client of a distributed crawl, and ``REDIS_URL`` as it may be logged.

The client comes from scrapy-redis (its connection defaults, ``REDIS_PARAMS``); this module only
adds the environment fallback and one clear error when the server cannot be reached.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import redis
from scrapy.settings import BaseSettings
from scrapy_redis import defaults
from scrapy_redis.connection import get_redis

from netcrawl.distributed import redis_url


class FrontierUnavailable(RuntimeError):
    """The Redis server named by ``REDIS_URL`` cannot be used."""


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for logs and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def frontier_client(settings: BaseSettings, *, check: bool = True) -> redis.Redis:
    """A Redis client for ``REDIS_URL`` (setting, else environment); pinged when ``check``."""
    url = redis_url(settings)
    if not url:
        raise FrontierUnavailable("REDIS_URL is not set (setting or environment variable)")
    # scrapy-redis's connection defaults (timeouts, retry on timeout), REDIS_PARAMS on top.
    params = dict(defaults.REDIS_PARAMS)
    params.update(settings.getdict("REDIS_PARAMS"))
    client = get_redis(url=url, **params)
    if check:
        try:
            client.ping()
        except redis.RedisError as error:
            raise FrontierUnavailable(
                f"cannot reach Redis at {masked_url(url)}: {error}"
            ) from error
    return client
