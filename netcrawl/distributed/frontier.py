"""The shared state of a distributed crawl, as a library that works without a running crawl.

Invariant that makes a killed worker lose no page: every request not yet finished is at
each instant in exactly one place, the shared queue or the in-flight set of the worker
that popped it. :meth:`Frontier.claim` moves a request from the queue to the worker's
in-flight set in one atomic script; the worker removes it (:meth:`Frontier.acknowledge`)
only after its response has been processed, so the links it yielded are already queued.
A worker proves it is alive with a heartbeat key that expires after
``heartbeat_ttl`` seconds; a worker whose key has expired is dead, and
:meth:`Frontier.reap_dead_workers` puts its in-flight requests back into the queue, again
in one script, so two workers reaping at once cannot requeue a request twice. Before
that it releases the places the dead run claimed (:meth:`.places.SharedPlaceRegistry.release`):
its export died with it, so the pages it was reading, read again by another worker, must
be free to export them.

Redis >= 6.2 (``GEOSEARCH``); a standalone server or a replica set, not Redis Cluster
(scripts compute the in-flight key names of the registered workers).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import redis

from netcrawl.distributed import worker_id
from netcrawl.distributed.connection import frontier_client
from netcrawl.distributed.keys import FrontierKeys
from netcrawl.distributed.places import SharedPlaceRegistry

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Pop the best request (lowest score = highest priority) into the worker's in-flight set;
# the worker is (re)registered so that its in-flight set is always visible to the others.
_CLAIM = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
redis.call('ZADD', KEYS[2], item[2], item[1])
redis.call('SADD', KEYS[3], ARGV[1])
return item[1]
"""

# Queue a request unless its fingerprint ARGV[1] was seen ("" = dont_filter): one round trip
# for the duplicate filter and the queue. Returns 1 when queued.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
"""

# Put a worker's in-flight requests back into the queue. ARGV[1] = worker id,
# ARGV[2] = "1" to requeue even though its heartbeat is alive (the worker itself).
# Returns -1 when the worker is alive, else the number of requests requeued.
_REQUEUE = """
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local count = redis.call('ZCARD', KEYS[2])
if count > 0 then
  redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[2], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[2])
end
if ARGV[2] ~= '1' then redis.call('SREM', KEYS[4], ARGV[1]) end
return count
"""

# {queued, in flight in all registered workers, fingerprints seen}: one consistent snapshot.
_PROGRESS = """
local inflight = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  inflight = inflight + redis.call('ZCARD', ARGV[1] .. ':inflight:' .. worker)
end
return {redis.call('ZCARD', KEYS[1]), inflight, redis.call('SCARD', KEYS[3])}
"""

# Leave the crawl. Returns 1 when no other live worker remains, nothing is queued or in
# flight, and the seeds are the ARGV[2] ones this worker knew: the crawl is complete.
_DEREGISTER = """
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[3] .. ':heartbeat:' .. worker) == 1 then return 0 end
  if redis.call('ZCARD', ARGV[3] .. ':inflight:' .. worker) > 0 then return 0 end
end
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
if redis.call('SCARD', KEYS[4]) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[4] ~= '1' then return 1 end
local deleted, cursor = 0, '0'
repeat
  local reply = redis.call('SCAN', cursor, 'MATCH', ARGV[5], 'COUNT', 500)
  cursor = reply[1]
  if #reply[2] > 0 then deleted = deleted + redis.call('UNLINK', unpack(reply[2])) end
