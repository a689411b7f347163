"""extract_places on real pages from extruct's sample set (shared fixtures)."""

from __future__ import annotations

import json

import pytest
from conftest import shared_fixture
from scrapy.http import HtmlResponse

from netcrawl.extraction import extract_places
from netcrawl.normalisation.country import to_alpha2

SAMPLES = ("extruct-samples",)


def _response(path, url="https://example.com/page.html") -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes())


def test_localbusiness_restaurant_microdata():
    path = shared_fixture(*SAMPLES, "schema.org", "LocalBusiness.002.html")
    result = extract_places(_response(path, "https://www.example.com/restaurants/greatfood.html"))
    assert result.problems == []
    assert result.places == [
        {
            "ref": "greatfood",
            "name": "GreatFood",
            "street_address": "1901 Lemur Ave",
            "city": "Sunnyvale",
            "state": "CA",
            "postcode": "94086",
            "phone": "(408) 714-1489",
            "website": "http://www.dishdash.com",
            "source_url": "https://www.example.com/restaurants/greatfood.html",
            "source_format": "microdata",
            "extras": {
                "openingHours": ["Mo-Sa 11:00-14:30", "Mo-Th 17:00-21:30", "Fr-Sa 17:00-22:00"],
                "@type": "Restaurant",
            },
        }
    ]


def test_event_venue_without_name_resolves_url():
    path = shared_fixture(*SAMPLES, "schema.org", "Event.001.html")
    places = extract_places(path.read_bytes(), "https://tickets.example/nba/game3.html").places
    assert places == [
        {
            "ref": "game3",
            "city": "Philadelphia",
            "state": "PA",
            "website": "https://tickets.example/nba/wells-fargo-center.html",
            "source_url": "https://tickets.example/nba/game3.html",
            "source_format": "microdata",
            "extras": {"@type": "Place"},
        }
    ]


@pytest.mark.parametrize("name", ["Event.003.html", "Event.004.html"])
def test_event_venue_place(name):
    path = shared_fixture(*SAMPLES, "schema.org", name)
    places = extract_places(path.read_bytes(), "https://example.com/e").places
    assert len(places) == 1
    venue = places[0]
    assert (venue["name"], venue["street_address"], venue["city"], venue["state"]) == (
        "The Hi-Dive",
        "7 S. Broadway",
        "Denver",
        "CO",
    )
    assert venue["postcode"] == "80209"


def test_event_venue_with_one_line_address():
    path = shared_fixture(*SAMPLES, "schema.org", "Event.008.html")
    places = extract_places(path.read_bytes(), "https://example.com/globe").places
    assert [(p["name"], p["addr_full"], p["extras"]["@type"]) for p in places] == [
        ("Shakespeare's Globe", "London, UK", "PerformingArtsTheater")
    ]
    assert "street_address" not in places[0] and "city" not in places[0]


def test_pages_without_places_give_none():
    # An invoice whose broker has only a name, a music group, an organisation-less
    # action: no address and no coordinates anywhere, so no place.
    for name in ("LocalBusiness.003.html", "Event.002.html", "CreativeWork.001.html"):
        path = shared_fixture(*SAMPLES, "schema.org", name)
        assert extract_places(path.read_bytes(), "https://example.com/x").places == [], name


def test_null_jsonld_blocks_and_localbusiness():
    path = shared_fixture(*SAMPLES, "misc", "null_ld_mock.html")
    result = extract_places(_response(path, "https://example.com/biz/some-name"))
    assert result.problems == []
    assert result.places == [
        {
            "ref": "some-name",
            "name": "Some Name Goes Here",
            "street_address": "123 Munroe Hwy",
            "city": "Tacoma, Georgia",
            "state": "Georgia",
            "postcode": "52342",
            "source_url": "https://example.com/biz/some-name",
            "source_format": "jsonld",
            "extras": {"@type": "LocalBusiness"},
        }
    ]


def test_broken_jsonld_samples_do_not_crash():
    folder = shared_fixture(*SAMPLES, "custom.invalid")
    pages = sorted(folder.glob("*.html"))
    assert len(pages) >= 4
    for page in pages:
        result = extract_places(page.read_bytes(), f"https://example.com/{page.stem}")
        # All of them are repairable (comments, control characters): none is lost.
        assert result.problems == [], page.name
        assert result.places == [], page.name


def _songkick_locations(expected_path) -> dict[str, dict]:
    """Distinct venues of extruct's expected JSON-LD output, keyed by name."""
    items = json.loads(expected_path.read_text(encoding="utf-8"))["items"]
    events = [event for item in items for event in (item if isinstance(item, list) else [item])]
    venues: dict[str, dict] = {}
    for event in events:
        location = event["location"]
        known = venues.setdefault(location["name"], dict(location))
        if location.get("geo") and not known.get("geo"):
            known["geo"] = location["geo"]
    return venues


