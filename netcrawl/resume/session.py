"""One crawl's use of the journal: what to write, what to replay, what to count.

:class:`ResumeSession` is shared by the three components of the resume
package (scheduler, spider middleware, downloader middleware); the add-on
(:class:`netcrawl.resume.addon.ResumeAddon`) creates it and the components
reach it with ``crawler.get_addon(ResumeAddon).session``.

Two modes, decided by the scheduler that actually runs:

- **full** (:class:`~netcrawl.resume.scheduler.JournalScheduler`): requests,
  items and finished fetches are journaled; a resumed crawl replays the
  committed items, re-queues the pending requests and seeds the duplicate
  filter with every fingerprint seen;
- **items** (any other scheduler, e.g. scrapy-redis whose frontier lives in
  Redis): only items and finished fetches (by request fingerprint) are
  journaled, so a restarted worker's ``-O`` export still holds everything it
  exported before being killed; the frontier is the other scheduler's job.

Stats (``netcrawl/resume/``): ``resumed`` (1 when a journal was found),
``replayed_items``, ``replayed_requests``, ``journal_bad_lines``,
``journaled_requests``, ``journaled_items``, ``fetches_done``,
``skipped_start_requests``, ``unserializable_requests``, ``unpicklable_items``,
``unreadable_records``.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.job import job_dir
from scrapy.utils.request import request_from_dict

from netcrawl.resume.journal import (
    JOURNAL_NAME,
    Journal,
    JournalError,
    JournalState,
    fetch_key,
    load_journal,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from netcrawl.resume.scheduler import JournalScheduler

logger = logging.getLogger(__name__)

#: Request meta key holding the journal id of the fetch a request belongs to. Retries
#: and redirects copy meta, so they stay the same fetch; the spider middleware gives
#: every request a spider yields a new id (or none).
JOURNAL_ID_KEY = "netcrawl_journal_id"
PICKLE_PROTOCOL = 5
STATS_PREFIX = "netcrawl/resume/"


class ResumeSession:
    """The journal of one crawl in ``JOBDIR`` (see the module docstring)."""

    def __init__(self, crawler: Crawler, settings: BaseSettings | None = None) -> None:
        self.crawler = crawler
        settings = settings if settings is not None else crawler.settings
        directory = job_dir(settings)
        if directory is None:
            raise ValueError("ResumeSession needs JOBDIR")
        self.jobdir = Path(directory)
        self.path = self.jobdir / JOURNAL_NAME
        self.journal = Journal(self.path, fsync=settings.getbool("NETCRAWL_RESUME_FSYNC"))
        self.state: JournalState | None = None
        self.scheduler: JournalScheduler | None = None
        self._next_id = 1
        #: This crawl's run number in the journal (part of every fetch key).
        self.run = 0
        self._failed = False
        self._unusable = False
        self._warned: set[str] = set()
        #: Fingerprints journaled before this run, for skipping repeated start requests.
        self._previously_seen: set[bytes] = set()

    # --- Opening --------------------------------------------------------------------
    @property
    def full(self) -> bool:
        """Whether requests are journaled too (our scheduler runs)."""
        return self.scheduler is not None

    @property
    def resumed(self) -> bool:
        return self.state is not None and not self.state.is_new

    def open(self, spider: Spider) -> JournalState:
        """Load the journal once and open it for appending (idempotent)."""
        if self.state is not None:
            return self.state
        if self._unusable:
            raise CloseSpider("resume_journal_unusable")
        try:
            state = load_journal(self.path)
            if state.spider not in (None, spider.name):
                raise JournalError(
                    f"JOBDIR {self.jobdir} holds a crawl of spider {state.spider!r}, "
                    f"not {spider.name!r}: use one JOBDIR per spider and crawl"
                )
            self.run = self.journal.open(state, spider.name)
        except (JournalError, OSError) as error:
            logger.error("Cannot use the resume journal: %s", error)
            self._unusable = True
            raise CloseSpider("resume_journal_unusable") from error
        self.state = state
        self._next_id = state.next_id
        self._previously_seen = state.seen
        self._report_open(state)
        return state

    def _report_open(self, state: JournalState) -> None:
        stats = self.crawler.stats
        if state.bad_lines:
            self.count("journal_bad_lines", state.bad_lines)
            level = logging.INFO if state.torn_tail and state.bad_lines == 1 else logging.WARNING
            logger.log(
                level, "Resume journal %s: %d unreadable line(s) ignored%s", self.path,
                state.bad_lines, " (the record being written when the crawl was killed)"
                if state.torn_tail and state.bad_lines == 1 else "",
            )
        if state.is_new:
            if (self.jobdir / "requests.seen").exists():
                logger.warning(
                    "JOBDIR %s was written by Scrapy's stock scheduler, which the resume journal "
                    "does not read: this crawl starts afresh (set NETCRAWL_RESUME_JOURNAL=False "
                    "to resume it the stock way)", self.jobdir,
                )
            return
        stats.set_value(STATS_PREFIX + "resumed", 1)
        self._warn_appending_feeds()
        logger.info(
            "Resuming the crawl journaled in %s: %d items to replay, %d requests pending, "
            "%d fetches done, %d fingerprints seen",
            self.path, state.committed_items, len(state.pending) if self.full else 0,
            len(state.done), len(state.seen),
        )

    def _warn_appending_feeds(self) -> None:
        """Every place of the crawl is exported again: a feed that appends gets repeats."""
        for uri, options in self.crawler.settings.getdict("FEEDS").items():
            if not (options or {}).get("overwrite"):
                logger.warning(
                    "Feed %s appends (-o) while this crawl is resumed: every place of the "
                    "crawl is exported again, so the places an earlier run stored when it "
                    "stopped cleanly will be there twice. Use -O to rebuild the file.", uri,
                )

    def close(self) -> None:
        self.journal.close()

    # --- Writing --------------------------------------------------------------------
    def new_request(self, request: Request, fingerprint: bytes) -> int | None:
        """Journal a request the duplicate filter admitted; its id, None if unserialisable."""
        spider = self.crawler.spider
        try:
            payload = pickle.dumps(request.to_dict(spider=spider), PICKLE_PROTOCOL)
        except (ValueError, TypeError, AttributeError, pickle.PicklingError) as error:
            self.count("unserializable_requests")
            self._warn_once(
                "request", "Request %s cannot be journaled (%s): it will not survive a kill "
                "(stats netcrawl/resume/unserializable_requests; further ones not logged)",
                request, error,
            )
            return None
        request_id = self._next_id
        self._next_id += 1
        if self._write(self.journal.request, request_id, fingerprint, payload):
            self.count("journaled_requests")
        return request_id

    def seen(self, fingerprint: bytes) -> None:
        self._write(self.journal.seen, fingerprint)

    def item(self, key: str, item: Any) -> None:
        try:
            payload = pickle.dumps(item, PICKLE_PROTOCOL)
        except (ValueError, TypeError, AttributeError, pickle.PicklingError) as error:
            self.count("unpicklable_items")
            self._warn_once(
                "item", "An item of %s cannot be journaled (%s): a resumed crawl would lack it "
                "(stats netcrawl/resume/unpicklable_items; further ones not logged)", key, error,
            )
            return
        if self._write(self.journal.item, key, payload):
            self.count("journaled_items")

    def done(self, key: str) -> None:
        if self._write(self.journal.done, key):
            self.count("fetches_done")

    def key_of(self, response: Response) -> str:
        """The fetch key of a response: its request's journal id, else its fingerprint."""
        request = response.request
        assert request is not None
        request_id = request.meta.get(JOURNAL_ID_KEY)
        if self.full and isinstance(request_id, int):
            return fetch_key(self.run, request_id)
        return fetch_key(self.run, None, self.crawler.request_fingerprinter.fingerprint(request))

    def request_done(self, request_id: int) -> None:
        """The fetch of a journaled request ended without a response to read."""
        self.done(fetch_key(self.run, request_id))

    def _write(self, method: Any, *args: Any) -> bool:
        if self._failed or not self.journal.is_open:
            return False
        try:
            method(*args)
        except OSError as error:
            # Carrying on would silently void the guarantee the user asked for.
            self._failed = True
            logger.error(
                "Cannot write the resume journal %s (%s): closing the spider; resuming "
                "will continue from the last record written", self.path, error,
            )
            try:
                engine = self.crawler.engine
            except RuntimeError:  # no crawl running
                return False
            if engine.spider is not None:
                deferred_from_coro(engine.close_spider_async(reason="resume_journal_error"))
            return False
        return True

    # --- Replaying ------------------------------------------------------------------
    def committed_items(self) -> Iterator[Any]:
        """Unpickled items of finished fetches from before this run."""
        assert self.state is not None
        for payload in self.state.committed_payloads():
            try:
                item = pickle.loads(payload)  # our own file in JOBDIR
            except Exception as error:  # any class may fail to unpickle
                self.count("unreadable_records")
                self._warn_once("unpickle", "A journaled item cannot be read back (%s)", error)
                continue
            self.count("replayed_items")
            yield item

    def pending_requests(self) -> Iterator[Request]:
        """Requests journaled before this run and not finished, with their ids."""
        assert self.state is not None
        spider = self.crawler.spider
        for pending in self.state.pending:
            try:
                request = request_from_dict(pickle.loads(pending.payload), spider=spider)
            except Exception as error:  # a callback renamed since, a class that moved...
                self.count("unreadable_records")
                self._warn_once(
                    "request_back", "A journaled request cannot be rebuilt (%s); skipped", error
                )
                continue
            request.meta[JOURNAL_ID_KEY] = pending.request_id
            self.count("replayed_requests")
            yield request

    def seen_before(self, fingerprint: bytes) -> bool:
        """Whether an earlier run of this job already journaled this fingerprint."""
        return fingerprint in self._previously_seen

    def forget_start(self) -> None:
        """Start is read and items replayed: free what only they needed."""
        self._previously_seen = set()
        if self.state is not None:
            self.state.seen = set()
            self.state.pending = []

    # --- Helpers --------------------------------------------------------------------
    def count(self, key: str, count: int = 1) -> None:
        """Add to the ``netcrawl/resume/<key>`` stat."""
        self.crawler.stats.inc_value(STATS_PREFIX + key, count)

    def _warn_once(self, topic: str, message: str, *args: Any) -> None:
        if topic not in self._warned:
            self._warned.add(topic)
            logger.warning(message, *args)
