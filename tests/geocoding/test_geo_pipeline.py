"""GeocodePipeline in a real crawl (child process): fills, never overwrites, records failures."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import run_scrapy
from geo_fixtures import *  # noqa: F403  (pytest fixtures)

SPIDER = textwrap.dedent(
    """
    import scrapy
    from netcrawl.items import Place

    ITEMS = {items!r}

    class GeoSpider(scrapy.Spider):
        name = "geo"

        async def start(self):
            for fields in ITEMS:
                yield Place(**fields)
    """
)

ITEMS = [
    # Page gave coordinates only: reverse fills city/state/country, geo_source=page.
    {"ref": "coords-only", "lat": 48.8584, "lon": 2.2945},
    # Page gave coordinates and a (wrong) city: kept as the page wrote it.
    {"ref": "coords-city", "lat": 52.3731, "lon": 4.8926, "city": "Mokum"},
    # Address only: forward fills lat/lon, precision rooftop from the imported register.
    {"ref": "address", "street_address": "107 N Main St", "city": "Springfield", "state": "IL"},
    # Town only: city precision, country filled.
    {"ref": "town", "addr_full": "Lyon, France"},
    # Nothing that matches.
    {"ref": "nowhere", "addr_full": "Qwxzzy Plmkk"},
    # Neither coordinates nor address.
    {"ref": "empty", "name": "No address"},
    # Page's geo_source is kept.
    {"ref": "sourced", "lat": 40.7484, "lon": -73.9857, "geo_source": "page-jsonld"},
]


def _crawl(tmp_path, address_db, *settings):
    spider = tmp_path / "geo_spider.py"
    spider.write_text(SPIDER.format(items=ITEMS), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["runspider", str(spider), "-O", str(out), "-s", f"GEOCODER_DB={address_db}"]
    args += ["-s", "NETCRAWL_RUNS_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
    # Only this pipeline: validation would drop the address-less test item.
    args += ["-s", 'ITEM_PIPELINES={"pipelines.geocode.GeocodePipeline": 400}']
    for setting in settings:
        args += ["-s", setting]
    result = run_scrapy(*args, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    items = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        items[item["ref"]] = item
    return items, result.stderr


@pytest.fixture(scope="module")
def crawled(address_db, tmp_path_factory):
    return _crawl(tmp_path_factory.mktemp("crawl"), address_db)


def test_coordinates_only_gets_an_address(crawled):
    items, _ = crawled
    item = items["coords-only"]
    assert (item["city"], item["country"], item["geo_source"]) == ("Paris", "FR", "page")
    assert item["state"] == "Ile-de-France"
    assert (item["lat"], item["lon"]) == (48.8584, 2.2945)


def test_page_values_are_not_overwritten(crawled):
    items, _ = crawled
    assert items["coords-city"]["city"] == "Mokum"
    assert items["coords-city"]["country"] == "NL"
    assert items["sourced"]["geo_source"] == "page-jsonld"


def test_address_only_gets_coordinates(crawled, register):
    items, _ = crawled
    item = items["address"]
    point = next(p for p in register.points if p.street == "N Main St" and p.numeric == 107)
    assert item["lat"] == pytest.approx(point.lat, abs=1e-6)
    assert item["lon"] == pytest.approx(point.lon, abs=1e-6)
    assert (item["geo_source"], item["geo_precision"], item["country"]) == (
        "offline",
        "rooftop",
        "US",
    )
    town = items["town"]
    assert (town["geo_precision"], town["country"]) == ("city", "FR")


def test_failures_are_counted_and_recorded_and_exported(crawled):
    items, log = crawled
    assert items["nowhere"]["extras"]["geocode_error"] == "no_match"
    assert "lat" not in items["nowhere"]
    assert "lat" not in items["empty"]
    assert "'netcrawl/geocode/no_match': 1" in log
    assert "'netcrawl/geocode/no_address': 1" in log
    assert "'netcrawl/geocode/reverse': 3" in log


def test_overwrite_setting(address_db, tmp_path):
    items, _ = _crawl(tmp_path, address_db, "GEOCODER_OVERWRITE=True")
    assert items["coords-city"]["city"] == "Amsterdam"


def test_sample_site_crawl_is_fully_geocoded(gazetteer_db, tmp_path):
    """The README's main job: every sample-site place ends with coordinates and a country."""
    out = tmp_path / "places.geojson"
    result = run_scrapy(
        "crawl", "places", "-a", "start_urls=data/sample-site", "-O", str(out),
        "-s", f"GEOCODER_DB={gazetteer_db}", "-s", "NETCRAWL_RUNS_ENABLED=False",
        timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) >= 10
    for feature in features:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        assert -90 <= lat <= 90 and -180 <= lon <= 180, props
        assert props.get("country"), props
        assert props["geo_source"] in ("page", "offline"), props
    geocoded = [f["properties"] for f in features if f["properties"]["geo_source"] == "offline"]
    assert geocoded and all(p["geo_precision"] == "city" for p in geocoded)
