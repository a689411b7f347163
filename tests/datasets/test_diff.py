"""Diffs between runs: matching by ref then by name and address, and the change rows."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from netcrawl.datasets.diff import diff_files, diff_places, haversine_m, write_diff
from netcrawl.exporters import write_places


def place(ref, name, lat, lon, **fields):
    record = {"ref": ref, "name": name, "lat": lat, "lon": lon, "spider": "shops",
              "street_address": f"{name} street 1", "city": "Lyon", "postcode": "69001",
              "country": "FR", **fields}
    return {k: v for k, v in record.items() if v is not None}


OLD = [
    place("1", "Alpha", 45.0, 4.0),
    place("2", "Beta", 45.1, 4.1),
    place("3", "Gamma", 45.2, 4.2, phone="+33 1"),
    place("4", "Delta", 45.3, 4.3),
    place("5", "Epsilon", 45.4, 4.4),
]
NEW = [
    place("1", "Alpha", 45.0, 4.0),                      # unchanged
    place("2", "Beta", 45.11, 4.1),                      # moved ~1.1 km
    place("3", "Gamma Store", 45.2, 4.2, phone="+33 2"),  # renamed and new phone
    place("4", "Delta", 45.3001, 4.3),                   # ~11 m: below the threshold
    place("6", "Zeta", 45.6, 4.6),                       # added; 5 removed
]


def rows(result):
    return sorted(
        (r.change, r.ref, None if pd.isna(r.field) else r.field,
         None if pd.isna(r.old) else r.old, None if pd.isna(r.new) else r.new)
        for r in result.table().itertuples()
    )


def test_haversine_known_distance():
    # One degree of latitude is ~111.2 km on the mean-radius sphere.
    assert haversine_m([0.0], [0.0], [1.0], [0.0])[0] == pytest.approx(111_195, rel=1e-3)


def test_added_removed_moved_changed():
    result = diff_places(pd.DataFrame(OLD), pd.DataFrame(NEW))
    assert rows(result) == [
        ("added", "6", None, None, None),
        ("changed", "3", "name", "Gamma", "Gamma Store"),
        ("changed", "3", "phone", "+33 1", "+33 2"),
        ("changed", "3", "street_address", "Gamma street 1", "Gamma Store street 1"),
        ("moved", "2", "coordinates", "45.100000,4.100000", "45.110000,4.100000"),
        ("removed", "5", None, None, None),
    ]
    assert result.counts() == {"added": 1, "removed": 1, "moved": 1, "changed": 1}
    moved = result.table().query("change == 'moved'").iloc[0]
    assert moved.distance_m == pytest.approx(1112, abs=2)
    assert (moved.old_lat, moved.lat) == (45.1, 45.11)
    removed = result.table().query("change == 'removed'").iloc[0]
    assert (removed["name"], removed.lat) == ("Epsilon", 45.4)  # where it was


def test_move_threshold_is_configurable():
    result = diff_places(pd.DataFrame(OLD), pd.DataFrame(NEW), move_threshold_m=5)
    assert {r.ref for r in result.table().itertuples() if r.change == "moved"} == {"2", "4"}


def test_without_ref_places_match_by_normalised_name_and_address():
    old = pd.DataFrame([
        {"name": "Café  Crème", "street_address": "1, Rue de la Paix", "city": "Paris",
         "lat": 48.0, "lon": 2.0},
        {"name": "Gone", "street_address": "2 Rue", "city": "Paris", "lat": 48.0, "lon": 2.0},
    ])
    new = pd.DataFrame([
        {"name": "CAFE CREME", "street_address": "1 rue de la paix", "city": "PARIS",
         "lat": 48.0, "lon": 2.1},
        {"name": "New", "street_address": "3 Rue", "city": "Paris", "lat": 48.0, "lon": 2.0},
    ])
    result = diff_places(old, new)
    kinds = sorted((r.change, r.name, None if pd.isna(r.field) else r.field)
                   for r in result.table().itertuples())
    assert ("moved", "CAFE CREME", "coordinates") in kinds
    assert ("added", "New", None) in kinds and ("removed", "Gone", None) in kinds
    assert result.matched == 1


def test_ref_change_falls_back_to_name_and_address():
    old = pd.DataFrame([place("old-id", "Alpha", 45.0, 4.0)])
    new = pd.DataFrame([place("new-id", "Alpha", 45.0, 4.0)])
    assert rows(diff_places(old, new)) == []


def test_duplicate_refs_pair_in_order_and_extras_count():
    old = pd.DataFrame([place("1", "A", 1.0, 1.0), place("1", "B", 2.0, 2.0)])
    new = pd.DataFrame([place("1", "A", 1.0, 1.0), place("1", "B", 2.0, 2.0),
                        place("1", "C", 3.0, 3.0)])
    assert rows(diff_places(old, new)) == [("added", "1", None, None, None)]


def test_gaining_coordinates_and_blank_values():
    old = pd.DataFrame([{"ref": "1", "name": "A", "phone": ""}])
    new = pd.DataFrame([{"ref": "1", "name": "A", "lat": 1.0, "lon": 2.0}])
    assert rows(diff_places(old, new)) == [
        ("changed", "1", "coordinates", None, "1.000000,2.000000")
    ]


def test_empty_runs():
    empty = pd.DataFrame(columns=["ref", "name", "lat", "lon"])
    assert diff_places(empty, empty).table().empty
    assert rows(diff_places(empty, pd.DataFrame(OLD[:1]))) == [("added", "1", None, None, None)]


def test_files_round_trip(tmp_path):
    write_places(OLD, tmp_path / "old.parquet")
    write_places(NEW, tmp_path / "new.parquet")
    write_places(NEW, tmp_path / "new.geojson")
    from_parquet = diff_files(tmp_path / "old.parquet", tmp_path / "new.parquet")
    assert rows(from_parquet) == rows(diff_places(pd.DataFrame(OLD), pd.DataFrame(NEW)))
    assert rows(diff_files(tmp_path / "old.parquet", tmp_path / "new.geojson")) == rows(
        from_parquet)

    csv_path, geojson_path = write_diff(from_parquet, tmp_path / "out")
    with csv_path.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == ["change", "spider", "ref", "name", "field", "old", "new",
                              "distance_m", "lat", "lon", "old_lat", "old_lon"]
    assert [(r["change"], r["ref"], r["field"]) for r in table] == [
        ("added", "6", ""), ("removed", "5", ""), ("moved", "2", "coordinates"),
        ("changed", "3", "name"), ("changed", "3", "phone"), ("changed", "3", "street_address"),
    ]
    features = json.loads(geojson_path.read_text(encoding="utf-8"))["features"]
    assert len(features) == 6
    moved = next(f for f in features if f["properties"]["change"] == "moved")
    assert moved["geometry"] == {"type": "Point", "coordinates": [4.1, 45.11]}
    assert moved["properties"]["old_lat"] == 45.1
    assert "field" not in features[0]["properties"]  # absent values are omitted
