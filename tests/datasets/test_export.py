"""Chunked writers: same content as the crawl's item exporters, valid output, atomicity."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from netcrawl.datasets.export import write_frames
from netcrawl.datasets.places_table import iter_place_frames, read_places
from netcrawl.exporters import write_places

TRICKY = [
    {"ref": "1", "name": 'Quote " and \\ backslash', "lat": 48.8566, "lon": 2.3522,
     "website": "https://example.com/a/b", "extras": {"k": [1, "two"], "nested": {"x": None}}},
    {"ref": "2", "name": 'Fake member ,"phone":null, and {"a":null}', "city": "Zürich",
     "addr_full": "line one\nline two", "lat": 47.37, "lon": 8.54},
    {"ref": "3", "name": "No coordinates", "phone": "+41 44 000 00 00"},
    {"ref": "4", "name": "Out of range", "lat": 95.0, "lon": 1.0},
    {"ref": "5", "name": "中文 ✓ \u2028 separator", "lat": -33.86, "lon": 151.2},
]


@pytest.fixture
def parquet_places(tmp_path):
    path = tmp_path / "places.parquet"
    write_places(TRICKY, path)
    return path


def frames_of(path, batch_size=2):
    return iter_place_frames(path, batch_size=batch_size)


def test_geojson_equals_item_exporter(tmp_path, parquet_places):
    write_places(TRICKY, tmp_path / "expected.geojson")
    write_frames(frames_of(parquet_places), tmp_path / "ours.geojson")
    expected = json.loads((tmp_path / "expected.geojson").read_text(encoding="utf-8"))
    ours = json.loads((tmp_path / "ours.geojson").read_text(encoding="utf-8"))
    assert ours == expected
    assert (tmp_path / "ours.geojson").read_text(encoding="utf-8").startswith(
        '{"type":"FeatureCollection","features":[\n{"type":"Feature"')


def test_jsonl_equals_item_exporter(tmp_path, parquet_places):
    write_places(TRICKY, tmp_path / "expected.jsonl")
    count = write_frames(frames_of(parquet_places), tmp_path / "ours.jsonl")
    assert count == len(TRICKY)
    def load(name):  # not splitlines(): U+2028 inside a string is not a record separator
        text = (tmp_path / name).read_bytes().decode("utf-8")
        return [json.loads(line) for line in text.rstrip("\n").split("\n")]

    expected, ours = load("expected.jsonl"), load("ours.jsonl")
    assert ours == expected
    assert "null" not in ours[2]  # absent values are omitted, not written as null
    assert ours[0]["website"] == "https://example.com/a/b"


def test_csv_equals_item_exporter(tmp_path, parquet_places):
    write_places(TRICKY, tmp_path / "expected.csv")
    write_frames(frames_of(parquet_places), tmp_path / "ours.csv")

    def load(name):
        with (tmp_path / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    expected, ours = load("expected.csv"), load("ours.csv")
    assert [list(r) for r in ours] == [list(r) for r in expected]
    for mine, theirs in zip(ours, expected, strict=True):
        for key in mine:
            if key in {"lat", "lon"} and mine[key]:
                assert float(mine[key]) == float(theirs[key])
            elif key == "extras" and mine[key]:
                assert json.loads(mine[key]) == json.loads(theirs[key])
            else:
                assert mine[key] == theirs[key], key


def test_parquet_round_trip(tmp_path, parquet_places):
    write_frames(frames_of(parquet_places), tmp_path / "ours.parquet")
    original = pd.read_parquet(parquet_places)
    ours = pd.read_parquet(tmp_path / "ours.parquet")
    pd.testing.assert_frame_equal(ours, original, check_dtype=False)
    assert pq.read_schema(tmp_path / "ours.parquet").field("lat").type == "double"


def test_frames_with_python_objects(tmp_path):
    frame = pd.DataFrame({"ref": ["a", "b"], "extras": [{"x": 1}, None],
                          "lat": [1.0, np.nan], "lon": [2.0, np.nan]})
    write_frames([frame], tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"ref": "a", "extras": {"x": 1}, "lat": 1.0, "lon": 2.0}, {"ref": "b"}]
    write_frames([frame], tmp_path / "out.csv")
    assert '"{""x"":1}"' in (tmp_path / "out.csv").read_text()


def test_empty_input_writes_valid_empty_files(tmp_path):
    for name in ("e.geojson", "e.jsonl", "e.csv", "e.parquet"):
        assert write_frames([], tmp_path / name, columns=["ref", "lat", "lon"]) == 0
    assert json.loads((tmp_path / "e.geojson").read_text()) == {
        "type": "FeatureCollection", "features": []}
    assert (tmp_path / "e.jsonl").read_text() == ""
    assert (tmp_path / "e.csv").read_bytes() == b"ref,lat,lon\r\n"
    assert read_places(tmp_path / "e.parquet").columns.tolist() == ["ref", "lat", "lon"]


def test_failure_leaves_existing_file_untouched(tmp_path):
    target = tmp_path / "out.geojson"
    target.write_text("previous")

    def broken():
        yield pd.DataFrame({"ref": ["a"]})
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError, match="source failed"):
        write_frames(broken(), target)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.geojson"]


def test_unknown_format_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot tell the export format"):
        write_frames([], tmp_path / "out.xlsx")
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        write_frames([], tmp_path / "out.csv", format="xml")
