"""The scheduler with stand-in crawl processes (fast): outcomes, limits, policies, state.

tests/scheduling/fake_crawl.py plays ``python -m scrapy crawl`` so that crashes,
health failures, hangs and SIGTERM-resistant children take a second, not a crawl.
Real ``scrapy crawl`` children are run in test_command.py.
"""

from __future__ import annotations

import json
import threading
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fake_crawl import make_fake_python

from netcrawl.scheduling.config import parse_schedule
from netcrawl.scheduling.locking import EntryLock
from netcrawl.scheduling.scheduler import Scheduler, once_exit_status
from netcrawl.scheduling.state import EntryState, RunRecord, StateStore
from netcrawl.scheduling.timing import cron_times


def make_scheduler(tmp_path: Path, text: str, **options) -> Scheduler:
    schedule = parse_schedule(tomllib.loads(text), tmp_path / "schedule.toml")
    return Scheduler(schedule, state_dir=tmp_path / "state", project_root=tmp_path,
                     runs_dir=tmp_path / "runs", python=make_fake_python(tmp_path), **options)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def by_name(records):
    return {entry.name: record for entry, record in records}


def test_a_crash_is_recorded_and_the_other_entries_still_run(tmp_path):
    scheduler = make_scheduler(tmp_path, """
        [defaults]
        spider = "places"
        cron = "* * * * *"
        [crawls.crashing]
        args = { mode = "crash" }
        [crawls.fine]
        args = { mode = "ok", depth = 2 }
        settings = { DEPTH_LIMIT = 2 }
    """)
    records = scheduler.run_once()
    runs = by_name(records)
    assert set(runs) == {"crashing", "fine"}
    crash, fine = runs["crashing"], runs["fine"]
    assert (crash.outcome, crash.exit_code) == ("failed", 1)
    assert crash.message == "exit status 1: boom: the site is on fire"
    assert (fine.outcome, fine.exit_code) == ("ok", 0)
    assert once_exit_status(records) == 1

    log = Path(fine.log).read_text()
    assert "crawl 'fine' (spider places) for fire time" in log
    assert ("-m scrapy crawl places --fail-on-health -a mode=ok -a depth=2 "
            "-s NETCRAWL_RUNS_ENABLED=True -s DEPTH_LIMIT=2") in log
    assert "fake crawl ok" in log  # the child's own output
    assert "exit status 0: outcome ok" in log
    assert Path(fine.log).parent == tmp_path / "state" / "logs" / "fine"

    # Both fire times are used up (a failed run is a completed attempt); state persisted.
    for name in ("crashing", "fine"):
        data = json.loads((tmp_path / "state" / "state" / f"{name}.json").read_text())
        assert data["current"] is None
        assert data["last_fire"] == data["last_run"]["fire"]
        assert data["last_run"]["outcome"] == runs[name].outcome
    assert scheduler.run_once() == records  # nothing new is due: no new records
    assert not scheduler.active


def test_max_runtime_sends_sigterm_then_sigkill(tmp_path):
    scheduler = make_scheduler(tmp_path, """
        [defaults]
        spider = "places"
        cron = "* * * * *"
        max_runtime = 1
        stop_grace = "1s"
        [crawls.graceful]
        args = { mode = "sleep", seconds = 30 }
        [crawls.stubborn]
        args = { mode = "stubborn", seconds = 30 }
    """)
    started = time.monotonic()
    runs = by_name(scheduler.run_once())
    assert time.monotonic() - started < 10
    graceful, stubborn = runs["graceful"], runs["stubborn"]
    assert (graceful.outcome, graceful.exit_code) == ("timed_out", 0)
    assert graceful.message == "exit status 0 after reaching max_runtime (1s)"
    assert (stubborn.outcome, stubborn.exit_code) == ("timed_out", -9)
    assert stubborn.message == "killed by SIGKILL after reaching max_runtime (1s)"
    assert 1 <= graceful.duration_seconds < 5
    assert 2 <= stubborn.duration_seconds < 6
    log = Path(stubborn.log).read_text()
    assert "sending SIGTERM (max_runtime reached)" in log
    assert "sending SIGKILL" in log


