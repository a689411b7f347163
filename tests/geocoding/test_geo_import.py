"""Importing address registers: OpenAddresses CSV, generic CSV with a column mapping."""

from __future__ import annotations

import csv

import geo_fixtures
import pytest
from geo_fixtures import *  # noqa: F403  (pytest fixtures)

from netcrawl.geocoding import OfflineGeocoder
from netcrawl.geocoding.importer import import_addresses, parse_column_mapping
from netcrawl.geocoding.store import connect


def test_openaddresses_import_counts_and_derived_tables(address_db, register):
    conn = connect(address_db)
    try:
        assert conn.execute("SELECT count(*) FROM addresses").fetchone()[0] == len(register.points)
        countries = dict(conn.execute("SELECT country, count(*) FROM streets GROUP BY country"))
        assert countries == {"US": 8, "FR": 6, "NL": 6}
        n, lo, hi = conn.execute(
            "SELECT n, min_num, max_num FROM streets WHERE name = 'Damrak'"
        ).fetchone()
        assert n > 100 and lo == 1 and hi >= 110
        assert conn.execute("SELECT count(*) FROM postcodes WHERE key='75001'").fetchone()[0] == 1
    finally:
        conn.close()


def test_bad_rows_are_counted_not_fatal(gazetteer_db, tmp_path):
    db = geo_fixtures.copy_index(gazetteer_db, tmp_path)
    source = tmp_path / "oa.csv"
    with source.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["LON", "LAT", "NUMBER", "STREET", "UNIT", "CITY", "DISTRICT", "REGION", "POSTCODE"]
        )
        writer.writerow(["4.8952", "52.3731", "1", "Damrak", "", "Amsterdam", "", "", "1012 LG"])
        writer.writerow(["abc", "52.3731", "2", "Damrak", "", "Amsterdam", "", "", "1012 LG"])
        writer.writerow(["4.8952", "95", "3", "Damrak", "", "Amsterdam", "", "", "1012 LG"])
        writer.writerow(["4.8953", "52.3732", "4", "", "", "Amsterdam", "", "", "1012 LG"])
    report = import_addresses(source, db, progress=False)
    assert report.rows_read == 4 and report.imported == 1
    assert report.skipped == {"bad_coordinates": 2, "no_street": 1}
    assert report.countries == {"NL": 1}


def test_generic_csv_with_column_mapping(gazetteer_db, tmp_path):
    db = geo_fixtures.copy_index(gazetteer_db, tmp_path)
    source = tmp_path / "bag.csv"
    source.write_text(
        "y;x;hnr;letter;straat;pc;plaats\n"
        "52.3600;4.8800;10;;Kerkstraat;1017 GC;Amsterdam\n"
        "52.3602;4.8804;20;;Kerkstraat;1017 GC;Amsterdam\n"
        "52.3603;4.8806;20;B;Kerkstraat;1017 GC;Amsterdam\n",
        encoding="utf-8",
    )
    columns = parse_column_mapping(
        "lat=y,lon=x,number=hnr+letter,street=straat,postcode=pc,city=plaats"
    )
    report = import_addresses(source, db, fmt="csv", columns=columns, delimiter=";", progress=False)
    assert report.imported == 3
    geocoder = OfflineGeocoder(db)
    location = geocoder.geocode("Kerkstr. 14, 1017GC Amsterdam")
    assert location.raw["precision"] == "interpolated"
    assert location.latitude == pytest.approx(52.36008, abs=1e-5)
    letter = geocoder.geocode("Kerkstraat 20b, 1017 GC Amsterdam")
    assert (letter.latitude, letter.longitude) == (52.3603, 4.8806)
    geocoder.close()


def test_mapping_errors_are_clear(gazetteer_db, tmp_path):
    with pytest.raises(ValueError, match="unknown field"):
        parse_column_mapping("latitude=y")
    source = tmp_path / "x.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no column for lat, lon, street"):
        import_addresses(
            source, geo_fixtures.copy_index(gazetteer_db, tmp_path), fmt="csv", progress=False
        )
