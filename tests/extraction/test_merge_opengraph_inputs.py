"""Merging several descriptions of one place, OpenGraph metas, and the accepted inputs."""

from __future__ import annotations

import json

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse

from netcrawl.extraction import extract_places
from netcrawl.extraction.merge import page_slug
from netcrawl.extraction.page import parse_page
from netcrawl.items import PLACE_FIELDS

URL = "https://cafe.example/locations/harbour.html"

JSONLD_CAFE = json.dumps(
    {
        "@context": "https://schema.org",
        "@type": "CafeOrCoffeeShop",
        "name": "Harbour Café",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Quay 7",
            "postalCode": "1010",
            "addressLocality": "Wien",
            "addressCountry": "AT",
        },
        "telephone": "+43 1 234",
    }
)
MICRODATA_CAFE = """<div itemscope itemtype="http://schema.org/CafeOrCoffeeShop">
  <span itemprop="name">Harbour  Cafe</span>
  <span itemprop="email">hello@cafe.example</span>
  <div itemprop="geo" itemscope itemtype="http://schema.org/GeoCoordinates">
    <meta itemprop="latitude" content="48.2"><meta itemprop="longitude" content="16.37"></div>
</div>"""


def _page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_jsonld_address_plus_microdata_geo_become_one_record():
    html = _page(f'<script type="application/ld+json">{JSONLD_CAFE}</script>', MICRODATA_CAFE)
    assert extract_places(html, URL).places == [
        {
            "ref": "harbour",
            "name": "Harbour Café",
            "street_address": "Quay 7",
            "city": "Wien",
            "postcode": "1010",
            "country": "AT",
            "lat": 48.2,
            "lon": 16.37,
            "phone": "+43 1 234",
            "email": "hello@cafe.example",
            "source_url": URL,
            "source_format": "jsonld",
            "extras": {"@type": "CafeOrCoffeeShop"},
        }
    ]


def test_microdata_and_rdfa_of_the_same_shop_merge_by_street_and_postcode():
    microdata = """<div itemscope itemtype="http://schema.org/Store">
      <span itemprop="name">Shop</span>
      <div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
      <span itemprop="streetAddress">Ring 1</span><span itemprop="postalCode">8010</span>
      </div></div>"""
    rdfa = """<div vocab="http://schema.org/" typeof="Store">
      <span property="name">Shop Graz GmbH</span>
      <div property="address" typeof="PostalAddress"><span property="streetAddress">Ring 1</span>
      <span property="postalCode">8010</span><span property="addressLocality">Graz</span></div>
      <span property="telephone">0316 1</span></div>"""
    places = extract_places(_page(body=microdata + rdfa), URL).places
    assert [(p["name"], p["city"], p["phone"], p["source_format"]) for p in places] == [
        ("Shop", "Graz", "0316 1", "microdata")
    ]


