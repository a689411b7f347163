"""The README's main job: the sample-site crawl to a geocoded GeoJSON file, offline."""

from __future__ import annotations

import json

from conftest import SAMPLE_SITE, run_scrapy

from netcrawl.items import SOURCE_FORMATS

EXPECTED = json.loads((SAMPLE_SITE / "EXPECTED.json").read_text(encoding="utf-8"))
#: Places the sample site publishes outside page markup: its store-finder API
#: (JSON pages and a KML file) and one store page with plain text only.
API_AND_TEXT_NAMES = {
    "Copperleaf Edinburgh Old Town": "text",
    "Copperleaf Manchester Northern Quarter": "api",
    "Copperleaf Dublin Grafton Street": "api",
    "Copperleaf Bruxelles Sablon": "api",
    "Copperleaf Wien Graben": "api",
    "Copperleaf København Strøget": "api",
    "Kaffeerösterei Nord": "api",
    "The Bean Counter, Edinburgh": "api",
}


def test_sample_site_crawl_exports_every_place_geocoded(tmp_path):
    out = tmp_path / "places.geojson"
    result = run_scrapy("crawl", "places", "-a", "start_urls=data/sample-site", "-O", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    assert " ERROR:" not in result.stderr and "Traceback" not in result.stderr

    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    properties = [feature["properties"] for feature in collection["features"]]
    by_name = {place["name"]: place for place in properties}
    assert len(by_name) == len(properties), "a place was exported twice"

    markup_names = {place["name"]: place["source_format"] for place in EXPECTED["places"]}
    assert {name: p["source_format"] for name, p in by_name.items()} == (
        markup_names | API_AND_TEXT_NAMES
    )
    assert {p["source_format"] for p in properties} == SOURCE_FORMATS

    for feature in collection["features"]:
        place = feature["properties"]
        assert feature["geometry"]["type"] == "Point", place["name"]
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert len(place["country"]) == 2, place["name"]
        assert place["geo_source"] in {"page", "offline"}, place["name"]

    # Address-only pages were geocoded offline, at town level with nothing imported.
    geocoded = {p["name"] for p in properties if p["geo_source"] == "offline"}
    assert geocoded == {p["name"] for p in EXPECTED["places"] if p.get("geocode")}
    for name in geocoded:
        assert by_name[name]["geo_precision"] == "city"
    for expected in EXPECTED["places"]:
        assert by_name[expected["name"]]["country"] == expected["country"]
