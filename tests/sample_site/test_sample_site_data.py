"""The bundled sample site is consistent: valid HTML, resolvable links, EXPECTED.json true.

These checks keep the site honest as a test bed: a crawl test comparing
against EXPECTED.json is only as good as EXPECTED.json itself.
"""

from __future__ import annotations

import gzip
import html
import json
import math
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import extruct
import phonenumbers
import pytest
from conftest import SAMPLE_SITE
from lxml import etree
from parsel import Selector
from protego import Protego
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

EXPECTED = json.loads((SAMPLE_SITE / "EXPECTED.json").read_text(encoding="utf-8"))
PLACES = EXPECTED["places"]
BASE = "http://127.0.0.1:8000/"
HTML_FILES = sorted(p.relative_to(SAMPLE_SITE).as_posix() for p in SAMPLE_SITE.rglob("*.html"))

# Independent reference points (WGS84) for the buildings the store addresses
# belong to; a published coordinate must be within 150 m of its building.
LANDMARKS = {
    "stores/new-york-empire-state.html": (40.748440, -73.985664),  # Empire State Building
    "stores/london-oxford-street.html": (51.514444, -0.152778),  # Selfridges
    "stores/paris-haussmann.html": (48.873611, 2.332222),  # Galeries Lafayette Haussmann
    "stores/berlin-kadewe.html": (52.501667, 13.341111),  # KaDeWe
    "stores/toronto-cn-tower.html": (43.642566, -79.387057),  # CN Tower
    "stores/sydney-qvb.html": (-33.871778, 151.206722),  # Queen Victoria Building
    "stores/tokyo-marunouchi.html": (35.681236, 139.767125),  # Tokyo Station
    "stores/madrid-plaza-mayor.html": (40.415511, -3.707401),  # Plaza Mayor
    "stores/chicago-willis-tower.html": (41.878876, -87.635915),  # Willis Tower
}


def page_path(relative_url: str) -> Path:
    path = SAMPLE_SITE / relative_url
    return path / "index.html" if relative_url.endswith("/") or path.is_dir() else path


def page_text(relative_url: str) -> str:
    return html.unescape(page_path(relative_url).read_text(encoding="utf-8"))


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("name", HTML_FILES)
def test_html_is_well_formed(name: str) -> None:
    html5lib = pytest.importorskip("html5lib")
    parser = html5lib.HTMLParser(strict=True)
    parser.parse((SAMPLE_SITE / name).read_bytes())  # raises on any parse error
    text = (SAMPLE_SITE / name).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text


@pytest.mark.parametrize("name", HTML_FILES)
def test_links_are_relative_and_resolve(name: str) -> None:
    selector = Selector(text=(SAMPLE_SITE / name).read_text(encoding="utf-8"))
    page_url = BASE + name
    for link in selector.css("a::attr(href), link::attr(href), form::attr(action)").getall():
        if link.startswith(("mailto:", "tel:")):
            continue
        if urlsplit(link).scheme in ("http", "https"):
            # Another site (a map link, say): fine, but never this site under a fixed
            # address: the site is served on a random loopback port.
            assert urlsplit(link).hostname not in ("127.0.0.1", "localhost"), f"{name}: {link}"
            continue
        assert not urlsplit(link).scheme and not link.startswith("/"), f"{name}: {link}"
        target = urlsplit(urljoin(page_url, link)).path[1:]
        assert page_path(target).is_file(), f"{name}: {link} -> {target}"


def test_robots_txt_sitemap_and_disallow() -> None:
    robots = (SAMPLE_SITE / "robots.txt").read_bytes()
    assert list(sitemap_urls_from_robots(robots, base_url=BASE + "robots.txt")) == [
        BASE + "sitemap.xml"
    ]
    parser = Protego.parse(robots.decode())
    assert not parser.can_fetch(BASE + "checkout/", "netcrawl")
    assert all(
        parser.can_fetch(BASE + name, "netcrawl")
        for name in HTML_FILES
        if not name.startswith("checkout/")
    )


