"""Duplicate detection, field merging and finalisation of exported datasets."""

from __future__ import annotations

import csv
import json

import pytest

from netcrawl.quality.duplicates import (
    DuplicateDetector,
    MergeStore,
    address_keys,
    distance_m,
    finalise_dataset,
    iter_records,
    merge_fields,
    record_identity,
)

BERLIN = {"name": "Bäckerei Schmidt", "lat": 52.520000, "lon": 13.405000,
          "source_url": "https://example.de/a", "spider": "places"}


def test_same_ref_is_a_duplicate():
    detector = DuplicateDetector("places")
    first = {"ref": "B-17", "name": "Shop A", "source_url": "u1"}
    assert detector.check(first) is None
    match = detector.check({"ref": "B-17", "name": "Other name", "source_url": "u2"})
    assert match.reason == "ref"
    assert match.kept_identity == record_identity(first)
    assert detector.check({"ref": "B-18", "name": "Shop A", "source_url": "u3"}) is None


def test_same_name_and_address_in_any_order_and_case():
    detector = DuplicateDetector("places")
    assert detector.check({"name": "Café Noir", "street_address": "10 Main St",
                           "city": "Springfield", "postcode": "62704"}) is None
    match = detector.check({"name": "CAFE NOIR", "street_address": "Main St 10",
                            "city": "springfield"})
    assert match.reason == "name_address"
    match = detector.check({"name": "cafe noir", "housenumber": "10", "street": "Main St",
                            "postcode": "62 704"})
    assert match.reason == "name_address"


def test_same_street_in_another_town_is_not_a_duplicate():
    detector = DuplicateDetector("places")
    assert detector.check({"name": "Boots", "street_address": "1 High Street",
                           "city": "Bath", "postcode": "BA1 1AA"}) is None
    assert detector.check({"name": "Boots", "street_address": "1 High Street",
                           "city": "Wells", "postcode": "BA5 2AA"}) is None
    # a street line alone is not enough to decide
    assert detector.check({"name": "Boots", "street_address": "1 High Street"}) is None


def test_same_name_within_25_metres():
    detector = DuplicateDetector("places")
    assert detector.check(dict(BERLIN)) is None
    near = dict(BERLIN, lat=52.520150, lon=13.405100, source_url="https://example.de/b")
    assert distance_m((52.52, 13.405), (near["lat"], near["lon"])) < 25
    match = detector.check(near)
    assert match.reason == "name_distance"
    assert match.kept_identity == record_identity(BERLIN)
    far = dict(BERLIN, lat=52.520400, source_url="https://example.de/c")  # ~44 m north
    assert detector.check(far) is None
    other_name = dict(BERLIN, name="Metzgerei Schmidt", source_url="https://example.de/d")
    assert detector.check(other_name) is None


@pytest.mark.parametrize(
    ("lat", "lon"),
    # points on either side of grid-cell borders, at several latitudes
    [(0.0001, 0.0001), (52.5, 13.4), (-33.86, 151.2), (64.14, -21.94), (78.22, 15.65)],
)
def test_25_metre_test_across_cell_borders(lat, lon):
    detector = DuplicateDetector("places")
    assert detector.check({"name": "X", "lat": lat, "lon": lon, "source_url": "a"}) is None
    for dlat, dlon in [(0.00015, 0), (-0.00015, 0), (0, 0.0002), (0.0001, -0.0001)]:
        point = (lat + dlat, lon + dlon)
        within = distance_m((lat, lon), point) <= 25
        match = detector.check({"name": "X", "lat": point[0], "lon": point[1], "source_url": "b"})
        assert (match is not None) == within, (point, distance_m((lat, lon), point))


def test_places_of_other_spiders_never_match():
    first, second = DuplicateDetector("one"), DuplicateDetector("two")
    assert first.check({"ref": "1"}) is None
    assert second.check({"ref": "1"}) is None


def test_places_without_name_or_street_give_no_address_keys():
    assert address_keys("s", {"street_address": "1 Main St", "city": "X"}) == []
    assert address_keys("s", {"name": "A", "city": "X"}) == []


