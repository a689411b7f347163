"""End to end: a real ``scrapy crawl places`` (child process) over a loopback site.

The site has one shop published three times (JSON-LD, the same JSON-LD on a
second URL, microdata on a third page with an e-mail the others lack), a
restaurant with latitude and longitude exchanged, a shop whose coordinates are
(0, 0) but whose address is known, a shop with only (0, 0) coordinates (no
location at all), and a Person-only page. The crawl must merge the shop into
one complete record, fix the restaurant, drop the location-less shop with a
counted reason, and report fill rates in the stats and next to the export.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import crawl_stats, run_scrapy

from netcrawl.quality.duplicates import iter_records


def ld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


def html_page(title: str, body: str, links: tuple[str, ...] = ()) -> str:
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body>{body}{anchors}</body></html>"
    )


DAYS = [f"https://schema.org/{d}" for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]
SHOP = {
    "@context": "https://schema.org", "@type": "Store", "@id": "https://example.de/#kiez",
    "name": "Kiezladen", "telephone": "030 901820",
    "address": {"@type": "PostalAddress", "streetAddress": "Torstraße 12a",
                "postalCode": "10119", "addressLocality": "Berlin",
                "addressCountry": "Deutschland"},
    "geo": {"@type": "GeoCoordinates", "latitude": 52.5290, "longitude": 13.4010},
    "openingHoursSpecification": [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": DAYS, "opens": "09:00",
         "closes": "17:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Saturday",
         "opens": "09:00", "closes": "12:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Sunday",
         "opens": "00:00", "closes": "00:00"},
    ],
}
SHOP_MICRODATA = """<div itemscope itemtype="https://schema.org/Store">
<span itemprop="name">Kiezladen</span>
<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
<span itemprop="streetAddress">Torstraße 12a</span> <span itemprop="postalCode">10119</span>
<span itemprop="addressLocality">Berlin</span> <span itemprop="addressCountry">DE</span></div>
<a itemprop="email" href="mailto:kiez@example.de">kiez@example.de</a></div>"""
SWAPPED = {
    "@context": "https://schema.org", "@type": "Restaurant", "name": "Vertauscht",
    "address": {"@type": "PostalAddress", "addressLocality": "München", "addressCountry": "DE"},
    "geo": {"@type": "GeoCoordinates", "latitude": 11.5755, "longitude": 48.1372},
    "openingHours": "Mo-Sa 09H00-12H30, 14H00-19H00",
}
NULL_ISLAND_WITH_ADDRESS = {
    "@context": "https://schema.org", "@type": "Store", "name": "Downing Shop",
    "address": {"@type": "PostalAddress", "streetAddress": "10 Downing Street",
                "postalCode": "sw1a 2aa", "addressLocality": "London", "addressCountry": "UK"},
    "geo": {"@type": "GeoCoordinates", "latitude": 0, "longitude": 0},
    "telephone": "020 7946 0958",
}
NO_LOCATION = {
    "@context": "https://schema.org", "@type": "Store", "name": "Nowhere Shop",
    "geo": {"@type": "GeoCoordinates", "latitude": 0, "longitude": 0},
}
PERSON = {"@context": "https://schema.org", "@type": "Person", "name": "Jane Doe"}


def build_site(root: Path) -> None:
    pages = {
        "shop.html": html_page("Kiezladen", ld(SHOP)),
        "shop-again.html": html_page("Kiezladen", ld(SHOP)),
        "shop-microdata.html": html_page("Kiezladen", SHOP_MICRODATA),
        "swapped.html": html_page("Vertauscht", ld(SWAPPED)),
        "null-island.html": html_page("Downing", ld(NULL_ISLAND_WITH_ADDRESS)),
        "nowhere.html": html_page("Nowhere", ld(NO_LOCATION)),
        "person.html": html_page("Jane", ld(PERSON)),
    }
    root.mkdir(parents=True)
    for name, text in pages.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "index.html").write_text(html_page("Home", "<h1>Shops</h1>", tuple(pages)), "utf-8")


def test_crawl_normalises_merges_validates_and_reports(tmp_path):
    site = tmp_path / "site"
    build_site(site)
    output = tmp_path / "out" / "places.jsonl"
    feeds = {
        str(output): {"format": "jsonl", "overwrite": True},
        str(output.with_suffix(".csv")): {"format": "csv", "overwrite": True},
        str(output.with_suffix(".geojson")): {"format": "geojson", "overwrite": True},
        str(output.with_suffix(".parquet")): {"format": "parquet", "overwrite": True},
    }
    result = run_scrapy(
        "crawl", "places", "-a", f"start_urls={site}", "-s", f"FEEDS={json.dumps(feeds)}",
        "-s", "LOG_LEVEL=INFO", "-s", "HTTPCACHE_ENABLED=False",
        "-s", "NETCRAWL_RUNS_ENABLED=False",  # no run records in data/runs from tests
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    stats = crawl_stats(log)

    exported = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(r["name"] for r in exported) == ["Downing Shop", "Kiezladen", "Vertauscht"], (
        exported, log[-6000:]
    )
    records = {r["name"]: r for r in exported}

    shop = records["Kiezladen"]  # three publications, one complete record
    assert shop["country"] == "DE"
    assert shop["phone"] == "+4930901820"
    assert shop.get("email") == "kiez@example.de", (shop, log[-6000:])
    assert shop["opening_hours"] == "Mo-Fr 09:00-17:00; Sa 09:00-12:00"
    assert (shop["lat"], shop["lon"]) == (52.529, 13.401)
    assert (shop["housenumber"], shop["street"]) == ("12a", "Torstraße")
    assert shop["addr_full"] == "Torstraße 12a, 10119 Berlin"
    urls = {shop["source_url"], *shop["extras"]["merged_from"]}
    assert {url.rsplit("/", 1)[-1] for url in urls} == {
        "shop.html", "shop-again.html", "shop-microdata.html",
    }

    restaurant = records["Vertauscht"]
    assert (restaurant["lat"], restaurant["lon"]) == (48.1372, 11.5755)
    assert restaurant["opening_hours"] == "Mo-Sa 09:00-12:30,14:00-19:00"

    downing = records["Downing Shop"]
    assert downing["country"] == "GB"
    assert downing["postcode"] == "SW1A 2AA"
    assert downing["phone"] == "+442079460958"
    assert (downing["housenumber"], downing["street"]) == ("10", "Downing Street")

    assert stats["netcrawl/dropped/no_location"] == 1
    assert stats["netcrawl/dropped/duplicate"] == 2
    assert stats["netcrawl/duplicates/merged"] == 2
    assert stats["netcrawl/duplicates/records_updated"] == 4  # one record in each of 4 feeds
    assert "netcrawl/duplicates/feeds_not_rewritten" not in stats
    assert stats["netcrawl/validation/coordinates_swapped"] == 1
    assert stats["netcrawl/opening_hours/parsed"] >= 2
    assert stats["netcrawl/items_exported"] == 3
    assert stats["netcrawl/fill_rate/name"] == 1.0
    assert stats["netcrawl/fill_rate/email"] == round(1 / 3, 6)
    assert stats["netcrawl/fill_rate/opening_hours"] == round(2 / 3, 6)
    assert stats.get("item_dropped_count") == 3  # every drop has a counted reason
    assert "Dropping places for reason 'no_location'" in log
    assert log.count("Dropping places for reason 'duplicate'") == 1  # once per reason

    for feed in feeds:  # every format has the merged record and its own report
        merged = [r for r in iter_records(feed) if r["name"] == "Kiezladen"]
        assert [r.get("email") for r in merged] == ["kiez@example.de"], feed
        report = json.loads(Path(feed + ".fillrates.json").read_text())
        assert report["spider"] == "places" and report["items"] == 3
        assert report["fill_rates"]["phone"] == round(2 / 3, 6)  # the restaurant has none
        assert report["fill_rates"]["email"] == round(1 / 3, 6)
        assert report["fill_rates"]["lat"] == 1.0