def test_sitemaps_list_every_store_page() -> None:
    index = Sitemap((SAMPLE_SITE / "sitemap.xml").read_bytes())
    assert index.type == "sitemapindex"
    children = [entry["loc"] for entry in index]
    assert children == ["sitemap-pages.xml", "sitemap-stores.xml.gz"]
    listed: list[str] = []
    for child in children:
        body = (SAMPLE_SITE / child).read_bytes()
        if child.endswith(".gz"):
            body = gzip.decompress(body)
        sitemap = Sitemap(body)
        assert sitemap.type == "urlset"
        listed += [entry["loc"] for entry in sitemap]
    assert all(page_path(loc).is_file() for loc in listed)
    assert {place["page"] for place in PLACES} <= set(listed)
    assert set(EXPECTED["pages_without_places"]) <= set(listed)


def test_store_locator_links_every_store() -> None:
    selector = Selector(text=page_text("stores/"))
    linked = {"stores/" + href for href in selector.css(".store-card a::attr(href)").getall()}
    assert {place["page"] for place in PLACES} <= linked


def test_expected_covers_the_required_variety() -> None:
    assert len(PLACES) >= 12
    assert {"US", "GB", "FR", "DE", "NL", "CA", "AU", "JP", "ES"} <= {p["country"] for p in PLACES}
    formats = {p["source_format"] for p in PLACES}
    assert formats == {"jsonld", "microdata", "rdfa", "microformats", "opengraph"}
    assert sum(1 for p in PLACES if "lat" not in p) >= 3
    assert all(("lat" in p) != p.get("geocode", False) for p in PLACES)


@pytest.mark.parametrize("place", PLACES, ids=[p["page"] for p in PLACES])
def test_expected_values_are_on_the_page(place: dict) -> None:
    text = page_text(place["page"])
    for key in ("name", "street_address", "city", "postcode", "phone", "email"):
        if key in place:
            assert place[key] in text, f"{key} {place[key]!r} not on {place['page']}"
    for phone in place.get("phones", []):
        assert phone in text
    if "lat" in place:
        for key in ("lat", "lon"):
            assert re.search(rf"(?<![\d.]){re.escape(str(place[key]))}", text), key


@pytest.mark.parametrize("place", PLACES, ids=[p["page"] for p in PLACES])
def test_phone_numbers_are_valid_for_the_country(place: dict) -> None:
    for phone in place.get("phones", [place["phone"]]):
        number = phonenumbers.parse(phone, place["country"])
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.region_code_for_number(number) == place["country"]


@pytest.mark.parametrize(
    "place", [p for p in PLACES if "lat" in p], ids=[p["page"] for p in PLACES if "lat" in p]
)
def test_published_coordinates_are_at_the_address(place: dict) -> None:
    reference = LANDMARKS[place["page"]]
    assert distance_m((place["lat"], place["lon"]), reference) < 150


@pytest.mark.parametrize("place", PLACES, ids=[p["page"] for p in PLACES])
def test_markup_syntax_matches_source_format(place: dict) -> None:
    syntax = {
        "jsonld": "json-ld",
        "microdata": "microdata",
        "rdfa": "rdfa",
        "microformats": "microformat",
        "opengraph": "opengraph",
    }[place["source_format"]]
    data = extruct.extract(
        page_path(place["page"]).read_text(encoding="utf-8"),
        base_url=BASE + place["page"],
        syntaxes=[syntax],
    )
    assert data[syntax], f"no {syntax} on {place['page']}"
    serialised = json.dumps(data, ensure_ascii=False)
    assert place["name"] in serialised
    if "lat" not in place:
        assert not re.search(r"latitude|place:location", serialised), "address-only page has geo"


def test_sitemaps_are_well_formed_xml() -> None:
    etree.fromstring((SAMPLE_SITE / "sitemap.xml").read_bytes())
    etree.fromstring((SAMPLE_SITE / "sitemap-pages.xml").read_bytes())
    etree.fromstring(gzip.decompress((SAMPLE_SITE / "sitemap-stores.xml.gz").read_bytes()))
