"""``scrapy geodata import`` and ``scrapy geocode`` end to end, in child processes."""

from __future__ import annotations

import json

import geo_fixtures
import pandas as pd
import pytest
from conftest import run_scrapy
from geo_fixtures import *  # noqa: F403  (pytest fixtures)

from netcrawl.geodesy import haversine_m


@pytest.fixture(scope="module")
def imported_db(gazetteer_db, register, tmp_path_factory):
    directory = tmp_path_factory.mktemp("cmd")
    db = geo_fixtures.copy_index(gazetteer_db, directory)
    source = register.write_openaddresses(directory / "oa.csv")
    result = run_scrapy("geodata", "import", str(source), "-s", f"GEOCODER_DB={db}", "-q")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"imported {len(register.points)} of {len(register.points)} rows" in result.stderr
    return db


def test_geodata_info_and_bad_input(imported_db, tmp_path):
    result = run_scrapy("geodata", "info", "-s", f"GEOCODER_DB={imported_db}")
    assert result.returncode == 0
    assert "places=144563" in result.stdout and "streets=20" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run_scrapy("geodata", "import", str(bad), "-s", f"GEOCODER_DB={imported_db}", "-q")
    assert result.returncode == 1 and "no column for lat, lon, street" in result.stderr


def test_forward_csv_to_parquet(imported_db, register, tmp_path):
    points = register.points[::97]
    source = tmp_path / "in.csv"
    frame = pd.DataFrame(
        {
            "id": range(len(points)),
            "address": [f"{p.number} {p.street}, {p.postcode} {p.city}" for p in points],
        }
    )
    frame.loc[len(frame)] = [999, "Qwxzzy Plmkk"]
    frame.to_csv(source, index=False)
    out = tmp_path / "out.parquet"
    result = run_scrapy(
        "geocode", str(source), "-o", str(out), "-s", f"GEOCODER_DB={imported_db}", "-q"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "failures: no_match=1" in result.stderr
    geocoded = pd.read_parquet(out)
    assert list(geocoded.columns[:2]) == ["id", "address"]
    for point, row in zip(points, geocoded.itertuples(), strict=False):
        assert row.geo_precision == "rooftop" and row.geo_source == "offline"
        assert haversine_m(row.lat, row.lon, point.lat, point.lon) < 1
    assert geocoded.iloc[-1]["geocode_error"] == "no_match" and pd.isna(geocoded.iloc[-1]["lat"])
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_forward_from_address_parts_jsonl(imported_db, tmp_path):
    source = tmp_path / "in.jsonl"
    rows = [
        {"street": "Damrak", "housenumber": "40", "city": "Amsterdam", "country": "NL"},
        {"city": "Lyon", "country": "France"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run_scrapy("geocode", str(source), "-o", str(out), "-s", f"GEOCODER_DB={imported_db}")
    assert result.returncode == 0, result.stderr[-2000:]
    geocoded = pd.read_csv(out)
    assert list(geocoded["geo_precision"]) == ["rooftop", "city"]


def test_reverse_parquet_to_jsonl(imported_db, tmp_path):
    source = tmp_path / "points.parquet"
    pd.DataFrame({"lat": [48.8584, 35.6586, None], "lon": [2.2945, 139.7454, 1.0]}).to_parquet(
        source
    )
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        "geocode", str(source), "--reverse", "-o", str(out), "-s", f"GEOCODER_DB={imported_db}"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["city"], r["country"]) for r in rows[:2]] == [("Paris", "FR"), ("Tokyo", "JP")]
    assert rows[0]["addr_full"].startswith("Paris") and rows[0]["state"] == "Ile-de-France"
    assert rows[2]["geocode_error"] == "bad_coordinates"


def test_usage_errors(imported_db, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("x", encoding="utf-8")
    result = run_scrapy("geocode", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 2 and "unknown format" in result.stderr
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("name\nx\n", encoding="utf-8")
    result = run_scrapy(
        "geocode", str(csv_in), "-o", str(tmp_path / "out.csv"), "-s", f"GEOCODER_DB={imported_db}"
    )
    assert result.returncode == 1 and "no 'address' column" in result.stderr
    assert not (tmp_path / "out.csv").exists()
