"""End to end: ``scrapy crawl places`` over the sample site into all four formats.

Uses the real spider, pipelines and feed settings; only the command modules
are left out (so an unrelated command cannot break this test) and run
history is off (so the test writes nothing inside the checkout).
"""

from __future__ import annotations

import json
import math

import phonenumbers
import pytest
from conftest import SAMPLE_SITE, run_scrapy
from test_export_formats import assert_rfc7946_feature_collection, read_back

FORMATS = ("jsonl", "csv", "geojson", "parquet")
EXPECTED = json.loads((SAMPLE_SITE / "EXPECTED.json").read_text(encoding="utf-8"))["places"]


def page_of(url: str) -> str:
    return url.split("/", 3)[3]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    root = tmp_path_factory.mktemp("sample-crawl")
    (root / "scrapy.cfg").write_text("[settings]\ndefault = sample_settings\n")
    (root / "sample_settings.py").write_text(
        "from netcrawl.settings import *  # noqa: F403\n"
        'COMMANDS_MODULE = ""\n'
        "NETCRAWL_RUNS_ENABLED = False\n"
    )
    outputs = {fmt: root / "out" / f"places.{fmt}" for fmt in FORMATS}
    args = ["crawl", "places", "-a", f"start_urls={SAMPLE_SITE}"]
    for path in outputs.values():
        args += ["-O", str(path)]
    result = run_scrapy(*args, cwd=root)
    if result.returncode != 0 and "KeyError: 'Spider not found: places'" in result.stderr:
        pytest.skip("the places spider is not available")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    assert all(path.is_file() for path in outputs.values())
    assert not [p for p in (root / "out").iterdir() if p.name.endswith(".part")]
    geojson = json.loads(outputs["geojson"].read_text(encoding="utf-8"))
    assert_rfc7946_feature_collection(geojson)
    return {fmt: read_back(path) for fmt, path in outputs.items()}


def test_every_format_holds_the_same_places(exports: dict[str, list[dict]]) -> None:
    reference = sorted(exports["jsonl"], key=lambda place: place["source_url"])
    for fmt in FORMATS[1:]:
        assert sorted(exports[fmt], key=lambda place: place["source_url"]) == reference, fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_match_expected_places(exports: dict[str, list[dict]], fmt: str) -> None:
    by_page = {page_of(place["source_url"]): place for place in exports[fmt]}
    assert {expected["page"] for expected in EXPECTED} <= set(by_page)
    for expected in EXPECTED:
        place = by_page[expected["page"]]
        for key in ("name", "street_address", "city", "postcode", "country"):
            assert place.get(key) == expected[key], (expected["page"], key)
        phone = phonenumbers.parse(expected["phone"], expected["country"])
        assert place["phone"] == phonenumbers.format_number(phone, 0), expected["page"]  # E164
        if "lat" in expected:
            assert math.isclose(place["lat"], expected["lat"], abs_tol=1e-9)
            assert math.isclose(place["lon"], expected["lon"], abs_tol=1e-9)
            assert place["geo_source"] == "page"
        else:  # address only: the geocoding step filled coordinates in
            assert isinstance(place["lat"], float) and isinstance(place["lon"], float)
            assert place["geo_source"] != "page"


def test_nothing_from_pages_without_places(exports: dict[str, list[dict]]) -> None:
    names = {place["name"] for place in exports["jsonl"]}
    assert "Ada Fictional" not in names
    assert "Copperleaf Online Shop Warehouse" not in names
    assert "Copperleaf Coffee & Bakery Ltd" not in names
    assert all(
        "/stores/" in place["source_url"] or "/api/" in place["source_url"]
        for place in exports["jsonl"]
    )


def test_geojson_geometry_is_lon_lat(exports: dict[str, list[dict]]) -> None:
    tokyo = next(p for p in exports["geojson"] if p["name"] == "Copperleaf Coffee Tokyo Station")
    assert (tokyo["lon"], tokyo["lat"]) == (139.7671, 35.6812)
