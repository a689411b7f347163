"""The Scrapy scheduler of a distributed crawl (``SCHEDULER`` when ``REDIS_URL`` is set).

Built on scrapy-redis's scheduler, with each of its traps handled (docs/distributed.md):

- **In-flight requests.** Requests are popped into this worker's in-flight set
  (:class:`~.queue.InFlightPriorityQueue`) and acknowledged only when the engine is done
  with them: downloaded, parsed, items through the pipelines, follow-up requests queued.
  Scrapy has no "request finished" signal, so :meth:`_acknowledge_finished` compares the
  requests this scheduler handed out with those the downloader and the scraper still
  hold (checked whenever the engine asks for a request, on the heartbeat and when idle).
- **Liveness.** A heartbeat key with a TTL (``NETCRAWL_FRONTIER_HEARTBEAT_TTL``) is
  renewed every third of it; on each beat the worker also requeues the in-flight requests
  of registered workers whose heartbeat expired. A worker restarted with the same
  ``NETCRAWL_WORKER_ID`` takes its own in-flight requests back at once. A dead run's
  claimed places are released before its requests are requeued (whoever reaps it, or its
  own restart), and a run that closes cleanly makes its claims permanent
  (:mod:`.places`).
- **Idle workers.** The engine polls the scheduler only on events or on its 5-second
  heartbeat, so an idle worker would miss work another worker just queued. While idle
  and the crawl is not finished, this scheduler polls Redis every
  ``NETCRAWL_FRONTIER_POLL_INTERVAL`` seconds and hands a claimed request to the engine
  (``engine.crawl``), which wakes it. A timer, not a loop: no busy waiting.
- **Finishing.** A worker closes (reason ``finished``) when nothing is queued, nothing is
  in flight in any worker and every seed has been requested; otherwise it waits, up to
  ``NETCRAWL_FRONTIER_IDLE_TIMEOUT`` seconds (0: for ever), then closes with
  ``frontier_idle_timeout``.
- **Persistence.** ``SCHEDULER_PERSIST`` is ignored: closing one worker never deletes
  shared keys. The last live worker of a finished crawl clears the crawl's keys when
  ``NETCRAWL_FRONTIER_CLEAR_ON_FINISH`` is true (default); ``scrapy frontier clear`` does
  it by hand.
- **Deprecations.** No ``Spider.log`` call and no ``spider`` argument to stats calls.

Requests that cannot be serialised (a callback that is not a spider method) cannot be
shared: they stay in a local queue of this worker, counted and logged once.
"""

from __future__ import annotations

import importlib
import logging
import pickle
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from netcrawl.distributed.dupefilter import SharedDupeFilter
from netcrawl.distributed.frontier import Frontier, frontier_for
from netcrawl.distributed.queue import InFlightPriorityQueue

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from netcrawl.distributed.seeds import SharedSeeds

logger = logging.getLogger(__name__)

STATS_PREFIX = "netcrawl/distributed"
#: Close reason when the frontier stayed unfinished but gave no work for too long.
IDLE_TIMEOUT_REASON = "frontier_idle_timeout"
_MAX_BEAT_INTERVAL = 5.0


