"""Decide what is due, start it, record how it ended, apply the health-failure policy.

:class:`Scheduler` is what ``scrapy schedule`` drives, in two modes:

- :meth:`Scheduler.run_once` (``--once``): start every entry due now (at most one
  catch-up run each), wait for them, return the records;
- :meth:`Scheduler.run_forever` (the daemon): the same in a loop that sleeps until the
  next fire time, retry time or child exit; on stop, the running crawls are stopped
  (SIGTERM, then SIGKILL after their ``stop_grace``) and recorded as ``stopped``.

Before starting an entry the scheduler takes the entry's lock and re-reads its state
under it, so a second scheduler process that decided the same entry was due a moment
earlier cannot start a duplicate run once the first has finished. A crawl that crashes,
exits non-zero or is killed is recorded with its outcome; the scheduler goes on.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import netcrawl
from netcrawl.datasets.runs import DEFAULT_RUNS_DIR, RunStore
from netcrawl.scheduling.config import Schedule, ScheduleEntry, format_duration
from netcrawl.scheduling.locking import EntryLock
from netcrawl.scheduling.runner import (
    CrawlProcess,
    describe_exit,
    last_error,
    prune_logs,
    start_crawl,
)
from netcrawl.scheduling.state import (
    FAILED,
    HEALTH_FAILED,
    INTERRUPTED,
    KILLED,
    OK,
    STOPPED,
    TIMED_OUT,
    EntryState,
    PendingRetry,
    RunRecord,
    StateStore,
)
from netcrawl.scheduling.timing import due_fire_time, next_fire_time, utc_now

logger = logging.getLogger(__name__)

#: How often running children are polled (exit, runtime limit) while any run.
POLL_INTERVAL = 0.25
#: The daemon re-checks the clock at least this often (suspend, clock changes).
MAX_SLEEP = 60.0
DEFAULT_KEEP_LOGS = 100


@dataclass
class _ActiveRun:
    entry: ScheduleEntry
    crawl: CrawlProcess
    record: RunRecord
    run_folders_before: set[Path] = field(default_factory=set)
    #: Seen open by the crawl (see CrawlProcess.open_folders_below); None until then.
    run_folder: Path | None = None


@dataclass(frozen=True)
class Plan:
    """Why an entry would start now: for a fire time, or as a health retry."""

    fire: datetime | None
    attempt: int = 1


class Scheduler:
    """Runs the entries of one :class:`~netcrawl.scheduling.config.Schedule`."""

    def __init__(
        self,
        schedule: Schedule,
        *,
        state_dir: Path,
        project_root: Path = netcrawl.PROJECT_ROOT,
        runs_dir: Path | None = None,
        extra_settings: Mapping[str, str] | None = None,
        keep_logs: int = DEFAULT_KEEP_LOGS,
        python: str = sys.executable,
    ) -> None:
        self.schedule = schedule
        self.state_dir = Path(state_dir)
        self.log_dir = self.state_dir / "logs"
        self.store = StateStore(self.state_dir)
        self.project_root = Path(project_root)
        self.runs_dir = Path(runs_dir) if runs_dir else DEFAULT_RUNS_DIR
        self.extra_settings = dict(extra_settings or {})
        self.keep_logs = keep_logs
        self.python = python
        self.active: dict[str, _ActiveRun] = {}
        #: Every attempt that ended in this process, in order (``--once`` reports them).
        self.finished: list[tuple[ScheduleEntry, RunRecord]] = []
        self._busy_reported: set[tuple[str, datetime | None]] = set()

    # --- deciding ---------------------------------------------------------------

    @staticmethod
    def plan(entry: ScheduleEntry, state: EntryState, now: datetime) -> Plan | None:
        """What ``entry`` should start for at ``now`` given ``state``; None if nothing.

        A new fire time wins over a pending health retry (the fresh run replaces it).
        """
        if not entry.enabled or state.disabled_at is not None:
            return None
        fire = due_fire_time(entry, state.last_fire, now)
        if fire is not None:
            return Plan(fire)
        if state.retry is not None and state.retry.at <= now:
            return Plan(state.retry.fire, state.retry.attempt)
        return None

    def due(self, now: datetime) -> list[tuple[ScheduleEntry, Plan]]:
        """Entries due at ``now`` that this process is not already running."""
        due = []
        for entry in self.schedule.entries:
            if entry.name in self.active:
                continue
            plan = self.plan(entry, self.store.load(entry.name), now)
            if plan is not None:
                due.append((entry, plan))
        return due

    def next_wakeup(self, now: datetime) -> datetime | None:
        """The earliest future fire or retry time over all runnable entries."""
        times = []
        for entry in self.schedule.entries:
            if not entry.enabled:
                continue
            state = self.store.load(entry.name)
            if state.disabled_at is not None:
                continue
            times.append(next_fire_time(entry, now))
            # An overdue retry was tried just now (it is blocked by another process's
            # lock): the next regular wake-up tries it again, without a busy loop.
            if state.retry is not None and state.retry.at > now:
                times.append(state.retry.at)
        return min(times) if times else None

    # --- starting ---------------------------------------------------------------

    def start_due(self, now: datetime | None = None, *, retries_only_for: Iterable[str] | None
                  = None) -> list[str]:
        """Start every due entry; returns the names started.

        ``retries_only_for`` limits starting to pending health retries of those entries
        (``--once`` waits for its own retries but starts no new fire times).
        """
        now = now or utc_now()
        started = []
        names = set(retries_only_for) if retries_only_for is not None else None
        for entry, plan in self.due(now):
            if names is not None and (entry.name not in names or plan.attempt == 1):
                continue
            if self.start(entry, now, plan=plan):
                started.append(entry.name)
        return started

    def start(self, entry: ScheduleEntry, now: datetime | None = None, *,
              plan: Plan | None = None, manual: bool = False) -> bool:
        """Start ``entry`` if it is (still) due, or unconditionally with ``manual``.

        Returns False when the entry is running elsewhere (its lock is held), is no
        longer due once its state is re-read under the lock, or its crawl could not
        be started (recorded as ``failed``).
        """
        now = now or utc_now()
        if entry.name in self.active:
            return False
        lock = EntryLock(self.state_dir, entry.name)
        if not lock.acquire():
            key = (entry.name, plan.fire if plan else None)
            if key not in self._busy_reported:
                self._busy_reported.add(key)
                logger.info("Crawl %s is due but still running in another process (%s); "
                            "skipped", entry.name, lock.holder() or "pid unknown")
            return False
        try:
            return self._start_locked(entry, lock, now, plan, manual)
        finally:
            if entry.name not in self.active:
                lock.release()

    def _start_locked(self, entry: ScheduleEntry, lock: EntryLock, now: datetime,
                      plan: Plan | None, manual: bool) -> bool:
        state = self.store.load(entry.name)
        if state.current is not None:
            self._record_interrupted(entry, state)
        if manual:
            plan = Plan(None)
        else:
            plan = self.plan(entry, state, now)
            if plan is None:
                self.store.save(entry.name, state)
                return False
        state.retry = None
        before = self._run_folders(entry)
        what = "manual run" if plan.fire is None else f"fire time {plan.fire.isoformat()}"
        header = [f"crawl {entry.name!r} (spider {entry.spider}) for {what}, "
                  f"attempt {plan.attempt}"]
        try:
            crawl = start_crawl(
                entry, lock, log_dir=self.log_dir, cwd=self.project_root,
                extra_settings=self.extra_settings, header=header, python=self.python,
            )
        except OSError as error:
            record = RunRecord(fire=plan.fire, started=utc_now(), attempt=plan.attempt,
                               ended=utc_now(), outcome=FAILED,
                               message=f"could not start the crawl: {error}")
            state.finish(record)
            self.store.save(entry.name, state)
            self.finished.append((entry, record))
            logger.error("Crawl %s could not start: %s", entry.name, error)
            return False
        record = RunRecord(fire=plan.fire, started=crawl.started, attempt=plan.attempt,
                           pid=crawl.pid, log=str(crawl.log_path))
        state.current = record
        self.store.save(entry.name, state)
        self.active[entry.name] = _ActiveRun(entry, crawl, record, before)
        logger.info("Started crawl %s (%s, attempt %d): pid %d, log %s", entry.name, what,
                    plan.attempt, crawl.pid, crawl.log_path)
        return True

    def _record_interrupted(self, entry: ScheduleEntry, state: EntryState) -> None:
        """A run left 'in progress' by a scheduler that is gone (we hold the lock now)."""
        record = state.current
        assert record is not None
        record.outcome = INTERRUPTED
        record.message = (f"the scheduler that started it (crawl pid {record.pid}) stopped "
                          f"before recording its end; its fire time counts as missed")
        state.finish(record)
        logger.warning("Crawl %s: the run started %s was interrupted (%s)", entry.name,
                       record.started.isoformat(), record.message)

    # --- watching ---------------------------------------------------------------

    def poll(self) -> list[RunRecord]:
        """Check running crawls (exit, runtime limit); record and return those that ended."""
        ended = []
        for name, active in list(self.active.items()):
            if active.run_folder is None:
                self._find_run_folder(active)
            exit_code = active.crawl.poll()
            if exit_code is None:
                continue
            del self.active[name]
            try:
                ended.append(self._finish(active, exit_code))
            finally:
                active.crawl.lock.release()
        return ended

    def _finish(self, active: _ActiveRun, exit_code: int) -> RunRecord:
        entry, crawl, record = active.entry, active.crawl, active.record
        record.ended = utc_now()
        record.exit_code = exit_code
        record.outcome = crawl.outcome(exit_code)
        record.message = describe_exit(exit_code)
        if record.outcome == TIMED_OUT:
            limit = format_duration(entry.max_runtime) if entry.max_runtime else "?"
            record.message += f" after reaching max_runtime ({limit})"
        elif record.outcome in (FAILED, KILLED):
            error = last_error(crawl.log_path)
            if error:
                record.message += f": {error}"
        record.run_dir = self._run_folder_of(active)
        state = self.store.load(entry.name)
        state.finish(record)
        if record.outcome == HEALTH_FAILED:
            self._apply_health_policy(entry, state, record)
        self.store.save(entry.name, state)
        crawl.note(f"{record.message}: outcome {record.outcome}, "
                   f"{record.duration_seconds:.1f} s, run folder {record.run_dir or 'none'}")
        prune_logs(self.log_dir, entry.name, self.keep_logs)
        self.finished.append((entry, record))
        level = logging.INFO if record.outcome == OK else logging.WARNING
        logger.log(level, "Crawl %s ended: %s (%s) after %.1f s; log %s; run folder %s",
                   entry.name, record.outcome, record.message, record.duration_seconds,
                   record.log, record.run_dir or "none")
        return record

    def _apply_health_policy(self, entry: ScheduleEntry, state: EntryState,
                             record: RunRecord) -> None:
        assert record.ended is not None
        if entry.on_health_failure == "retry" and record.attempt <= entry.health_retries:
            at = record.ended + entry.retry_delay
            state.retry = PendingRetry(record.fire, record.attempt + 1, at)
            logger.warning("Crawl %s failed its health checks; retry %d of %d at %s",
                           entry.name, record.attempt, entry.health_retries, at.isoformat())
        elif entry.on_health_failure == "disable":
            state.disabled_at = record.ended
            state.disabled_reason = (f"health checks failed in the run started "
                                     f"{record.started.isoformat(timespec='seconds')}")
            logger.warning("Crawl %s failed its health checks and is now disabled; "
                           "re-enable it with: scrapy schedule --enable %s",
                           entry.name, entry.name)

    def _runs_store(self, entry: ScheduleEntry) -> RunStore:
        configured = (entry.settings.get("NETCRAWL_RUNS_DIR")
                      or self.extra_settings.get("NETCRAWL_RUNS_DIR"))
        root = Path(configured) if configured else self.runs_dir
        if not root.is_absolute():
            root = self.project_root / root  # the child runs in the project root
        return RunStore(root)

    def _run_folders(self, entry: ScheduleEntry) -> set[Path]:
        try:
            return {run.path for run in
                    self._runs_store(entry).runs(entry.spider, include_partial=True)}
        except (OSError, ValueError):
            return set()

    def _find_run_folder(self, active: _ActiveRun) -> None:
        """Note the new run folder the crawl writes in, once it has created it.

        Folders that existed before the crawl started are ignored: a crawl may read an
        earlier run (incremental re-crawls read the previous run's places).
        """
        try:
            spider_dir = self._runs_store(active.entry).spider_dir(active.entry.spider)
        except ValueError:
            return
        before = {path.resolve() for path in active.run_folders_before}
        new = active.crawl.open_folders_below(spider_dir.resolve()) - before
        if len(new) == 1:
            active.run_folder = new.pop()

    def _run_folder_of(self, active: _ActiveRun) -> str | None:
        """The run-history folder the crawl wrote (None if none or unknown).

        Preferably the folder the crawl was seen writing in (renamed from ``.partial``
        when it closed cleanly); otherwise the one new folder of its spider, unless
        another crawl of the same spider ran meanwhile (then none rather than the wrong
        one).
        """
        entry = active.entry
        if active.run_folder is not None:
            final = active.run_folder.with_name(active.run_folder.name.removesuffix(".partial"))
            return str(final if final.is_dir() else active.run_folder)
        others_running = any(a.entry.spider == entry.spider for a in self.active.values())
        new = sorted(self._run_folders(entry) - active.run_folders_before)
        if len(new) == 1 and not others_running:
            return str(new[0])
        if len(new) > 1 or (new and others_running):
            logger.info("Crawl %s: cannot tell which of %s is its run folder", entry.name,
                        ", ".join(str(path) for path in new))
        return None

    # --- stopping ---------------------------------------------------------------

    def stop_all(self, kill_now: threading.Event | None = None) -> list[RunRecord]:
        """Stop every running crawl (SIGTERM, SIGKILL after stop_grace) and record them."""
        for active in self.active.values():
            logger.info("Stopping crawl %s (pid %d)", active.entry.name, active.crawl.pid)
            active.crawl.terminate()
        ended = []
        while self.active:
            if kill_now is not None and kill_now.is_set():
                for active in self.active.values():
                    active.crawl.kill()
            ended += self.poll()
            if self.active:
                threading.Event().wait(POLL_INTERVAL)
        return ended

    # --- modes ------------------------------------------------------------------

    def run_once(self, stop: threading.Event | None = None,
                 kill_now: threading.Event | None = None) -> list[tuple[ScheduleEntry,
                                                                        RunRecord]]:
        """Start what is due now and wait for it; return the records.

        Health retries that are due at once (``retry_delay = 0``) run in the same call;
        later ones stay in the state for the next ``--once`` (a cron job should not
        block for a retry delay).
        """
        stop = stop or threading.Event()
        started = set(self.start_due(utc_now()))
        if not started:
            return list(self.finished)
        while not stop.is_set():
            self.poll()
            started |= set(self.start_due(utc_now(), retries_only_for=started))
            if not self.active:
                break
            stop.wait(POLL_INTERVAL)
        if stop.is_set():
            self.stop_all(kill_now)
        return list(self.finished)

    def run_forever(self, stop: threading.Event,
                    kill_now: threading.Event | None = None) -> None:
        """The daemon loop: run entries at their fire times until ``stop`` is set."""
        while not stop.is_set():
            now = utc_now()
            self.start_due(now)
            self.poll()
            wake = self.next_wakeup(now)
            if self.active:
                timeout = POLL_INTERVAL
            elif wake is None:
                timeout = MAX_SLEEP
            else:
                timeout = min(MAX_SLEEP, max(0.05, (wake - utc_now()).total_seconds()))
            stop.wait(timeout)
        self.stop_all(kill_now)

    def enable(self, entry: ScheduleEntry) -> bool:
        """Clear a health-failure disable; False when the entry is running (locked)."""
        lock = EntryLock(self.state_dir, entry.name)
        if not lock.acquire():
            return False
        try:
            state = self.store.load(entry.name)
            state.disabled_at = None
            state.disabled_reason = None
            self.store.save(entry.name, state)
        finally:
            lock.release()
        return True


def once_exit_status(records: Iterable[tuple[ScheduleEntry, RunRecord]]) -> int:
    """``--once`` exit status: 1 if a crawl crashed, timed out or was stopped, 3 if one
    failed its health checks (and the entry does not ignore that), 0 otherwise.

    Only each entry's last attempt counts, so a health failure fixed by a retry is 0.
    """
    last: dict[str, tuple[ScheduleEntry, RunRecord]] = {}
    for entry, record in records:
        last[entry.name] = (entry, record)
    outcomes = {(entry.on_health_failure, record.outcome) for entry, record in last.values()}
    if any(outcome in (FAILED, KILLED, TIMED_OUT, STOPPED) for _, outcome in outcomes):
        return 1
    if any(outcome == HEALTH_FAILED and policy != "ignore" for policy, outcome in outcomes):
        return 3
    return 0
