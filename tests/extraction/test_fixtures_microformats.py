"""Microformats places vs the microformats test suite's expected mf2 output."""

from __future__ import annotations

import json

import pytest
from conftest import shared_fixture

from netcrawl.extraction import extract_places
from netcrawl.extraction.values import parse_coordinate, split_coordinate_pair
from netcrawl.normalisation.country import to_alpha2

SUITE = "microformats-tests"

#: mf2 property -> place field, for the values compared one to one.
_FIELDS = {
    "name": "name",
    "street-address": "street_address",
    "locality": "city",
    "region": "state",
    "postal-code": "postcode",
}


def _expected_item(relative: str) -> dict:
    path = shared_fixture(SUITE, *relative.split("/")).with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8"))["items"][0]


def _coordinates(props: dict) -> tuple[float, float] | None:
    if "latitude" in props:
        return parse_coordinate(props["latitude"][0]), parse_coordinate(props["longitude"][0])
    geo = props.get("geo")
    if not geo:
        return None
    value = geo[0]
    if isinstance(value, dict):
        inner = value.get("properties", {})
        if "latitude" in inner:
            return _coordinates(inner)
        value = value["value"]
    if value.startswith("geo:"):
        value = ";".join(value[4:].split(";")[:2])
    lat, lon = split_coordinate_pair(value)
    return parse_coordinate(lat), parse_coordinate(lon)


def _check_against_mf2(place: dict, props: dict) -> None:
    for mf_name, field in _FIELDS.items():
        if mf_name in props:
            assert place[field] == props[mf_name][0], field
        else:
            assert field not in place, field
    if "country-name" in props:
        assert place["country"] == to_alpha2(props["country-name"][0])
    coordinates = _coordinates(props)
    if coordinates:
        assert (place["lat"], place["lon"]) == coordinates
    else:
        assert "lat" not in place and "lon" not in place


@pytest.mark.parametrize(
    "relative",
    [
        "microformats-v1/adr/simpleproperties.html",
        "microformats-v1/geo/abbrpattern.html",
        "microformats-v1/geo/hidden.html",
        "microformats-v1/geo/simpleproperties.html",
        "microformats-v1/geo/valuetitleclass.html",
        "microformats-v2/h-adr/geo.html",
        "microformats-v2/h-adr/geourl.html",
        "microformats-v2/h-adr/lettercase.html",
        "microformats-v2/h-adr/simpleproperties.html",
        "microformats-v2/h-geo/abbrpattern.html",
        "microformats-v2/h-geo/altitude.html",
        "microformats-v2/h-geo/hidden.html",
        "microformats-v2/h-geo/simpleproperties.html",
        "microformats-v2/h-geo/valuetitleclass.html",
    ],
)
def test_address_and_geo_roots_equal_mf2_output(relative):
    path = shared_fixture(SUITE, *relative.split("/"))
    result = extract_places(path.read_bytes(), "https://example.com/venue/" + path.name)
    assert result.problems == []
    assert len(result.places) == 1
    place = result.places[0]
    assert place["source_format"] == "microformats"
    assert place["ref"] == path.stem
    _check_against_mf2(place, _expected_item(relative)["properties"])


def test_bricklayers_arms_exact_record():
    path = shared_fixture(SUITE, "microformats-v2", "h-adr", "geo.html")
    assert extract_places(
        path.read_text(encoding="utf-8"), "https://pubs.example/bricklayers"
    ).places == [
        {
            "ref": "bricklayers",
            "name": "Bricklayer's Arms",
            "street_address": "3 Charlotte Road",
            "city": "City of London",
            "postcode": "EC2A 3PE",
            "country": "GB",
            "lat": 51.526421,
            "lon": -0.081067,
            "source_url": "https://pubs.example/bricklayers",
            "source_format": "microformats",
        }
    ]