def test_merge_fields_keeps_the_most_complete_values():
    kept = {
        "ref": "1", "name": "Shop", "street_address": "Main St", "source_url": "u1",
        "lat": 1.0, "lon": 2.0, "geo_source": "offline", "geo_precision": "city",
        "extras": {"a": 1},
    }
    duplicate = {
        "ref": "1", "name": "Shop", "street_address": "12 Main Street", "phone": "+4930901820",
        "source_url": "u2", "lat": 1.1, "lon": 2.1, "geo_source": "page",
        "opening_hours": "Mo-Fr 09:00-17:00", "extras": {"a": 2, "b": 3},
    }
    merged = merge_fields(kept, duplicate)
    assert merged == {
        "ref": "1", "name": "Shop", "street_address": "12 Main Street", "source_url": "u1",
        "lat": 1.1, "lon": 2.1, "geo_source": "page", "phone": "+4930901820",
        "opening_hours": "Mo-Fr 09:00-17:00",
        "extras": {"a": 1, "b": 3, "merged_from": ["u2"]},
    }
    # the page's coordinates are not replaced by a duplicate's geocoded ones
    again = merge_fields(merged, {"lat": 5.0, "lon": 5.0, "geo_source": "offline",
                                  "source_url": "u3"})
    assert (again["lat"], again["lon"]) == (1.1, 2.1)
    assert again["extras"]["merged_from"] == ["u2", "u3"]


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _detect_and_store(records, store):
    detector = DuplicateDetector("places")
    kept = []
    for record in records:
        match = detector.check(record)
        if match is None:
            kept.append(record)
        else:
            store.add(match.kept_identity, match.reason, record)
    return kept


RECORDS = [
    {"spider": "places", "ref": "1", "name": "A", "source_url": "u1", "city": "Berlin"},
    {"spider": "places", "ref": "2", "name": "B", "source_url": "u1", "city": "Bonn",
     "lat": 50.7, "lon": 7.1},
    {"spider": "places", "ref": "1", "name": "A", "source_url": "u2", "city": "Berlin",
     "phone": "+4930901820", "extras": {"openingHours": "Mo-Fr 9-5"}},
    {"spider": "places", "ref": "9", "name": "B", "source_url": "u3", "lat": 50.70005,
     "lon": 7.1, "email": "b@example.de"},
]


