"""Run folders: naming, the partial/final rename, the atomic ``latest`` pointer, lookup."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

from netcrawl.datasets.runs import (
    LATEST_LINK,
    RunNotFoundError,
    RunStore,
    run_timestamp,
    to_jsonable,
    write_json_atomic,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_run(store: RunStore, spider: str, when: datetime, reason: str | None = "finished",
             items: int = 3):
    partial = store.create_partial(spider, when)
    if reason is None:
        return partial  # killed: never closed
    write_json_atomic(partial / "stats.json", {"finish_reason": reason, "item_scraped_count": items,
                                               "finish_time": when, "elapsed_time_seconds": 1.5})
    run = store.finalise(partial)
    if reason == "finished":
        store.set_latest(run)
    return run


def test_timestamp_is_utc_sortable_and_colon_free():
    assert run_timestamp(NOW) == "20260102T030405Z"
    assert ":" not in run_timestamp()


def test_partial_folder_renamed_and_latest_moved_only_on_clean_finish(tmp_path):
    store = RunStore(tmp_path)
    first = make_run(store, "places", NOW)
    assert first.name == "20260102T030405Z" and first.is_complete
    assert store.latest("places") == first
    link = tmp_path / "places" / LATEST_LINK
    assert link.is_symlink() and os.readlink(link) == first.name  # relative: folder can move

    shutdown = make_run(store, "places", NOW.replace(hour=4), reason="shutdown")
    assert shutdown.path.is_dir() and not shutdown.is_complete
    assert store.latest("places") == first

    killed = make_run(store, "places", NOW.replace(hour=5), reason=None)
    assert killed.name.endswith(".partial")
    assert store.latest("places") == first
    assert [r.name for r in store.runs("places")] == [first.name, shutdown.name]
    assert [r.name for r in store.runs("places", include_partial=True)][-1] == killed.name
    assert store.complete_runs("places") == [first]


def test_same_second_runs_get_distinct_folders(tmp_path):
    store = RunStore(tmp_path)
    a = make_run(store, "places", NOW)
    b = make_run(store, "places", NOW)
    assert (a.name, b.name) == ("20260102T030405Z", "20260102T030405Z-1")
    assert store.latest("places") == b
    assert store.previous_complete(b) == a


def test_latest_swap_leaves_no_temporary_files(tmp_path):
    store = RunStore(tmp_path)
    for hour in range(3):
        make_run(store, "places", NOW.replace(hour=hour))
    names = sorted(p.name for p in (tmp_path / "places").iterdir())
    assert names == ["20260102T000405Z", "20260102T010405Z", "20260102T020405Z", "latest"]


def test_resolve_forms(tmp_path):
    store = RunStore(tmp_path)
    first = make_run(store, "places", NOW)
    second = make_run(store, "places", NOW.replace(hour=9))
    assert store.resolve("places") == second
    assert store.resolve("places/latest") == second
    assert store.resolve(f"places/{first.name}") == first
    assert store.resolve(str(first.path)) == first
    assert store.resolve(tmp_path / "places" / "latest") == second  # symlink followed
    with pytest.raises(RunNotFoundError, match="no run 'nope'"):
        store.resolve("places/nope")
    with pytest.raises(RunNotFoundError, match="has no finished run"):
        store.resolve("other")
    with pytest.raises(ValueError, match="invalid spider name"):
        store.spider_dir("..")


def test_run_properties_read_stats(tmp_path):
    store = RunStore(tmp_path)
    run = make_run(store, "places", NOW, items=7)
    assert run.item_count == 7
    assert run.duration_seconds == 1.5
    assert run.finish_reason == "finished"
    assert run.started == NOW
    assert run.places_path is None
    (run.path / "places.geojson").write_text("{}")
    (run.path / "places.parquet").write_bytes(b"")
    assert run.places_path.name == "places.parquet"


def test_stats_become_json(tmp_path):
    stats = {"start_time": NOW, "nested": {"when": NOW.date()}, "set": {1}, "obj": object(),
             "n": 1, "f": 0.5, "none": None}
    write_json_atomic(tmp_path / "stats.json", stats)
    data = json.loads((tmp_path / "stats.json").read_text())
    assert data["start_time"] == "2026-01-02T03:04:05+00:00"
    assert data["nested"] == {"when": "2026-01-02"}
    assert data["set"] == [1]
    assert data["obj"].startswith("<object object")
    assert to_jsonable({"x": (1, 2)}) == {"x": [1, 2]}