class DistributedScheduler(RedisScheduler):
    """scrapy-redis's scheduler with in-flight tracking, liveness and idle polling."""

    def __init__(self, crawler: Crawler, frontier: Frontier) -> None:
        settings = crawler.settings
        super().__init__(
            server=frontier.server,
            persist=True,
            queue_key=frontier.keys.requests,
            queue_cls=settings.get("SCHEDULER_QUEUE_CLASS") or InFlightPriorityQueue,
            dupefilter_key=frontier.keys.dupefilter,
            dupefilter_cls=settings.get("DUPEFILTER_CLASS") or SharedDupeFilter,
            serializer=settings.get("SCHEDULER_SERIALIZER") or None,
        )
        self.crawler = crawler
        self.frontier = frontier
        self.stats = crawler.stats
        self.poll_interval = max(0.01, settings.getfloat("NETCRAWL_FRONTIER_POLL_INTERVAL", 0.25))
        self.idle_timeout = settings.getfloat("NETCRAWL_FRONTIER_IDLE_TIMEOUT", 300.0)
        self.clear_on_finish = settings.getbool("NETCRAWL_FRONTIER_CLEAR_ON_FINISH", True)
        # This run's heartbeat value, also the owner of the places it claims.
        self.token = frontier.life
        # Requests handed to the engine and not yet acknowledged: request -> stored bytes.
        self._in_flight: dict[Request, bytes] = {}
        # Claimed by the idle poller and passed through engine.crawl() to wake the engine.
        self._handed_over: dict[int, tuple[Request, bytes]] = {}
        self._ready: deque[tuple[Request, bytes]] = deque()
        # Requests that cannot be serialised: crawled by this worker only.
        self._local: deque[Request] = deque()
        self._idle_since: float | None = None
        self._redis_down = False
        self._unshareable_logged = False
        self._closed = False
        self._beat_loop: Any = None
        self._poll_loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedScheduler:
        scheduler = cls(crawler, frontier_for(crawler))
        crawler.signals.connect(scheduler._on_spider_idle, signal=signals.spider_idle)
        return scheduler

    # --- Lifecycle ----------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        queue_cls = load_object(self.queue_cls)
        dupefilter_cls = load_object(self.dupefilter_cls)
        for name, cls, base in (("SCHEDULER_QUEUE_CLASS", queue_cls, InFlightPriorityQueue),
                                ("DUPEFILTER_CLASS", dupefilter_cls, SharedDupeFilter)):
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise ValueError(f"{name} must be {base.__qualname__} or a subclass of it in a "
                                 f"distributed crawl (REDIS_URL set), not {cls!r}")
        if isinstance(self.serializer, str):  # a module with loads/dumps, as in scrapy-redis
            self.serializer = importlib.import_module(self.serializer)
        self.queue = queue_cls(self.server, spider, self.queue_key, self.serializer,
                               frontier=self.frontier)
        self.df = dupefilter_cls.for_crawl(self.crawler, self.server, self.dupefilter_key)
        worker = self.frontier.worker
        previous = self.frontier.register(self.token)
        if previous is not None:
            logger.warning(
                "Worker id %r had a live heartbeat (%s): taking over its in-flight requests. "
                "Two running processes must not share a NETCRAWL_WORKER_ID.", worker, previous,
            )
        # An earlier run of this id that did not close cleanly wrote no export: free its
        # places before its pages go back to the queue (a JOBDIR replay claims them again).
        released = self.frontier.places.release(worker, force=True)
        if released:
            self._inc("places_released/own", released)
            logger.info("Released %d place(s) claimed by this worker id's run that did not "
                        "finish", released)
        recovered = self.frontier.requeue(worker, force=True)
        if recovered:
            self._inc("requeued/own", recovered)
            logger.info("Requeued %d request(s) this worker id had in flight before a restart",
                        recovered)
        self._reap()
        progress = self.frontier.progress()
        logger.info(
            "Worker %r joined the shared frontier %s: %d queued, %d in flight, %d seen",
            worker, self.frontier.keys.base, progress.queued, progress.in_flight, progress.seen,
        )
        interval = min(self.frontier.heartbeat_ttl / 3, _MAX_BEAT_INTERVAL)
        self._beat_loop = create_looping_call(self._beat)
        self._beat_loop.start(max(interval, 0.1), now=False)
        self._poll_loop = create_looping_call(self._poll)

    def close(self, reason: str) -> None:
        self._closed = True
        for loop in (self._beat_loop, self._poll_loop):
            if loop is not None and loop.running:
                loop.stop()
        try:
            self._leave(reason)
        finally:
            # The crawl's last Redis user (pipelines closed before the scheduler): free the
            # sockets now rather than when the crawler is collected (many crawls, one process).
            self.frontier.server.close()

    def _leave(self, reason: str) -> None:
        """Return unfinished requests, keep this run's places, clear a finished crawl."""
        try:
            self._acknowledge_finished()
            returned = self.frontier.requeue(self.frontier.worker, force=True)
            if returned:
                self._inc("requeued/on_close", returned)
                logger.info("Returned %d unfinished request(s) to the shared queue", returned)
            # Every item went through the pipelines (the scraper closed first) and the feeds
            # are stored right after: this run's places stay claimed for good.
            self.frontier.places.finalise()
            clear = reason == "finished" and self.clear_on_finish
            departure = self.frontier.deregister(self._seeds_known(), clear_if_last=clear)
        except redis.RedisError as error:
            logger.error("Could not leave the shared frontier cleanly: %s (other workers will "
                         "requeue this worker's requests when its heartbeat expires)", error)
            return
        if self._local:
            self._inc("local_requests_lost", len(self._local))
            logger.warning("%d unshareable request(s) were not crawled", len(self._local))
        if departure.last and clear:
            logger.info("Last worker of the finished crawl: cleared the shared frontier "
                        "(%d keys; NETCRAWL_FRONTIER_CLEAR_ON_FINISH)", departure.deleted)
        elif departure.last and reason == "finished":
            logger.info("Last worker of the finished crawl; the shared frontier is kept "
                        "(`scrapy frontier clear %s` deletes it)", self.frontier.keys.spider)

    def flush(self) -> None:
        raise RuntimeError(
            "The shared frontier is never flushed by one worker: use `scrapy frontier clear`"
        )

    # --- Scheduler interface ------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        handed = self._handed_over.pop(id(request), None)
        if handed is not None and handed[0] is request:
            self._ready.append(handed)
            return True
        try:
            fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
            if not self.queue.push_unseen(request, fingerprint):
                self.df.log(request, self.spider)
                self._inc("filtered")
                return False
        except redis.RedisError as error:
            self._redis_error("enqueue", error)
            self._local.append(request)
            return True
        except (ValueError, TypeError, AttributeError, pickle.PicklingError) as error:
            # Not serialisable: a callback that is not a spider method, a lock in meta...
            self._unshareable(request, error)
            return True
        self._stat_inc("scheduler/enqueued/redis")
        self._redis_down = False
        return True

    def next_request(self) -> Request | None:
        self._acknowledge_finished()
        if self._ready:
            request, encoded = self._ready.popleft()
            self._in_flight[request] = encoded
            self._learn_site(request)
            return request
        if self._local:
            return self._local.popleft()
        claimed = self._claim()
        if claimed is None:
            return None
        encoded, request = claimed
        self._in_flight[request] = encoded
        self._idle_since = None
        self._learn_site(request)
        return request

    def has_pending_requests(self) -> bool:
        if self._ready or self._local:
            return True
        try:
            return self.frontier.queued() > 0
        except redis.RedisError as error:
            self._redis_error("count", error)
            return False

    def __len__(self) -> int:
        local = len(self._ready) + len(self._local)
        try:
            return local + self.frontier.queued()
        except redis.RedisError as error:  # engine status reports must not crash the crawl
            self._redis_error("count", error)
            return local

    # --- In-flight requests -------------------------------------------------------------
    def _claim(self) -> tuple[bytes, Request] | None:
        try:
            claimed = self.queue.frontier.claim()
        except redis.RedisError as error:
            self._redis_error("pop", error)
            return None
        if claimed is None:
            return None
        self._redis_down = False
        try:
            request = self.queue.decode(claimed)
        except Exception as error:  # unpicklable data, a callback this spider lacks...
            self._inc("undecodable")
            logger.error("Request from the shared queue cannot be decoded (%s: %s); moved to "
                         "%s", type(error).__name__, error, self.frontier.keys.failed)
            try:
                self.frontier.set_aside(claimed)
            except redis.RedisError as redis_error:
                # Still in this worker's in-flight set: requeued on close, never lost.
                self._redis_error("set aside", redis_error)
            return None
        self._stat_inc("scheduler/dequeued/redis")
        return claimed, request

    def _busy_requests(self) -> set[Request]:
        """Requests the engine still holds: downloading, or being scraped."""
        try:
            engine = self.crawler.engine
        except RuntimeError:  # Scrapy 2.19 raises (not None) before the crawl starts
            return set()
        busy: set[Request] = set(engine.downloader.active)
        scraper_slot = engine.scraper.slot
        if scraper_slot is not None:
            busy.update(scraper_slot.active)
            busy.update(request for _, request, _ in scraper_slot.queue)
        # The engine's own bookkeeping, when present, covers the whole lifetime at once.
        engine_slot = getattr(engine, "_slot", None)
        busy.update(getattr(engine_slot, "inprogress", ()))
        return busy

    def _acknowledge_finished(self) -> None:
        if not self._in_flight:
            return
        busy = self._busy_requests()
        finished = [request for request in self._in_flight if request not in busy]
        if not finished:
            return
        encoded = [self._in_flight.pop(request) for request in finished]
        try:
            self.frontier.acknowledge(encoded)
        except redis.RedisError as error:
            # Still in Redis's in-flight set: another worker may redo them, none is lost.
            self._redis_error("acknowledge", error)
            return
        self._inc("acknowledged", len(encoded))

    # --- Liveness -----------------------------------------------------------------------
    def _beat(self) -> None:
        try:
            if not self.frontier.beat(self.token):
                self._inc("reaped_while_alive")
                logger.warning(
                    "This worker was taken for dead (heartbeat older than %.0f s; a blocked "
                    "reactor?): its in-flight requests may be crawled twice",
                    self.frontier.heartbeat_ttl,
                )
            self._acknowledge_finished()
            self._reap()
            self._request_new_seeds()
        except redis.RedisError as error:
            self._redis_error("heartbeat", error)

    def _reap(self) -> None:
        for worker, reaped in self.frontier.reap_dead_workers().items():
            self._inc("requeued/dead_worker", reaped.requests)
            if reaped.places:
                self._inc("places_released/dead_worker", reaped.places)
            logger.warning("Worker %r stopped renewing its heartbeat: requeued its %d in-flight "
                           "request(s), released the %d place(s) it had claimed since it "
                           "started", worker, reaped.requests, reaped.places)

    # --- Idle ---------------------------------------------------------------------------
    def _on_spider_idle(self) -> None:
        """Keep an idle worker open while the crawl is unfinished, and poll for work."""
        if self._closed:
            return
        try:
            self._acknowledge_finished()
            self._reap()
            if self._request_new_seeds() or self._ready or self._local:
                raise DontCloseSpider
            if self._finished():
                logger.info("Shared frontier finished: nothing queued or in flight")
                return
        except redis.RedisError as error:
            self._redis_error("idle check", error)
        if self._idle_since is None:
            self._idle_since = time.monotonic()
            logger.info("Waiting for work from the shared frontier (polling every %.2f s)",
                        self.poll_interval)
        elif self.idle_timeout > 0 and time.monotonic() - self._idle_since > self.idle_timeout:
            logger.warning("No work from the shared frontier for %.0f s: closing "
                           "(NETCRAWL_FRONTIER_IDLE_TIMEOUT)", self.idle_timeout)
            raise CloseSpider(IDLE_TIMEOUT_REASON)
        if not self._poll_loop.running:
            self._poll_loop.start(self.poll_interval, now=False)
        raise DontCloseSpider

    def _poll(self) -> None:
        """While idle: wake the engine when work appears, close when the crawl is done."""
        if self._closed:
            return
        try:
            if self._request_new_seeds():
                self._stop_polling()
                return
            claimed = self._claim()
            if claimed is not None:
                self._stop_polling()
                self._hand_over(*claimed)
                return
            if self._finished():
                self._stop_polling()
                logger.info("Shared frontier finished: nothing queued or in flight")
                self._close_spider("finished")
            elif (self.idle_timeout > 0 and self._idle_since is not None
                  and time.monotonic() - self._idle_since > self.idle_timeout):
                self._stop_polling()
                logger.warning("No work from the shared frontier for %.0f s: closing "
                               "(NETCRAWL_FRONTIER_IDLE_TIMEOUT)", self.idle_timeout)
                self._close_spider(IDLE_TIMEOUT_REASON)
        except redis.RedisError as error:
            self._redis_error("poll", error)

    def _stop_polling(self) -> None:
        if self._poll_loop is not None and self._poll_loop.running:
            self._poll_loop.stop()

    def _hand_over(self, encoded: bytes, request: Request) -> None:
        """Give the engine a request claimed while it was idle; crawl() wakes it up."""
        self._idle_since = None
        self._inc("idle_wakeups")
        self._handed_over[id(request)] = (request, encoded)
        self.crawler.engine.crawl(request)
        if self._handed_over.pop(id(request), None) is not None:
            # A request_scheduled handler refused it: it is finished as far as we go.
            self.frontier.acknowledge([encoded])

    def _close_spider(self, reason: str) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=reason))

    def _finished(self) -> bool:
        return self.frontier.progress().finished and not self._in_flight

    # --- Seeds --------------------------------------------------------------------------
    def _shared_seeds(self) -> SharedSeeds | None:
        return getattr(getattr(self, "spider", None), "shared_seeds", None)

    def _seeds_known(self) -> int:
        seeds = self._shared_seeds()
        return seeds.count if seeds is not None else self.frontier.seed_count()

    def _request_new_seeds(self) -> bool:
        """Request seeds pushed since this worker started; True when there were any."""
        seeds = self._shared_seeds()
        if seeds is None or not hasattr(self.spider, "start_requests_for"):
            return False
        seeds.refresh()
        urls = seeds.take_pending()
        if not urls:
            return False
        logger.info("%d new start URL(s) in the shared frontier", len(urls))
        for request in self.spider.start_requests_for(urls):
            self.crawler.engine.crawl(request)
        self._idle_since = None
        return True

    def _learn_site(self, request: Request) -> None:
        """A request of a site pushed after this worker last read the seeds: learn the site
        before the request meets the offsite filter and the spider's scope."""
        seeds = self._shared_seeds()
        if seeds is not None:
            try:
                seeds.scope.ensure(request.url)
            except redis.RedisError as error:
                self._redis_error("seed refresh", error)

    # --- Reporting ----------------------------------------------------------------------
    def _unshareable(self, request: Request, error: Exception) -> None:
        self._inc("unshareable")
        if not self._unshareable_logged:
            self._unshareable_logged = True
            logger.warning(
                "Request %s cannot be stored in Redis (%s); such requests are crawled by this "
                "worker only and lost if it dies (stats %s/unshareable)",
                request, error, STATS_PREFIX,
            )
        self._local.append(request)

    def _redis_error(self, action: str, error: Exception) -> None:
        self._inc(f"redis_errors/{action.replace(' ', '_')}")
        if not self._redis_down:
            self._redis_down = True
            logger.error("Redis error during %s: %s (retrying)", action, error)

    def _inc(self, key: str, count: int = 1) -> None:
        self._stat_inc(f"{STATS_PREFIX}/{key}", count)

    def _stat_inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)