def test_finalise_json_lines_export(tmp_path):
    export = tmp_path / "out.jsonl"
    store = MergeStore(tmp_path / "merges.sqlite")
    kept = _detect_and_store(RECORDS, store)
    assert len(kept) == 2 and len(store) == 2
    _write_jsonl(export, kept)
    assert finalise_dataset(export, store) == 2
    records = list(iter_records(export))
    assert records == [
        {"spider": "places", "ref": "1", "name": "A", "source_url": "u1", "city": "Berlin",
         "phone": "+4930901820",
         "extras": {"openingHours": "Mo-Fr 9-5", "merged_from": ["u2"]}},
        {"spider": "places", "ref": "2", "name": "B", "source_url": "u1", "city": "Bonn",
         "lat": 50.7, "lon": 7.1, "email": "b@example.de", "extras": {"merged_from": ["u3"]}},
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    store.close()


def test_finalise_csv_export_and_merges_from_jsonl_side_file(tmp_path):
    store = MergeStore()
    kept = _detect_and_store(RECORDS, store)
    side = tmp_path / "out.geojson.duplicates.jsonl"
    store.write_jsonl(side)
    store.close()
    assert not store.path.exists()  # temporary store removed
    export = tmp_path / "out.csv"
    columns = ["ref", "name", "city", "phone", "email", "lat", "lon", "source_url", "spider",
               "extras"]
    with open(export, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for record in kept:
            writer.writerow({k: json.dumps(v) if isinstance(v, dict) else v
                             for k, v in record.items()})
    assert finalise_dataset(export, side) == 2
    with open(export, encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    assert rows[0]["phone"] == "+4930901820"
    assert json.loads(rows[0]["extras"]) == {"openingHours": "Mo-Fr 9-5", "merged_from": ["u2"]}
    assert rows[1]["email"] == "b@example.de"
    assert rows[1]["lat"] == "50.7"
    assert export.read_bytes().count(b"\r\n") == 3  # line endings kept


def test_finalise_other_formats_is_refused_clearly(tmp_path):
    store = MergeStore()
    _detect_and_store(RECORDS, store)
    export = tmp_path / "out.xml"
    export.write_text("<items/>")
    with pytest.raises(ValueError, match="cannot merge duplicates into a 'xml' export"):
        finalise_dataset(export, store)
    geojson = tmp_path / "pretty.geojson"
    geojson.write_text('{\n  "type": "FeatureCollection",\n  "features": []\n}\n')
    with pytest.raises(ValueError, match="not a line-per-feature GeoJSON export"):
        finalise_dataset(geojson, store)
    assert geojson.read_text().startswith('{\n  "type"')  # untouched
    store.close()


def test_finalise_geojson_export_written_by_netcrawl(tmp_path):
    from netcrawl.exporters.geojson import GeoJsonItemExporter

    store = MergeStore()
    kept = _detect_and_store(RECORDS, store)
    export = tmp_path / "out.geojson"
    with open(export, "wb") as out:
        exporter = GeoJsonItemExporter(out)
        exporter.start_exporting()
        for record in kept:
            exporter.export_item(record)
        exporter.finish_exporting()
    assert finalise_dataset(export, store) == 2
    document = json.loads(export.read_text())  # still one valid FeatureCollection
    first, second = document["features"]
    assert first["geometry"] is None
    assert first["properties"]["phone"] == "+4930901820"
    assert second["geometry"] == {"type": "Point", "coordinates": [7.1, 50.7]}
    assert second["properties"]["email"] == "b@example.de"
    assert second["properties"]["extras"] == {"merged_from": ["u3"]}
    assert [r["name"] for r in iter_records(export)] == ["A", "B"]
    store.close()


def test_finalise_parquet_export_keeps_schema(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = MergeStore()
    kept = _detect_and_store(RECORDS, store)
    schema = pa.schema(
        [("ref", pa.string()), ("name", pa.string()), ("city", pa.string()),
         ("phone", pa.string()), ("email", pa.string()), ("lat", pa.float64()),
         ("lon", pa.float64()), ("source_url", pa.string()), ("spider", pa.string()),
         ("extras", pa.string())],
        metadata={b"netcrawl.extras_encoding": b"json"},
    )
    rows = [{name: (json.dumps(r[name]) if name == "extras" and name in r else r.get(name))
             for name in schema.names} for r in kept]
    export = tmp_path / "out.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), export)
    assert finalise_dataset(export, store) == 2
    table = pq.read_table(export)
    assert table.schema.equals(schema, check_metadata=True)
    records = table.to_pylist()
    assert records[0]["phone"] == "+4930901820"
    assert json.loads(records[0]["extras"]) == {"openingHours": "Mo-Fr 9-5",
                                                "merged_from": ["u2"]}
    assert (records[1]["email"], records[1]["lat"]) == ("b@example.de", 50.7)
    assert [r["name"] for r in iter_records(export)] == ["A", "B"]
    store.close()


def test_finalise_without_merges_leaves_the_file_untouched(tmp_path):
    export = tmp_path / "out.jsonl"
    _write_jsonl(export, RECORDS[:2])
    before = export.stat().st_mtime_ns
    store = MergeStore()
    assert finalise_dataset(export, store) == 0
    assert export.stat().st_mtime_ns == before
    store.close()


def test_25_metre_test_agrees_with_brute_force_distance():
    import math
    import random

    rng = random.Random(3)
    checked = 0
    for _ in range(400):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-179, 179)
        bearing, metres = rng.uniform(0, 2 * math.pi), rng.uniform(0, 60)
        other = (
            lat + metres * math.cos(bearing) / 111_320,
            lon + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat))),
        )
        distance = distance_m((lat, lon), other)
        if abs(distance - 25) < 0.5:
            continue  # float32 packing: ~1 m precision at the border is not specified
        detector = DuplicateDetector("places")
        detector.check({"name": "Same", "lat": lat, "lon": lon, "source_url": "a"})
        match = detector.check({"name": "Same", "lat": other[0], "lon": other[1],
                                "source_url": "b"})
        assert (match is not None) == (distance <= 25), (lat, lon, other, distance)
        checked += 1
    assert checked > 350
