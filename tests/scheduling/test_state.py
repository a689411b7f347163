"""Scheduler state files: round trip, atomic replacement, unreadable files, outcome rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from netcrawl.scheduling.state import EntryState, PendingRetry, RunRecord, StateStore

FIRE = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def test_state_round_trips_through_its_json_file(tmp_path):
    store = StateStore(tmp_path)
    state = EntryState(
        last_fire=FIRE,
        last_run=RunRecord(fire=FIRE, started=FIRE + timedelta(seconds=2), attempt=2,
                           ended=FIRE + timedelta(minutes=5), exit_code=3,
                           outcome="health_failed", pid=1234, log="/x.log", run_dir="/r",
                           message="exit status 3"),
        retry=PendingRetry(fire=FIRE, attempt=3, at=FIRE + timedelta(minutes=20)),
        disabled_at=FIRE + timedelta(hours=1),
        disabled_reason="because",
        outcomes={"ok": 4, "health_failed": 1},
    )
    store.save("daily", state)
    assert store.load("daily") == state
    data = json.loads((tmp_path / "state" / "daily.json").read_text())
    assert data["version"] == 1
    assert data["last_fire"] == "2026-11-24T03:00:00+00:00"
    assert store.load("daily").last_run.duration_seconds == 298.0
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["daily.json"]


def test_a_missing_file_is_a_new_entry_and_an_unreadable_one_is_moved_aside(tmp_path, caplog):
    store = StateStore(tmp_path)
    assert store.load("new") == EntryState()
    broken = tmp_path / "state" / "broken.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"last_fire": "not a date"')
    assert store.load("broken") == EntryState()
    assert not broken.exists()
    assert (tmp_path / "state" / "broken.json.corrupt").read_text() == (
        '{"last_fire": "not a date"')
    assert "is unreadable" in caplog.text


def test_only_completed_attempts_use_up_their_fire_time():
    state = EntryState(last_fire=FIRE - timedelta(days=1))
    for outcome in ("stopped", "interrupted"):
        state.finish(RunRecord(fire=FIRE, started=FIRE, outcome=outcome))
        assert state.last_fire == FIRE - timedelta(days=1)
    for outcome in ("failed", "timed_out"):
        state.finish(RunRecord(fire=FIRE, started=FIRE, outcome=outcome))
        assert state.last_fire == FIRE
    state.finish(RunRecord(fire=None, started=FIRE + timedelta(days=3), outcome="ok"))
    assert state.last_fire == FIRE  # a manual run is not a fire time
    # An older fire time (a late retry) never moves last_fire backwards.
    state.finish(RunRecord(fire=FIRE - timedelta(days=2), started=FIRE, outcome="ok"))
    assert state.last_fire == FIRE
    assert state.outcomes == {"stopped": 1, "interrupted": 1, "failed": 1, "timed_out": 1,
                              "ok": 2}
    assert state.current is None and state.last_run.fire == FIRE - timedelta(days=2)
