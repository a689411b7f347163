"""Fire times, time zones, daylight saving and the catch-up rule, at fixed instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from netcrawl.scheduling.config import ScheduleEntry
from netcrawl.scheduling.scheduler import Plan, Scheduler
from netcrawl.scheduling.state import EntryState, PendingRetry
from netcrawl.scheduling.timing import CronTimes, due_fire_time, next_fire_time

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def entry(cron: str = "0 3 * * *", **options) -> ScheduleEntry:
    return ScheduleEntry(name=options.pop("name", "daily"), spider="places", cron=cron,
                         **options)


def test_next_and_latest_fire_times():
    daily = entry()
    now = utc(2026, 11, 24, 12, 0)
    assert next_fire_time(daily, now) == utc(2026, 11, 25, 3, 0)
    times = CronTimes("0 3 * * *", UTC)
    assert times.latest_at_or_before(now) == utc(2026, 11, 24, 3, 0)
    # Inclusive at the exact fire time, and within its minute.
    assert times.latest_at_or_before(utc(2026, 11, 24, 3, 0)) == utc(2026, 11, 24, 3, 0)
    assert times.latest_at_or_before(utc(2026, 11, 24, 3, 0, 59)) == utc(2026, 11, 24, 3, 0)
    assert times.latest_at_or_before(utc(2026, 11, 24, 2, 59, 59)) == utc(2026, 11, 23, 3, 0)
    assert times.upcoming(now, 3) == [utc(2026, 11, 25, 3), utc(2026, 11, 26, 3),
                                      utc(2026, 11, 27, 3)]


def test_a_new_entry_is_due_for_its_latest_fire_time():
    assert due_fire_time(entry(), None, utc(2026, 11, 24, 12, 0)) == utc(2026, 11, 24, 3, 0)


def test_not_due_again_until_the_next_fire_time():
    last = utc(2026, 11, 24, 3, 0)
    assert due_fire_time(entry(), last, utc(2026, 11, 24, 12, 0)) is None
    assert due_fire_time(entry(), last, utc(2026, 11, 25, 2, 59, 59)) is None
    assert due_fire_time(entry(), last, utc(2026, 11, 25, 3, 0, 1)) == utc(2026, 11, 25, 3, 0)


def test_catch_up_runs_once_for_many_missed_fire_times():
    hourly = entry("0 * * * *")
    last = utc(2026, 11, 20, 3, 0)  # down for four days: ~100 fire times missed
    now = utc(2026, 11, 24, 12, 30)
    due = due_fire_time(hourly, last, now)
    assert due == utc(2026, 11, 24, 12, 0)  # only the latest one
    # Once that run is recorded nothing else is due until the next fire time.
    assert due_fire_time(hourly, due, now) is None
    assert due_fire_time(hourly, due, utc(2026, 11, 24, 13, 0)) == utc(2026, 11, 24, 13, 0)


def test_without_catch_up_only_a_recent_fire_time_runs():
    strict = entry(catch_up=False, misfire_grace=timedelta(minutes=5))
    last = utc(2026, 11, 23, 3, 0)
    assert due_fire_time(strict, last, utc(2026, 11, 24, 3, 0, 5)) == utc(2026, 11, 24, 3, 0)
    assert due_fire_time(strict, last, utc(2026, 11, 24, 3, 5)) == utc(2026, 11, 24, 3, 0)
    assert due_fire_time(strict, last, utc(2026, 11, 24, 3, 5, 1)) is None
    assert due_fire_time(strict, None, utc(2026, 11, 24, 12, 0)) is None


def test_cron_times_are_wall_clock_times_in_the_entry_time_zone():
    paris = entry("0 4 * * *", timezone=ZoneInfo("Europe/Paris"))
    assert next_fire_time(paris, utc(2026, 1, 10)) == utc(2026, 1, 10, 3, 0)  # CET
    assert next_fire_time(paris, utc(2026, 7, 10)) == utc(2026, 7, 10, 2, 0)  # CEST
    tokyo = entry("30 9 * * 1", timezone=ZoneInfo("Asia/Tokyo"))  # Mondays 09:30
    assert next_fire_time(tokyo, utc(2026, 11, 24)) == utc(2026, 11, 30, 0, 30)


def test_spring_forward_runs_at_the_first_valid_time():
    berlin = entry("30 2 * * *", timezone=BERLIN)  # 2026-03-29 02:30 does not exist
    fire = next_fire_time(berlin, utc(2026, 3, 28, 12))
    assert fire == datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN)
    assert fire == utc(2026, 3, 29, 1, 0)


def test_fall_back_runs_a_fixed_time_once():
    berlin = entry("30 2 * * *", timezone=BERLIN)  # 2026-10-25 02:30 happens twice
    times = CronTimes(berlin.cron, BERLIN).upcoming(utc(2026, 10, 24, 12), 3)
    assert times == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30),
                     utc(2026, 10, 27, 1, 30)]
    # After the first 02:30 ran, the repeated 02:30 an hour later is not due.
    assert due_fire_time(berlin, utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 45)) is None


def test_fall_back_runs_a_wildcard_hour_in_both_occurrences():
    half_hourly = CronTimes("30 * * * *", BERLIN)
    times = half_hourly.upcoming(utc(2026, 10, 24, 23, 45), 4)
    assert times == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30),
                     utc(2026, 10, 25, 2, 30), utc(2026, 10, 25, 3, 30)]


def test_hashed_fields_are_stable_per_entry_name():
    first = next_fire_time(entry("H 3 * * *", name="alpha"), utc(2026, 11, 24))
    again = next_fire_time(entry("H 3 * * *", name="alpha"), utc(2026, 11, 24))
    assert first == again and first.hour == 3
    minutes = {next_fire_time(entry("H 3 * * *", name=f"site-{i}"), utc(2026, 11, 24)).minute
               for i in range(10)}
    assert len(minutes) > 1  # spread over the hour
    # Nicknames keep their plain meaning (croniter would hash them given a hash id).
    assert next_fire_time(entry("@daily", name="alpha"), utc(2026, 11, 24, 5)) == utc(
        2026, 11, 25)


def test_plan_prefers_a_new_fire_time_over_a_pending_retry_and_honours_disable():
    daily = entry()
    now = utc(2026, 11, 24, 12, 0)
    retry = PendingRetry(fire=utc(2026, 11, 24, 3), attempt=2, at=utc(2026, 11, 24, 11, 0))
    state = EntryState(last_fire=utc(2026, 11, 24, 3), retry=retry)
    assert Scheduler.plan(daily, state, now) == Plan(utc(2026, 11, 24, 3), attempt=2)
    assert Scheduler.plan(daily, state, utc(2026, 11, 24, 10, 59)) is None  # not yet
    assert Scheduler.plan(daily, state, utc(2026, 11, 25, 3, 1)) == Plan(utc(2026, 11, 25, 3))
    state.disabled_at = now
    assert Scheduler.plan(daily, state, utc(2026, 11, 25, 3, 1)) is None
    assert Scheduler.plan(entry(enabled=False), EntryState(), now) is None
