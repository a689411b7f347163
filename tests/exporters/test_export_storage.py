"""Export files are complete or absent: temporary name, rename, clean-up."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError

from netcrawl.exporters import AtomicFileFeedStorage, write_places
from netcrawl.exporters.storage import (
    atomic_text,
    remove_stale_temporaries,
    temporary_name_pattern,
)


def temporaries(directory: Path, final_name: str) -> list[Path]:
    pattern = temporary_name_pattern(directory / final_name)
    return [p for p in directory.iterdir() if pattern.match(p.name)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "geojson", "parquet"])
def test_final_name_absent_while_exporting(tmp_path: Path, fmt: str) -> None:
    final = tmp_path / f"places.{fmt}"
    seen_during_export: list[tuple[bool, int]] = []

    def places() -> Iterator[dict]:
        for i in range(3):
            seen_during_export.append((final.exists(), len(temporaries(tmp_path, final.name))))
            yield {"name": f"p{i}", "lat": 1.0, "lon": 2.0}

    write_places(places(), final)
    assert seen_during_export == [(False, 1)] * 3
    assert final.exists()
    assert temporaries(tmp_path, final.name) == []


@pytest.mark.parametrize("fmt", ["jsonl", "geojson", "parquet"])
def test_failure_leaves_no_partial_file_and_keeps_the_old_one(tmp_path: Path, fmt: str) -> None:
    final = tmp_path / f"places.{fmt}"
    write_places([{"name": "previous run"}], final)
    previous = final.read_bytes()

    def failing() -> Iterator[dict]:
        yield {"name": "first"}
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        write_places(failing(), final)
    assert final.read_bytes() == previous
    assert temporaries(tmp_path, final.name) == []

    fresh = tmp_path / f"fresh.{fmt}"
    with pytest.raises(RuntimeError):
        write_places(failing(), fresh)
    assert not fresh.exists()
    assert list(tmp_path.iterdir()) == [final]


def test_new_file_permissions_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_places([{"name": "x"}], tmp_path / "a.jsonl")
    finally:
        os.umask(previous)
    assert (tmp_path / "a.jsonl").stat().st_mode & 0o777 == 0o644


def test_creates_missing_directories(tmp_path: Path) -> None:
    final = tmp_path / "runs" / "2026-11-24" / "places.csv"
    write_places([{"name": "x"}], final)
    assert final.exists()


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path: Path) -> None:
    final = tmp_path / "places.geojson"
    stale = tmp_path / f".places.geojson.{_dead_pid()}-deadbeef.part"
    stale.write_bytes(b'{"type":"FeatureCollection","features":[\n{"trunc')
    live = tmp_path / f".places.geojson.{os.getppid()}-cafebabe.part"  # a running process
    live.write_bytes(b"in progress")
    unrelated = tmp_path / ".other.geojson.1-00.part"
    unrelated.write_bytes(b"")

    assert remove_stale_temporaries(final) == [stale]
    assert not stale.exists() and live.exists() and unrelated.exists()

    stale.write_bytes(b"again")
    write_places([{"name": "x"}], final)  # the next run cleans up too
    assert not stale.exists() and live.exists()


def test_feed_storage_overwrite_and_append_modes(tmp_path: Path) -> None:
    final = tmp_path / "out.jsonl"
    final.write_bytes(b'{"name": "old"}\n')

    storage = AtomicFileFeedStorage(str(final), feed_options={"format": "jsonl", "overwrite": True})
    handle = storage.open(None)
    handle.write(b'{"name": "new"}\n')
    assert final.read_bytes() == b'{"name": "old"}\n'  # untouched until store()
    storage.store(handle)
    assert final.read_bytes() == b'{"name": "new"}\n'

    storage = AtomicFileFeedStorage(final.as_uri(), feed_options={"format": "jsonl"})
    handle = storage.open(None)
    handle.write(b'{"name": "more"}\n')
    storage.store(handle)
    assert final.read_bytes() == b'{"name": "new"}\n{"name": "more"}\n'
    assert temporaries(tmp_path, final.name) == []


def test_feed_storage_refuses_to_append_to_geojson(tmp_path: Path) -> None:
    final = tmp_path / "out.geojson"
    final.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    with pytest.raises(UsageError, match="Cannot append geojson"):
        AtomicFileFeedStorage(str(final), feed_options={"format": "geojson"})
    # Overwriting is fine, and so is "appending" to an empty or missing file.
    AtomicFileFeedStorage(str(final), feed_options={"format": "geojson", "overwrite": True})
    AtomicFileFeedStorage(str(tmp_path / "new.geojson"), feed_options={"format": "geojson"})


def test_unstored_feed_is_discarded_when_the_engine_stops(tmp_path: Path) -> None:
    final = tmp_path / "out.jsonl"
    storage = AtomicFileFeedStorage(str(final), feed_options={"format": "jsonl", "overwrite": True})
    handle = storage.open(None)
    handle.write(b'{"name": "half')
    storage._discard_unstored()  # what the engine_stopped handler does
    assert list(tmp_path.iterdir()) == []


def test_atomic_text_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "stats.json"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_text(target) as out:
        out.write("half of the new ")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["stats.json"]

    with atomic_text(target) as out:
        out.write("néw\n")
        assert target.read_text(encoding="utf-8") == "old\n"  # not visible before the end
    assert target.read_text(encoding="utf-8") == "néw\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["stats.json"]