def test_health_failure_policies(tmp_path):
    scheduler = make_scheduler(tmp_path, f"""
        [defaults]
        spider = "places"
        cron = "* * * * *"
        retry_delay = 0
        [crawls.retried]
        on_health_failure = "retry"
        args = {{ mode = "flaky", counter = "{tmp_path / 'calls'}" }}
        [crawls.disabled]
        on_health_failure = "disable"
        args = {{ mode = "health" }}
        [crawls.ignored]
        args = {{ mode = "health" }}
    """)
    records = scheduler.run_once()
    attempts = [(entry.name, record.attempt, record.outcome) for entry, record in records]
    assert sorted(attempts) == [
        ("disabled", 1, "health_failed"),
        ("ignored", 1, "health_failed"),
        ("retried", 1, "health_failed"),
        ("retried", 2, "ok"),
    ]
    retried = scheduler.store.load("retried")
    assert retried.retry is None and retried.outcomes == {"health_failed": 1, "ok": 1}
    assert retried.last_run.attempt == 2

    disabled_entry = scheduler.schedule.get("disabled")
    disabled = scheduler.store.load("disabled")
    assert disabled.disabled_at is not None
    assert disabled.disabled_reason.startswith("health checks failed in the run started ")
    far_future = datetime.now(UTC) + timedelta(days=3)
    assert Scheduler.plan(disabled_entry, disabled, far_future) is None
    assert scheduler.enable(disabled_entry)
    assert Scheduler.plan(disabled_entry, scheduler.store.load("disabled"), far_future)

    # "retry" fixed by the retry and "ignore" are fine; "disable" makes --once exit 3.
    assert once_exit_status(records) == 3
    assert once_exit_status([r for r in records if r[0].name != "disabled"]) == 0


def test_a_run_left_by_a_dead_scheduler_is_recorded_as_interrupted_and_caught_up(tmp_path):
    scheduler = make_scheduler(tmp_path, """
        [crawls.daily]
        spider = "places"
        cron = "0 3 * * *"
        args = { mode = "ok" }
    """)
    entry = scheduler.schedule.get("daily")
    now = datetime.now(UTC)
    fire = cron_times(entry).latest_at_or_before(now)
    previous = fire - timedelta(days=1)
    store = StateStore(tmp_path / "state")
    store.save("daily", EntryState(
        last_fire=previous,
        current=RunRecord(fire=fire, started=fire + timedelta(seconds=5), pid=999999),
    ))
    runs = by_name(scheduler.run_once())
    state = store.load("daily")
    assert state.outcomes == {"interrupted": 1, "ok": 1}
    assert runs["daily"].fire == fire  # the interrupted fire time ran again
    assert state.last_fire == fire


def test_two_schedulers_never_run_one_entry_twice(tmp_path):
    text = """
        [crawls.slow]
        spider = "places"
        cron = "* * * * *"
        stop_grace = "5s"
        args = { mode = "sleep", seconds = 30 }
    """
    first = make_scheduler(tmp_path, text)
    second = make_scheduler(tmp_path, text)
    entry = first.schedule.get("slow")
    assert first.start_due() == ["slow"]
    stale_plan = second.due(datetime.now(UTC))  # decided while the first run goes on
    assert [e.name for e, _ in stale_plan] == ["slow"]
    assert second.start(entry, plan=stale_plan[0][1]) is False  # locked
    assert second.start(entry, manual=True) is False  # even a manual run waits
    assert EntryLock(tmp_path / "state", "slow").acquire() is False

    # A stopped run does not use up its fire time: it is still due afterwards ...
    (stopped,) = first.stop_all()
    assert stopped.outcome == "stopped"
    state = first.store.load("slow")
    assert state.last_fire is None and state.current is None
    assert second.start(entry, plan=stale_plan[0][1]) is True
    assert first.start(entry, manual=True) is False  # now the second one holds it
    (ended,) = second.stop_all()
    assert ended.outcome == "stopped"
    assert first.store.load("slow").outcomes == {"stopped": 2}


