"""Each export format round-trips places, handles absent values and empty exports."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from scrapy.exceptions import UsageError

from netcrawl.exporters import format_for_path, place_schema, write_places
from netcrawl.items import PLACE_FIELDS, Place

FORMATS = ("jsonl", "csv", "geojson", "parquet")

PLACES: list[dict[str, Any]] = [
    {
        "ref": "paris-01",
        "name": "Boulangerie « Ça va » - Été",
        "street_address": "40 Boulevard Haussmann",
        "city": "Paris",
        "postcode": "75009",
        "country": "FR",
        "lat": 48.8736,
        "lon": 2.3322,
        "phone": "+33199001234",
        "extras": {"openingHours": ["Mo-Fr 08:00-20:00"], "note": "日本語, emoji ☕"},
    },
    {
        # No coordinates at all: GeoJSON geometry null, Parquet nulls.
        "ref": "dam-1",
        "name": "Copperleaf Dam",
        "street_address": "Dam 1",
        "city": "Amsterdam",
        "country": "NL",
    },
    {
        "ref": "tokyo",
        "name": 'Quote "and" comma, newline\nsecond line',
        "lat": 35.6812,
        "lon": 139.7671,
        "extras": {},
    },
]


def read_back(path: Path) -> list[dict[str, Any]]:
    """Read an export into place dicts without absent values, whatever the format."""
    fmt = format_for_path(path)
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        places = []
        for row in rows:
            place: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
            for key in ("lat", "lon"):
                if key in place:
                    place[key] = float(place[key])
            if "extras" in place:
                place["extras"] = json.loads(place["extras"])
            places.append(place)
        return places
    if fmt == "geojson":
        document = json.loads(path.read_text(encoding="utf-8"))
        places = []
        for feature in document["features"]:
            place = dict(feature["properties"])
            if feature["geometry"] is not None:
                place["lon"], place["lat"] = feature["geometry"]["coordinates"]
            places.append(place)
        return places
    frame = pd.read_parquet(path)
    places = []
    for record in frame.to_dict(orient="records"):
        place = {
            k: v
            for k, v in record.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))
        }
        if "extras" in place:
            place["extras"] = json.loads(place["extras"])
        places.append(place)
    return places


def assert_rfc7946_feature_collection(document: Any) -> None:
    """Structural checks of RFC 7946 for a FeatureCollection of Point/null features."""
    assert isinstance(document, dict)
    assert document["type"] == "FeatureCollection"
    assert "crs" not in document  # removed by RFC 7946 (section 4)
    assert isinstance(document["features"], list)
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) >= {"type", "geometry", "properties"}
        assert feature["properties"] is None or isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        if geometry is None:
            continue
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]  # exactly two positions, longitude first
        assert all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in (lon, lat))
        assert -180 <= lon <= 180
        assert -90 <= lat <= 90


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"places.{fmt}"
    assert write_places(PLACES, path) == len(PLACES)
    assert read_back(path) == PLACES


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_export_is_a_valid_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"
    assert write_places([], path) == 0
    assert read_back(path) == []
    if fmt == "csv":
        assert path.read_text(encoding="utf-8").splitlines() == [",".join(PLACE_FIELDS)]
    if fmt == "geojson":
        assert json.loads(path.read_text(encoding="utf-8")) == {
            "type": "FeatureCollection",
            "features": [],
        }
    if fmt == "parquet":
        assert pd.read_parquet(path).columns.tolist() == list(PLACE_FIELDS)
    if fmt == "jsonl":
        assert path.read_bytes() == b""


def test_geojson_structure_and_null_geometry(tmp_path: Path) -> None:
    path = tmp_path / "places.geojson"
    write_places(PLACES, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert_rfc7946_feature_collection(document)
    paris, dam, _ = document["features"]
    assert paris["geometry"] == {"type": "Point", "coordinates": [2.3322, 48.8736]}
    assert "lat" not in paris["properties"] and "lon" not in paris["properties"]
    assert paris["properties"]["extras"] == PLACES[0]["extras"]  # nested object, not text
    assert dam["geometry"] is None
    # Unicode written as UTF-8, not \u escapes (RFC 7946 section 11).
    assert "« Ça va »" in path.read_text(encoding="utf-8")


def test_geojson_keeps_unusable_coordinates_as_properties(tmp_path: Path) -> None:
    path = tmp_path / "places.geojson"
    write_places(
        [{"name": "out of range", "lat": 123.0, "lon": 10.0}, {"name": "half", "lat": 1.0}], path
    )
    document = json.loads(path.read_text(encoding="utf-8"))
    assert_rfc7946_feature_collection(document)
    first, second = document["features"]
    assert first["geometry"] is None and first["properties"]["lat"] == 123.0
    assert second["geometry"] is None and second["properties"] == {"name": "half", "lat": 1.0}


def test_geojson_coordinates_are_json_numbers(tmp_path: Path) -> None:
    path = tmp_path / "places.geojson"
    write_places([Place(name="x", lat="51.5145", lon="-0.1528")], path)  # Place casts to float
    text = path.read_text(encoding="utf-8")
    assert '"coordinates":[-0.1528,51.5145]' in text


def test_csv_has_fixed_columns_whatever_the_first_item(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    write_places([{"name": "only a name"}, PLACES[0]], path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    assert header == list(PLACE_FIELDS)
    assert all(len(row) == len(PLACE_FIELDS) for row in rows)
    extras_cell = rows[1][PLACE_FIELDS.index("extras")]
    assert json.loads(extras_cell) == PLACES[0]["extras"]
    assert "日本語" in extras_cell  # not \u-escaped


def test_fields_option_selects_and_orders_columns(tmp_path: Path) -> None:
    fields = ["name", "lat", "lon", "country"]
    csv_path = tmp_path / "places.csv"
    write_places(PLACES, csv_path, fields=fields)
    assert csv_path.read_text(encoding="utf-8").splitlines()[0] == "name,lat,lon,country"
    parquet_path = tmp_path / "places.parquet"
    write_places(PLACES, parquet_path, fields=fields)
    assert pq.read_schema(parquet_path).names == fields


def test_fields_mapping_renames_columns(tmp_path: Path) -> None:
    fields = {"name": "title", "lat": "y", "lon": "x"}
    csv_path = tmp_path / "places.csv"
    write_places(PLACES, csv_path, fields=fields)
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "title,y,x"
    assert lines[2] == "Copperleaf Dam,,"
    parquet_path = tmp_path / "places.parquet"
    write_places(PLACES, parquet_path, fields=fields)
    schema = pq.read_schema(parquet_path)
    assert schema.names == ["title", "y", "x"]
    assert str(schema.field("y").type) == "double"
    assert pd.read_parquet(parquet_path)["y"].iloc[0] == 48.8736


def test_parquet_schema_is_fixed_and_typed(tmp_path: Path) -> None:
    path = tmp_path / "places.parquet"
    write_places([{"name": "no coordinates, no email"}], path)
    schema = pq.read_schema(path)
    assert schema.names == list(PLACE_FIELDS)
    assert str(schema.field("lat").type) == "double"
    assert str(schema.field("lon").type) == "double"
    assert str(schema.field("email").type) == "string"
    assert str(schema.field("extras").type) == "string"
    assert schema.equals(place_schema(list(PLACE_FIELDS)), check_metadata=False)
    frame = pd.read_parquet(path)
    assert frame["email"].isna().all() and frame["lat"].isna().all()


def test_parquet_writes_row_groups_as_items_arrive(tmp_path: Path) -> None:
    path = tmp_path / "places.parquet"
    places = ({"ref": str(i), "name": f"place {i}", "lat": i / 1000, "lon": 1.0} for i in range(25))
    assert write_places(places, path, row_group_size=10) == 25
    metadata = pq.ParquetFile(path).metadata
    assert metadata.num_row_groups == 3
    assert [metadata.row_group(i).num_rows for i in range(3)] == [10, 10, 5]
    frame = pd.read_parquet(path)
    assert frame["ref"].tolist() == [str(i) for i in range(25)]
    assert frame["lat"].iloc[24] == pytest.approx(0.024)


def test_parquet_rejects_non_numeric_coordinate_without_misaligning_rows(tmp_path: Path) -> None:
    from netcrawl.exporters.parquet import ParquetItemExporter

    with (tmp_path / "p.parquet").open("wb") as handle:
        exporter = ParquetItemExporter(handle, row_group_size=10)
        exporter.start_exporting()
        exporter.export_item({"name": "good", "lat": 1.0, "lon": 2.0})
        with pytest.raises(ValueError, match="not a number"):
            exporter.export_item({"name": "bad", "lat": "north", "lon": 2.0})
        exporter.export_item({"name": "good too", "lat": 3.0, "lon": 4.0})
        exporter.finish_exporting()
    frame = pd.read_parquet(tmp_path / "p.parquet")
    assert frame["name"].tolist() == ["good", "good too"]
    assert frame["lat"].tolist() == [1.0, 3.0]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_append_keeps_existing_records_and_writes_one_header(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"places.{fmt}"
    write_places(PLACES[:1], path)
    write_places(PLACES[1:], path, overwrite=False)
    assert read_back(path) == PLACES
    if fmt == "csv":
        assert path.read_text(encoding="utf-8").count("ref,name,brand") == 1


def test_append_after_a_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "places.jsonl"
    path.write_text('{"name": "a"}', encoding="utf-8")  # no trailing newline
    write_places([{"name": "b"}], path, overwrite=False)
    assert read_back(path) == [{"name": "a"}, {"name": "b"}]


@pytest.mark.parametrize("fmt", ["geojson", "parquet"])
def test_append_refused_for_formats_with_footer(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"places.{fmt}"
    write_places(PLACES, path)
    before = path.read_bytes()
    with pytest.raises(UsageError, match="Use -O to overwrite"):
        write_places(PLACES, path, overwrite=False)
    assert path.read_bytes() == before
    # Appending to a file that does not exist yet simply creates it.
    new = tmp_path / f"new.{fmt}"
    write_places(PLACES, new, overwrite=False)
    assert read_back(new) == PLACES


def test_unknown_extension_and_keys_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"extension 'xlsx'"):
        write_places(PLACES, tmp_path / "places.xlsx")
    with pytest.raises(ValueError, match=r"outside PLACE_FIELDS: \['colour'\]"):
        write_places([{"name": "x", "colour": "red"}], tmp_path / "places.jsonl")
    assert not (tmp_path / "places.jsonl").exists()


def test_none_values_are_treated_as_absent(tmp_path: Path) -> None:
    path = tmp_path / "places.jsonl"
    write_places([{"name": "x", "phone": None}], path)
    assert read_back(path) == [{"name": "x"}]


def test_format_for_path_accepts_scrapy_aliases() -> None:
    assert format_for_path("a/b.JL") == "jsonl"
    assert format_for_path("x.jsonlines") == "jsonl"
    assert format_for_path("x.geojson") == "geojson"


def _scrapy_and_ours(item: Any, **options: Any) -> tuple[bytes, bytes]:
    import io

    from scrapy.exporters import JsonLinesItemExporter

    from netcrawl.exporters import PlaceJsonLinesItemExporter

    outputs = []
    for exporter_class in (JsonLinesItemExporter, PlaceJsonLinesItemExporter):
        buffer = io.BytesIO()
        exporter = exporter_class(buffer, encoding="utf-8", **options)
        exporter.start_exporting()
        exporter.export_item(item)
        exporter.finish_exporting()
        outputs.append(buffer.getvalue())
    return outputs[0], outputs[1]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"fields_to_export": ["lon", "name", "phone"]},
        {"fields_to_export": {"name": "title", "lat": "y"}},  # renaming: generic path
        {"export_empty_fields": True},
    ],
)
def test_jsonl_output_is_scrapys_for_items_dicts_and_dataclasses(options: dict) -> None:
    from dataclasses import dataclass

    @dataclass
    class Other:
        name: str
        lat: float

    place = Place(name="Ça", lat="1.5", lon=2.0, extras={"k": "v"})  # lat through serializer
    for item in (place, {"lon": 2.0, "name": "Ça", "zzz": 1}, Other(name="Ça", lat=1.5)):
        scrapy_output, our_output = _scrapy_and_ours(item, **options)
        assert our_output == scrapy_output


@pytest.mark.parametrize("fmt", ["csv", "parquet", "geojson", "jsonl"])
def test_fast_and_generic_paths_write_the_same(tmp_path: Path, fmt: str) -> None:
    """Dicts/Items take the fast field path, other item types Scrapy's: same output."""
    import io
    from dataclasses import dataclass, field

    from netcrawl.exporters import EXPORTERS

    @dataclass
    class PlaceRecord:  # an item type ItemAdapter supports, not a dict or scrapy.Item
        name: str
        lat: float
        lon: float
        extras: dict = field(default_factory=dict)

    values = {"name": "Ça", "lat": 1.5, "lon": 2.5, "extras": {"k": ["v"]}}
    outputs = []
    for item in (values, Place(values), PlaceRecord(**values)):
        buffer = io.BytesIO()
        exporter = EXPORTERS[fmt](buffer, encoding="utf-8", fields_to_export=list(values))
        exporter.start_exporting()
        exporter.export_item(item)
        exporter.finish_exporting()
        outputs.append(buffer.getvalue() if fmt != "parquet" else pd.read_parquet(buffer))
    if fmt == "parquet":
        assert outputs[0].equals(outputs[1]) and outputs[0].equals(outputs[2])
    else:
        assert outputs[0] == outputs[1] == outputs[2]
