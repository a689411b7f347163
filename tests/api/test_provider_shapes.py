"""Store-locator responses shaped like the real services' documented responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcrawl.extraction.api import extract_api_places
from netcrawl.items import PLACE_FIELDS

RESPONSES = Path(__file__).parent / "responses"
URL = "https://www.example.com/api/locations"


def places_of(name: str, content_type: str | None = None) -> list[dict]:
    result = extract_api_places((RESPONSES / name).read_bytes(), URL, content_type)
    assert result.problems == []
    for place in result.places:
        assert set(place) <= set(PLACE_FIELDS)
        assert place["source_format"] == "api"
        assert place["source_url"] == URL
        assert all(value is not None for value in place.values())
    return result.places


def test_google_places_nearby_search():
    places = places_of("google_places_nearby.json", "application/json; charset=UTF-8")
    assert [place["name"] for place in places] == [
        "Cruise Bar", "Sydney Harbour Dinner Cruises", "Australian Cruise Group",
    ]
    first = places[0]
    assert (first["lat"], first["lon"]) == (-33.8587323, 151.2100055)  # location, not viewport
    assert first["ref"] == "ChIJi6C1MxquEmsR9-c-3O48ykI"
    assert first["addr_full"].startswith("Level 1, 2 and 3, Overseas Passenger Terminal")
    assert "extras" not in first  # ``opening_hours: {open_now}`` is not opening hours


def test_google_text_search_formatted_address():
    places = places_of("google_text_search.json")
    assert len(places) == 2
    assert places[1]["addr_full"] == "Shop 1/370 Pitt St, Sydney NSW 2000, Australia"
    assert places[1]["name"] == "Chat Thai"


def test_google_geocoding_address_components():
    (place,) = places_of("google_geocoding.json")
    assert place["addr_full"] == "1600 Amphitheatre Parkway, Mountain View, CA 94043, USA"
    assert place["housenumber"] == "1600"
    assert place["street"] == "Amphitheatre Parkway"
    assert place["city"] == "Mountain View"
    assert place["state"] == "CA"
    assert place["postcode"] == "94043"
    assert place["country"] == "US"
    assert (place["lat"], place["lon"]) == (37.4224764, -122.0842499)


def test_yelp_business_search_ignores_region_center():
    places = places_of("yelp_businesses_search.json")
    assert len(places) == 2  # region.center is the search centre, not a place
    place = places[0]
    assert place["name"] == "North India Restaurant"
    assert (place["lat"], place["lon"]) == (37.787789124691, -122.399305736113)
    assert place["street_address"] == "123 Second St"
    assert place["addr_full"] == "123 Second St, San Francisco, CA 94105"
    assert (place["city"], place["state"], place["postcode"]) == ("San Francisco", "CA", "94105")
    assert place["phone"] == "+14153481234"


def test_wp_store_locator_search():
    places = places_of("wpsl_store_search.json")
    assert [place["ref"] for place in places] == ["101", "102", "103"]
    milano, roma, firenze = places
    assert milano["name"] == "Negozio Milano Duomo"
    assert (milano["lat"], milano["lon"]) == (45.464211, 9.191383)  # numeric strings -> floats
    assert milano["postcode"] == "20122"
    assert milano["country"] == "IT"
    assert milano["extras"]["opening_hours_text"] == "Monday 9:00 AM - 7:00 PM; Sunday Closed"
    assert roma["street_address"] == "Via del Corso 123, Galleria Alberto Sordi"
    assert "email" not in roma and "website" not in roma  # empty strings are absent values
    assert firenze["name"] == "Negozio Firenze \u2013 Signoria"  # HTML entity decoded


def test_walmart_like_store_finder():
    places = places_of("walmart_like_store_finder.json")
    assert len(places) == 2  # searchLocation (a postcode's centre) is not a store
    place = places[0]
    assert place["ref"] == "5260"
    assert place["name"] == "Mountain View Supercenter"
    assert place["street_address"] == "600 Showers Dr"
    assert (place["lat"], place["lon"]) == (37.401121, -122.110108)


def test_storepoint_like_full_address_string():
    places = places_of("storepoint_locations.json")
    assert len(places) == 2
    assert places[0]["addr_full"] == "2001 Yonge St, Toronto, ON M4S 1Z9, Canada"
    assert (places[0]["lat"], places[0]["lon"]) == (43.7030531, -79.3978457)


def test_stockist_like_list():
    places = places_of("stockist_locations.json")
    assert [place["name"] for place in places] == ["Bloom & Co.", "Maison Verte"]
    assert places[0]["street_address"] == "14 Market Row, Unit 3"
    assert places[0]["country"] == "GB"
    assert places[0]["website"] == "https://bloom.example"  # a bare host, not a relative path
    assert places[1]["country"] == "FR"


def test_google_my_maps_kml():
    places = places_of("my_maps_export.kml", "application/vnd.google-earth.kml+xml")
    # The route (LineString) and the delivery zone (named polygon) are not places.
    assert [place["name"] for place in places] == ["Crumbs Bakery Haarlem", "Crumbs Bakery Utrecht"]
    haarlem, utrecht = places
    assert (haarlem["lat"], haarlem["lon"]) == (52.3812, 4.6366)  # KML is lon,lat[,alt]
    assert haarlem["street_address"] == "Grote Markt 2"  # ExtendedData in Dutch
    assert (haarlem["postcode"], haarlem["city"]) == ("2011 RD", "Haarlem")
    assert haarlem["phone"] == "023 555 0102"
    assert haarlem["extras"]["description"] == "Open Tue-Sat Grote Markt 2, 2011 RD Haarlem"
    assert utrecht["addr_full"] == "Oudegracht 158, 3511 AZ Utrecht, Netherlands"


def test_newline_delimited_geojson_dump():
    result = extract_api_places((RESPONSES / "osm_shops.geojsonl").read_bytes(), URL, None)
    # One truncated line is reported, not fatal; the repeated feature is kept once;
    # the nameless-address district polygon is not a place, the shop's footprint is.
    assert result.problems == ["invalid_api_ndjson_line"]
    assert [place["ref"] for place in result.places] == ["node/3136521", "node/3136522", "way/100"]
    cafe = result.places[0]
    assert (cafe["lat"], cafe["lon"]) == (52.5163, 13.3777)
    assert (cafe["street"], cafe["housenumber"]) == ("Pariser Platz", "1")
    assert cafe["extras"]["opening_hours_text"] == "Mo-Su 08:00-20:00"
    footprint = result.places[2]
    assert footprint["lat"] == pytest.approx(52.5175)
    assert footprint["lon"] == pytest.approx(13.3885)