def test_a_stale_plan_is_rechecked_under_the_lock(tmp_path):
    text = """
        [crawls.quick]
        spider = "places"
        cron = "* * * * *"
        args = { mode = "ok" }
    """
    first = make_scheduler(tmp_path, text)
    second = make_scheduler(tmp_path, text)
    stale = second.due(datetime.now(UTC))
    assert len(stale) == 1
    records = first.run_once()
    assert len(records) == 1
    entry, plan = stale[0]
    assert second.start(entry, plan=plan) is False  # re-read state: already ran
    assert not second.active and second.finished == []


def test_the_daemon_starts_due_entries_and_stops_them_on_request(tmp_path):
    journal = tmp_path / "journal"
    scheduler = make_scheduler(tmp_path, f"""
        [crawls.long]
        spider = "places"
        cron = "* * * * *"
        stop_grace = "5s"
        args = {{ mode = "sleep", seconds = 30, journal = "{journal}" }}
        [crawls.off]
        spider = "places"
        cron = "* * * * *"
        enabled = false
    """)
    stop = threading.Event()
    daemon = threading.Thread(target=scheduler.run_forever, args=(stop,))
    daemon.start()
    try:
        wait_for(lambda: scheduler.store.load("long").current is not None)
        wait_for(journal.exists)  # the child is up (its SIGTERM handler installed)
    finally:
        stop.set()
        daemon.join(15)
    assert not daemon.is_alive()
    state = scheduler.store.load("long")
    assert state.last_run.outcome == "stopped"
    assert state.last_run.message == "exit status 0"  # the child exited on SIGTERM
    assert scheduler.store.load("off").last_run is None  # disabled entries never run
    assert journal.read_text().split()[1::3] == ["start", "end"]


def test_manual_runs_keep_the_schedule_and_old_logs_are_pruned(tmp_path):
    scheduler = make_scheduler(tmp_path, """
        [crawls.adhoc]
        spider = "places"
        cron = "0 3 * * *"
        args = { mode = "ok" }
    """, keep_logs=2)
    entry = scheduler.schedule.get("adhoc")
    for _ in range(3):
        assert scheduler.start(entry, manual=True)
        wait_for(lambda: not scheduler.poll() and not scheduler.active)
    logs = set((tmp_path / "state" / "logs" / "adhoc").glob("*.log"))
    # The two newest are kept (names alone do not sort: "<stamp>-1.log" < "<stamp>.log").
    assert logs == {Path(record.log) for _, record in scheduler.finished[-2:]}
    state = scheduler.store.load("adhoc")
    assert state.outcomes == {"ok": 3}
    assert state.last_fire is None  # manual runs are not fire times


def test_a_crawl_that_cannot_start_is_recorded(tmp_path):
    scheduler = make_scheduler(tmp_path, """
        [crawls.nopython]
        spider = "places"
        cron = "* * * * *"
    """)
    scheduler.python = str(tmp_path / "no-such-python")
    records = scheduler.run_once()
    ((_, record),) = records
    assert record.outcome == "failed"
    assert record.message.startswith("could not start the crawl: [Errno 2]")
    assert once_exit_status(records) == 1
    assert EntryLock(tmp_path / "state", "nopython").acquire()  # released again


def test_once_leaves_later_retries_to_the_next_call(tmp_path):
    scheduler = make_scheduler(tmp_path, """
        [crawls.daily]
        spider = "places"
        cron = "0 3 * * *"
        on_health_failure = "retry"
        retry_delay = "15m"
        args = { mode = "health" }
    """)
    entry = scheduler.schedule.get("daily")
    started = time.monotonic()
    ((_, record),) = scheduler.run_once()
    assert time.monotonic() - started < 10  # did not sit out the retry delay
    assert (record.attempt, record.outcome) == (1, "health_failed")
    retry = scheduler.store.load("daily").retry
    assert (retry.fire, retry.attempt) == (record.fire, 2)
    assert retry.at == record.ended + timedelta(minutes=15)
    # The next --once after the delay runs the retry (and only the retry).
    plan = Scheduler.plan(entry, scheduler.store.load("daily"), retry.at)
    assert (plan.fire, plan.attempt) == (record.fire, 2)
    assert Scheduler.plan(entry, scheduler.store.load("daily"),
                          retry.at - timedelta(seconds=1)) is None