def test_same_name_branches_with_different_addresses_stay_apart():
    data = [
        {
            "@context": "https://schema.org",
            "@type": "Bank",
            "name": "Volksbank",
            "address": {"streetAddress": f"Weg {n}", "postalCode": f"100{n}"},
        }
        for n in range(10)
    ]
    html = _page(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    places = extract_places(html, URL).places
    assert len(places) == 10
    assert len({p["ref"] for p in places}) == 10
    assert places[3]["ref"] == "harbour#4"


def test_same_id_in_two_blocks_merges():
    one = {
        "@context": "https://schema.org",
        "@type": "Store",
        "@id": "#s",
        "name": "A",
        "address": "1 St",
    }
    two = {
        "@context": "https://schema.org",
        "@type": "Store",
        "@id": "#s",
        "geo": {"latitude": 1.5, "longitude": 2.5},
        "address": "1 St",
    }
    html = _page(
        "".join(f'<script type="application/ld+json">{json.dumps(d)}</script>' for d in (one, two))
    )
    [place] = extract_places(html, URL).places
    assert (place["ref"], place["name"], place["lat"]) == (URL + "#s", "A", 1.5)


def test_opengraph_place_and_business_metas():
    head = """<meta property="og:title" content="Pizzeria Roma">
      <meta property="og:type" content="business.business">
      <meta property="place:location:latitude" content="41,9028">
      <meta property="place:location:longitude" content="12.4964">
      <meta property="business:contact_data:street_address" content="Via del Corso 1">
      <meta property="business:contact_data:locality" content="Roma">
      <meta property="business:contact_data:region" content="RM">
      <meta property="business:contact_data:postal_code" content="00186">
      <meta property="business:contact_data:country_name" content="Italy">
      <meta property="business:contact_data:phone_number" content="+39 06 123">
      <meta property="business:contact_data:email" content="ciao@roma.example">
      <meta property="business:contact_data:website" content="https://roma.example">"""
    assert extract_places(_page(head), URL).places == [
        {
            "ref": "harbour",
            "name": "Pizzeria Roma",
            "street_address": "Via del Corso 1",
            "city": "Roma",
            "state": "RM",
            "postcode": "00186",
            "country": "IT",
            "lat": 41.9028,
            "lon": 12.4964,
            "phone": "+39 06 123",
            "email": "ciao@roma.example",
            "website": "https://roma.example",
            "source_url": URL,
            "source_format": "opengraph",
        }
    ]


def test_legacy_og_address_metas_merge_into_the_page_place():
    head = f"""<meta property="og:title" content="Harbour Café | Best coffee">
      <meta property="og:street-address" content="Quay 7">
      <meta property="og:locality" content="Wien">
      <meta property="og:postal-code" content="1010">
      <meta property="og:country-name" content="Austria">
      <meta property="og:latitude" content="48.2"><meta property="og:longitude" content="16.37">
      <script type="application/ld+json">{JSONLD_CAFE}</script>"""
    [place] = extract_places(_page(head), URL).places
    assert (place["name"], place["source_format"], place["lat"], place["lon"]) == (
        "Harbour Café",
        "jsonld",
        48.2,
        16.37,
    )


def test_opengraph_without_place_data_gives_nothing():
    head = """<meta property="og:title" content="Article">
      <meta property="og:type" content="article">
      <meta property="og:url" content="https://cafe.example/a">"""
    assert extract_places(_page(head), URL).places == []


@pytest.mark.parametrize("kind", ["str", "bytes", "selector", "html_response", "text_response"])
def test_accepted_inputs_give_the_same_places(kind):
    html = _page(f'<script type="application/ld+json">{JSONLD_CAFE}</script>', MICRODATA_CAFE)
    html = '<meta charset="utf-8">' + html
    page = {
        "str": lambda: html,
        "bytes": lambda: html.encode("utf-8"),
        "selector": lambda: Selector(text=html),
        "html_response": lambda: HtmlResponse(URL, body=html.encode("utf-8")),
        "text_response": lambda: TextResponse(URL, body=html.encode("utf-8"), encoding="utf-8"),
    }[kind]()
    result = extract_places(page, None if kind.endswith("response") else URL)
    [place] = result.places
    assert place["name"] == "Harbour Café"
    assert place["source_url"] == URL
    assert set(place) <= set(PLACE_FIELDS)
    assert "spider" not in place


def test_response_tree_is_reused_not_reparsed():
    response = HtmlResponse(URL, body=_page(body=MICRODATA_CAFE).encode())
    assert parse_page(response).root is response.selector.root


def test_base_href_resolves_relative_links():
    body = """<div itemscope itemtype="http://schema.org/Store"><span itemprop="name">S</span>
      <span itemprop="address">1 St</span><a itemprop="url" href="shop/1">x</a></div>"""
    html = f'<html><head><base href="https://cdn.example/base/"></head><body>{body}</body></html>'
    assert extract_places(html, URL).places[0]["website"] == "https://cdn.example/base/shop/1"


def test_syntax_detection():
    html = _page(
        '<script type="application/ld+json">{}</script><meta property="og:title" content="x">',
        '<div itemscope></div><div vocab="http://schema.org/"></div><p class="h-card"></p>',
    )
    assert parse_page(html, URL).syntaxes() == [
        "jsonld",
        "microdata",
        "rdfa",
        "microformats",
        "opengraph",
    ]
    assert parse_page("<p>plain</p>", URL).syntaxes() == []


def test_bad_input_type_is_a_clear_error():
    with pytest.raises(TypeError, match="TextResponse, Selector, str or bytes"):
        extract_places(12345)


def test_page_slug():
    assert page_slug("https://x.example/stores/berlin-mitte.html?x=1") == "berlin-mitte"
    assert page_slug("https://x.example/stores/k%C3%B6ln/") == "köln"
    assert page_slug("https://x.example/") == "x.example"
    assert page_slug(None) is None


def test_empty_and_unparseable_pages():
    for page in ("", b"", "   ", b"\x00\x01binary"):
        result = extract_places(page, URL)
        assert result.places == [] and result.problems == []
