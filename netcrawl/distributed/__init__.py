"""One crawl frontier shared by many ``scrapy crawl`` processes, in Redis (scrapy-redis).

With ``REDIS_URL`` set (setting or environment variable), :class:`~.addon.DistributedAddon`
swaps Scrapy's scheduler, duplicate filter and request queue for the classes of this
package, so any number of workers on any number of machines pull requests from, and
push discovered links to, one Redis server. Modules, one job each:

- :mod:`.keys`: the names of every Redis key of one spider's crawl;
- :mod:`.connection`: the Redis client from settings, ``REDIS_URL`` masking for logs;
- :mod:`.frontier`: the crawl's shared state as a library (seeds, queue, in-flight
  requests per worker, heartbeats, finish test, status, clearing), usable without a crawl;
- :mod:`.queue`: scrapy-redis's priority queue, popping into the worker's in-flight set;
- :mod:`.dupefilter`: scrapy-redis's duplicate filter, with Scrapy's request fingerprinter;
- :mod:`.scheduler`: the Scrapy scheduler (acknowledgements, idle polling, finishing);
- :mod:`.seeds`: start URLs kept in Redis (JSON) and the site scope they define;
- :mod:`.places`, :mod:`.pipeline`: places exported once across workers;
- :mod:`.addon`: activation from ``REDIS_URL``.

See docs/distributed.md.
"""

from __future__ import annotations

import os
import socket

from scrapy.settings import BaseSettings

#: The environment variables read when the settings do not name them.
REDIS_URL_ENV = "REDIS_URL"
WORKER_ID_ENV = "NETCRAWL_WORKER_ID"


def redis_url(settings: BaseSettings) -> str:
    """``REDIS_URL`` from the settings, else from the environment; "" when neither is set."""
    return (settings.get("REDIS_URL") or os.environ.get(REDIS_URL_ENV) or "").strip()


def distributed_enabled(settings: BaseSettings) -> bool:
    """Whether this crawl shares a Redis frontier.

    ``REDIS_URL`` given as a setting always counts. From the environment it counts only
    for ``scrapy crawl`` (whose command sets ``NETCRAWL_RUNS_AUTO``; Scrapyd and
    ``scrapy schedule`` run it too): a worker machine exports ``REDIS_URL`` once, and a
    ``scrapy shell`` or ``scrapy parse`` there must not join the crawl and take its requests.
    """
    if (settings.get("REDIS_URL") or "").strip():
        return True
    return bool(os.environ.get(REDIS_URL_ENV, "").strip()) and settings.getbool(
        "NETCRAWL_RUNS_AUTO"
    )


def worker_id(settings: BaseSettings) -> str:
    """This process's name in the frontier.

    ``NETCRAWL_WORKER_ID`` (setting or environment) when given: a restarted worker with
    the same id takes its in-flight requests back at once. Otherwise ``<host>-<pid>``,
    unique per process but not stable across restarts: a dead worker's requests then
    return to the queue when its heartbeat expires (``NETCRAWL_FRONTIER_HEARTBEAT_TTL``).
    """
    configured = settings.get("NETCRAWL_WORKER_ID") or os.environ.get(WORKER_ID_ENV) or ""
    return str(configured).strip() or f"{socket.gethostname()}-{os.getpid()}"