until cursor == '0'
return 1 + deleted
"""


@dataclass(frozen=True)
class Progress:
    """How much work the frontier holds, read in one atomic step."""

    queued: int
    in_flight: int
    seen: int

    @property
    def finished(self) -> bool:
        """Started (something was enqueued) and nothing left queued or in flight."""
        return self.seen > 0 and self.queued == 0 and self.in_flight == 0


@dataclass(frozen=True)
class Departure:
    """What leaving the crawl found: the last worker of a complete crawl, keys deleted."""

    last: bool
    deleted: int = 0


@dataclass(frozen=True)
class Reaped:
    """What reaping one dead worker gave back."""

    requests: int  # in-flight requests returned to the queue
    places: int  # places it had claimed in the run that died, now free again


@dataclass(frozen=True)
class WorkerStatus:
    worker: str
    alive: bool
    in_flight: int
    done: int


@dataclass(frozen=True)
class FrontierStatus:
    """What ``scrapy frontier status`` prints."""

    spider: str
    queued: int
    seen: int
    seeds: int
    failed: int
    places: int
    workers: list[WorkerStatus] = field(default_factory=list)

    @property
    def in_flight(self) -> int:
        return sum(worker.in_flight for worker in self.workers)

    def as_dict(self) -> dict:
        return {
            "spider": self.spider, "queued": self.queued, "in_flight": self.in_flight,
            "seen": self.seen, "seeds": self.seeds, "failed": self.failed,
            "places": self.places,
            "workers": [vars(worker) for worker in self.workers],
        }


def new_life_token() -> str:
    """A token naming one run (process) of a worker: its heartbeat value and claim owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Frontier:
    """One spider's crawl state in Redis, seen from worker ``worker`` (may be "" for tools).

    ``life`` names this run of the worker (a fresh token by default): a worker id
    restarted is the same worker in a new life.
    """

    def __init__(
        self,
        server: redis.Redis,
        keys: FrontierKeys,
        worker: str = "",
        heartbeat_ttl: float = 30.0,
        life: str | None = None,
    ) -> None:
        self.server = server
        self.keys = keys
        self.worker = worker
        self.heartbeat_ttl = heartbeat_ttl
        self.life = life or new_life_token()
        #: The places this run claims (and the release of dead runs' claims).
        self.places = SharedPlaceRegistry(server, keys, worker, self.life)
        self._claim = server.register_script(_CLAIM)
        self._enqueue = server.register_script(_ENQUEUE)
        self._requeue = server.register_script(_REQUEUE)
        self._progress = server.register_script(_PROGRESS)
        self._deregister = server.register_script(_DEREGISTER)

    # --- Seeds ------------------------------------------------------------------------
    def add_seeds(self, encoded: Iterable[str]) -> int:
        """Add JSON seeds; returns how many were new."""
        values = list(encoded)
        return int(self.server.sadd(self.keys.seeds, *values)) if values else 0

    def seeds(self) -> set[bytes]:
        return set(self.server.smembers(self.keys.seeds))

    def seed_count(self) -> int:
        return int(self.server.scard(self.keys.seeds))

    # --- Workers ------------------------------------------------------------------------
    def register(self, token: str) -> str | None:
        """Join the crawl; returns the token of a live process that had this worker id."""
        with self.server.pipeline() as pipe:
            pipe.sadd(self.keys.workers, self.worker)
            pipe.set(self.keys.heartbeat(self.worker), token, ex=self._ttl(), get=True)
            _, previous = pipe.execute()
        if previous is not None and previous.decode() != token:
            return previous.decode()
        return None

    def beat(self, token: str) -> bool:
        """Renew the heartbeat; False when another worker had reaped this one meanwhile."""
        with self.server.pipeline() as pipe:
            pipe.set(self.keys.heartbeat(self.worker), token, ex=self._ttl())
            pipe.sadd(self.keys.workers, self.worker)
            _, added = pipe.execute()
        return not added

    def _ttl(self) -> int:
        return max(1, round(self.heartbeat_ttl))

    def requeue(self, worker: str, *, force: bool = False) -> int:
        """Move ``worker``'s in-flight requests back to the queue; -1 if it is alive."""
        return int(self._requeue(
            keys=[self.keys.requests, self.keys.inflight(worker), self.keys.heartbeat(worker),
                  self.keys.workers],
            args=[worker, "1" if force else "0"],
        ))

    def reap_dead_workers(self) -> dict[str, Reaped]:
        """Release the places and requeue the requests of every worker whose heartbeat expired.

        Places first: until the requests are requeued nobody can read their pages again,
        so no place on them is refused for a claim that is about to go.
        """
        reaped = {}
        for raw in self.server.smembers(self.keys.workers):
            worker = raw.decode()
            if worker == self.worker:
                continue
            released = self.places.release(worker)
            if released < 0:
                continue  # alive
            count = self.requeue(worker)
            if count >= 0 or released:
                reaped[worker] = Reaped(max(count, 0), released)
        return reaped

    def deregister(self, known_seeds: int, *, clear_if_last: bool = False) -> Departure:
        """Leave the crawl, saying whether this was the last worker of a complete crawl.

        With ``clear_if_last``, the last worker deletes every key of the crawl in the
        same script that found it last: a worker joining a moment later then starts a
        new crawl instead of having its fresh heartbeat and seeds deleted under it.
        """
        result = int(self._deregister(
            keys=[self.keys.requests, self.keys.workers, self.keys.heartbeat(self.worker),
                  self.keys.seeds],
            args=[self.worker, known_seeds, self.keys.base, "1" if clear_if_last else "0",
                  self.keys.pattern],
        ))
        return Departure(last=result > 0, deleted=max(0, result - 1))

    # --- Requests -----------------------------------------------------------------------
    def enqueue(self, fingerprint: str | None, encoded: bytes, score: float) -> bool:
        """Queue a request unless its fingerprint was seen (None: never filtered)."""
        return bool(self._enqueue(
            keys=[self.keys.requests, self.keys.dupefilter],
            args=[fingerprint or "", score, encoded],
        ))

    def claim(self) -> bytes | None:
        """Pop the best queued request into this worker's in-flight set."""
        return self._claim(
            keys=[self.keys.requests, self.keys.inflight(self.worker), self.keys.workers],
            args=[self.worker],
        )

    def acknowledge(self, encoded: list[bytes]) -> None:
        """Forget finished requests (their follow-up requests are already queued)."""
        if not encoded:
            return
        with self.server.pipeline() as pipe:
            pipe.zrem(self.keys.inflight(self.worker), *encoded)
            pipe.hincrby(self.keys.done, self.worker, len(encoded))
            pipe.execute()

    def set_aside(self, encoded: bytes) -> None:
        """Move an in-flight request nobody can decode to the ``failed`` list."""
        with self.server.pipeline() as pipe:
            pipe.zrem(self.keys.inflight(self.worker), encoded)
            pipe.rpush(self.keys.failed, encoded)
            pipe.execute()

    def queued(self) -> int:
        return int(self.server.zcard(self.keys.requests))

    def progress(self) -> Progress:
        queued, in_flight, seen = self._progress(
            keys=[self.keys.requests, self.keys.workers, self.keys.dupefilter],
            args=[self.keys.base],
        )
        return Progress(int(queued), int(in_flight), int(seen))

    # --- Tools --------------------------------------------------------------------------
    def status(self) -> FrontierStatus:
        workers = sorted(raw.decode() for raw in self.server.smembers(self.keys.workers))
        done = {k.decode(): int(v) for k, v in self.server.hgetall(self.keys.done).items()}
        with self.server.pipeline(transaction=False) as pipe:
            pipe.zcard(self.keys.requests)
            pipe.scard(self.keys.dupefilter)
            pipe.scard(self.keys.seeds)
            pipe.llen(self.keys.failed)
            pipe.hlen(self.keys.places)
            for worker in workers:
                pipe.exists(self.keys.heartbeat(worker))
                pipe.zcard(self.keys.inflight(worker))
            queued, seen, seeds, failed, places, *per_worker = pipe.execute()
        rows = [
            WorkerStatus(worker, bool(per_worker[2 * i]), int(per_worker[2 * i + 1]),
                         done.get(worker, 0))
            for i, worker in enumerate(workers)
        ]
        # Workers that left (or were reaped) still show what they did.
        rows += [WorkerStatus(w, False, 0, n) for w, n in sorted(done.items()) if w not in workers]
        return FrontierStatus(self.keys.spider, int(queued), int(seen), int(seeds),
                              int(failed), int(places), rows)

    def live_workers(self) -> list[str]:
        workers = sorted(raw.decode() for raw in self.server.smembers(self.keys.workers))
        with self.server.pipeline(transaction=False) as pipe:
            for worker in workers:
                pipe.exists(self.keys.heartbeat(worker))
            alive = pipe.execute()
        return [worker for worker, live in zip(workers, alive, strict=True) if live]

    def clear(self) -> int:
        """Delete every key of this spider's crawl; returns how many were deleted."""
        deleted = 0
        batch: list[bytes] = []
        for key in self.server.scan_iter(match=self.keys.pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += int(self.server.unlink(*batch))
                batch.clear()
        if batch:
            deleted += int(self.server.unlink(*batch))
        return deleted


#: One Frontier (one Redis connection pool) per crawler, shared by its components.
_CRAWL_FRONTIERS: weakref.WeakKeyDictionary[Crawler, Frontier] = weakref.WeakKeyDictionary()


def frontier_for(crawler: Crawler) -> Frontier:
    """This crawl's frontier (connecting on first use; raises FrontierUnavailable)."""
    frontier = _CRAWL_FRONTIERS.get(crawler)
    if frontier is None:
        settings = crawler.settings
        frontier = Frontier(
            frontier_client(settings),
            FrontierKeys.from_settings(settings, crawler.spidercls.name),
            worker_id(settings),
            settings.getfloat("NETCRAWL_FRONTIER_HEARTBEAT_TTL", 30.0),
        )
        _CRAWL_FRONTIERS[crawler] = frontier
    return frontier