def test_h_geo_with_coordinates_as_its_only_text():
    path = shared_fixture(SUITE, "microformats-v2", "h-geo", "justaname.html")
    expected = _expected_item("microformats-v2/h-geo/justaname.html")["properties"]
    lat, lon = split_coordinate_pair(expected["name"][0])
    places = extract_places(path.read_bytes(), "https://example.com/x").places
    assert [(p["lat"], p["lon"]) for p in places] == [(float(lat), float(lon))]
    assert "name" not in places[0]


def test_organisation_card_takes_its_child_address():
    path = shared_fixture(SUITE, "microformats-mixed", "h-card", "mixedproperties.html")
    item = _expected_item("microformats-mixed/h-card/mixedproperties.html")
    places = extract_places(path.read_bytes(), "https://example.com/mozilla").places
    assert len(places) == 1
    place = places[0]
    assert place["name"] == item["properties"]["name"][0] == "Mozilla Foundation"
    assert place["website"] == item["properties"]["url"][0]
    address = item["children"][0]["properties"]
    assert place["street_address"] == address["street-address"][0]
    assert place["city"] == address["locality"][0]
    assert place["state"] == address["region"][0]
    assert place["postcode"] == address["postal-code"][0]


def test_person_cards_and_cards_without_address_are_not_places():
    folder = shared_fixture(SUITE)
    cards = sorted((folder / "microformats-v1" / "hcard").glob("*.html")) + sorted(
        (folder / "microformats-v2" / "h-card").glob("*.html")
    )
    assert len(cards) >= 20
    for card in cards:
        # Persons (John Doe with a geo, Mitchell Baker of Mozilla) and bare
        # name/link cards: none is a place.
        assert extract_places(card.read_bytes(), "https://example.com/x").places == [], card.name


def test_h_adr_with_only_implied_name_is_not_a_place():
    path = shared_fixture(SUITE, "microformats-v2", "h-adr", "justaname.html")
    assert extract_places(path.read_bytes(), "https://example.com/x").places == []


def test_inline_directory_of_cards_inside_a_feed():
    cards = "".join(
        f"""<li class="h-card"><span class="p-name">Branch {n}</span>
        <span class="p-street-address">{n} Main St</span> <span class="p-locality">Leeds</span>
        <a class="p-tel" href="tel:+441130000{n}">0113 0000{n}</a></li>"""
        for n in range(1, 4)
    )
    html = f'<div class="h-feed"><ul>{cards}</ul></div>'
    places = extract_places(html, "https://bank.example/branches").places
    assert [(p["ref"], p["name"], p["street_address"], p["city"], p["phone"]) for p in places] == [
        (f"branches#branch-{n}", f"Branch {n}", f"{n} Main St", "Leeds", f"0113 0000{n}")
        for n in range(1, 4)
    ]


def test_classic_vcard_organisation_with_adr_and_geo():
    html = """<div class="vcard"><a class="fn org url" href="/shop">Corner Shop</a>
      <div class="adr"><span class="street-address">2 Side St</span>,
        <span class="locality">York</span> <span class="postal-code">YO1 7HH</span>
        <span class="country-name">United Kingdom</span></div>
      <span class="geo"><abbr class="latitude" title="53.96">N</abbr>
        <abbr class="longitude" title="-1.08">W</abbr></span>
      <span class="tel">01904 000000</span>
      <a class="email" href="mailto:shop@corner.example">mail</a></div>
      <div class="vcard"><span class="fn n"><span class="given-name">Ann</span></span>
      <div class="adr"><span class="street-address">Private 9</span></div></div>"""
    assert extract_places(html, "https://corner.example/about").places == [
        {
            "ref": "about",
            "name": "Corner Shop",
            "street_address": "2 Side St",
            "city": "York",
            "postcode": "YO1 7HH",
            "country": "GB",
            "lat": 53.96,
            "lon": -1.08,
            "phone": "01904 000000",
            "email": "shop@corner.example",
            "website": "https://corner.example/shop",
            "source_url": "https://corner.example/about",
            "source_format": "microformats",
        }
    ]
