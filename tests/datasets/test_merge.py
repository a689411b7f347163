"""Merging the latest run of several spiders into one filtered file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from netcrawl.datasets.merge import InvalidFilterError, export_latest
from netcrawl.datasets.runs import RunNotFoundError, RunStore, write_json_atomic
from netcrawl.exporters import write_places

WHEN = datetime(2026, 3, 1, tzinfo=UTC)


def add_run(store, spider, places, hour=0, reason="finished"):
    partial = store.create_partial(spider, WHEN.replace(hour=hour))
    write_places(places, partial / "places.parquet")
    write_json_atomic(partial / "stats.json", {"finish_reason": reason})
    run = store.finalise(partial)
    if reason == "finished":
        store.set_latest(run)
    return run


@pytest.fixture
def store(tmp_path):
    store = RunStore(tmp_path / "runs")
    add_run(store, "shops", [{"ref": "old", "name": "Old", "country": "DE"}], hour=1)
    add_run(store, "shops", [{"ref": "s1", "name": "Shop 1", "country": "DE", "lat": 1.0,
                              "lon": 2.0, "spider": "shops"},
                             {"ref": "s2", "name": "Shop 2", "country": "FR"}], hour=2)
    add_run(store, "shops", [{"ref": "broken"}], hour=3, reason="shutdown")  # never latest
    add_run(store, "banks", [{"ref": "b1", "name": "Bank", "country": "DE"}], hour=1)
    return store


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_merges_latest_runs_and_fills_spider(store, tmp_path):
    out = tmp_path / "all.jsonl"
    assert export_latest(store, out) == 3
    records = read_jsonl(out)
    assert [(r["spider"], r["ref"]) for r in records] == [
        ("banks", "b1"), ("shops", "s1"), ("shops", "s2")]


def test_where_filters_with_pandas_query(store, tmp_path):
    out = tmp_path / "de.geojson"
    assert export_latest(store, out, where="country == 'DE' and spider == 'shops'") == 1
    features = json.loads(out.read_text())["features"]
    assert [f["properties"]["ref"] for f in features] == ["s1"]
    assert features[0]["geometry"]["coordinates"] == [2.0, 1.0]


def test_selected_spiders_and_csv_columns(store, tmp_path):
    out = tmp_path / "banks.csv"
    assert export_latest(store, out, spiders=["banks"]) == 1
    header = out.read_text().splitlines()[0].split(",")
    assert header[:2] == ["ref", "name"] and "spider" in header


def test_clear_errors(store, tmp_path):
    with pytest.raises(InvalidFilterError, match="cannot apply --where 'nope =='"):
        export_latest(store, tmp_path / "x.csv", where="nope ==")
    assert not (tmp_path / "x.csv").exists()
    with pytest.raises(RunNotFoundError, match="'ghosts' has no finished run"):
        export_latest(store, tmp_path / "x.csv", spiders=["ghosts"])
