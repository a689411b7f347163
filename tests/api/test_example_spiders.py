"""Real crawls (child ``scrapy crawl``) of the example locator spiders against the sample site.

The project's item pipelines are switched off here (``ITEM_PIPELINES={}``) so the
output is exactly what extraction produced; the pipelines have their own tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import PROJECT_ROOT, run_scrapy

NO_PIPELINES = ("-s", "ITEM_PIPELINES={}", "-s", "NETCRAWL_HEALTH_ENABLED=False")


def crawl(tmp_path: Path, spider: str, *extra: str) -> tuple[list[dict], str]:
    output = tmp_path / f"{spider}.jsonl"
    result = run_scrapy("crawl", spider, "-O", str(output), *NO_PIPELINES, *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
    return [json.loads(line) for line in lines], result.stderr


def test_example_api_discovers_endpoints_and_follows_pages(tmp_path):
    places, log = crawl(tmp_path, "example_api")
    assert len(places) == 7
    by_ref = {place.get("ref") or place["name"]: place for place in places}
    # stores.json (4 records, one repeated) + stores-2.json (2) + stockists.kml (2 points;
    # the named delivery polygon is not a place).
    assert sorted(by_ref) == sorted([
        "CL-GB-003", "CL-IE-001", "CL-BE-001", "CL-AT-001", "CL-DK-001",
        "The Bean Counter, Edinburgh", "Kaffeerösterei Nord",
    ])
    manchester = by_ref["CL-GB-003"]
    assert manchester["name"] == "Copperleaf Manchester Northern Quarter"
    assert (manchester["lat"], manchester["lon"]) == (53.4831, -2.2341)
    assert manchester["postcode"] == "M1 1JN" and manchester["country"] == "GB"
    assert manchester["website"].endswith("/stores/manchester-northern-quarter.html")
    assert manchester["brand"] == "Copperleaf"  # item_attributes
    assert manchester["spider"] == "example_api"
    assert all(place["source_format"] == "api" for place in places)
    assert by_ref["CL-DK-001"]["source_url"].endswith("/stores-2.json")
    assert "'netcrawl/api/next_pages': 1" in log
    assert "'netcrawl/api/endpoints': 2" in log


def test_example_api_without_discovery_reads_only_the_page(tmp_path):
    places, log = crawl(tmp_path, "example_api", "-s", "NETCRAWL_API_DISCOVERY=False")
    assert places == []
    assert "netcrawl/api/endpoints" not in log


def test_locator_spider_started_at_the_api_itself(tmp_path):
    start = PROJECT_ROOT / "data" / "sample-site" / "api" / "stores.json"
    places, _ = crawl(tmp_path, "example_api", "-a", f"start_urls={start}")
    assert sorted(place["ref"] for place in places) == [
        "CL-AT-001", "CL-BE-001", "CL-DK-001", "CL-GB-003", "CL-IE-001",
    ]


def test_example_text_reads_the_text_only_store_page(tmp_path):
    places, _ = crawl(tmp_path, "example_text")
    assert len(places) == 1
    place = places[0]
    assert place["name"] == "Copperleaf Edinburgh Old Town"
    assert place["source_format"] == "text"
    assert (place["street_address"], place["city"], place["postcode"], place["country"]) == (
        "21 Cockburn Street", "Edinburgh", "EH1 1BP", "GB")
    assert (place["lat"], place["lon"]) == (55.9503, -3.1886)
    assert place["phone"] == "+441314960021"
    assert place["source_url"].endswith("/text-only-edinburgh.html")


def test_example_text_with_text_extraction_off(tmp_path):
    places, _ = crawl(tmp_path, "example_text", "-s", "NETCRAWL_TEXT_EXTRACTION=False")
    assert places == []