def test_songkick_gigography_all_venues_exact():
    folder = shared_fixture(*SAMPLES, "songkick")
    html = folder / "Maxïmo Park Gigography, Tour History & Past Concerts.html"
    url = "https://www.songkick.com/artists/123-maximo-park/gigography"
    result = extract_places(_response(html, url))
    expected = _songkick_locations(
        folder / "Maxïmo Park Gigography, Tour History & Past Concerts.jsonld"
    )
    assert result.problems == []
    assert len(result.places) == len(expected) == 45
    with_geo = sum(1 for venue in expected.values() if venue.get("geo"))
    assert sum(1 for place in result.places if "lat" in place) == with_geo == 40
    assert len({place["ref"] for place in result.places}) == 45
    for place in result.places:
        venue = expected[place["name"]]
        address = venue["address"]
        assert place["city"] == address["addressLocality"]
        assert place["country"] == to_alpha2(address["addressCountry"])
        assert place.get("street_address") == address.get("streetAddress")
        assert place.get("postcode") == address.get("postalCode")
        if venue.get("geo"):
            assert place["lat"] == float(venue["geo"]["latitude"])
            assert place["lon"] == float(venue["geo"]["longitude"])
        else:
            assert "lat" not in place
        assert place["source_format"] == "jsonld"
        assert place["ref"].startswith("gigography#")
    by_name = {place["name"]: place for place in result.places}
    assert by_name["O2 Academy Newcastle"]["country"] == "GB"
    assert by_name["O2 Academy Newcastle"]["city"] == "Newcastle Upon Tyne"


def test_songkick_single_event_venue_exact():
    folder = shared_fixture(*SAMPLES, "songkick")
    html = folder / "Elysian Fields Brooklyn Tickets, The Owl Music Parlor, 31 Oct 2015.html"
    url = "https://www.songkick.com/concerts/30173984-elysian-fields-at-owl-music-parlor"
    assert extract_places(_response(html, url)).places == [
        {
            "ref": "30173984-elysian-fields-at-owl-music-parlor",
            "name": "The Owl Music Parlor",
            "street_address": "497 Rogers Ave",
            "city": "Brooklyn",
            "state": "NY",
            "postcode": "11225",
            "country": "US",
            "lat": 40.660109,
            "lon": -73.953193,
            "source_url": url,
            "source_format": "jsonld",
            "extras": {"@type": "Place"},
        }
    ]


@pytest.mark.parametrize(
    "name",
    [
        "Years & Years Tickets, Tour Dates 2015 & Concerts.html",
        "elysianfields.html",
        "elysianfields_1.html",
        "tovestyrke.html",
        "jsonld_empty_item_test.html",
    ],
)
def test_songkick_pages_match_expected_venues(name):
    folder = shared_fixture(*SAMPLES, "songkick")
    places = extract_places((folder / name).read_bytes(), "https://example.com/x").places
    expected_file = folder / (name[:-5] + ".jsonld")
    if not expected_file.exists():
        expected_file = folder / (name[:-5] + ".json")
    data = json.loads(expected_file.read_text(encoding="utf-8"))
    items = data.get("items", data.get("json-ld", [])) if isinstance(data, dict) else data
    events = [event for item in items for event in (item if isinstance(item, list) else [item])]
    names = {
        event["location"]["name"]
        for event in events
        if isinstance(event.get("location"), dict) and event["location"].get("address")
    }
    assert {place["name"] for place in places} == names
    assert len(places) == len(names)


def test_every_fixture_record_honours_the_place_contract():
    from netcrawl.items import PLACE_FIELDS, SOURCE_FORMATS

    root = shared_fixture()
    pages = sorted(root.glob("extruct-samples/**/*.html")) + sorted(
        root.glob("microformats-tests/**/*.html")
    )
    assert len(pages) >= 98
    seen = 0
    for page in pages:
        for place in extract_places(page.read_bytes(), "https://example.com/p").places:
            seen += 1
            assert set(place) <= set(PLACE_FIELDS), page
            assert all(value not in (None, "", [], {}) for value in place.values()), page
            assert place["source_format"] in SOURCE_FORMATS
            assert "spider" not in place
            if "lat" in place:
                assert isinstance(place["lat"], float) and isinstance(place["lon"], float)
            if "country" in place:
                assert len(place["country"]) == 2 and place["country"].isupper()
    assert seen >= 60
