"""OfflineGeocoder is a real geopy geocoder: code written for geopy works unchanged."""

from __future__ import annotations

from geo_fixtures import *  # noqa: F403  (pytest fixtures)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from netcrawl.geocoding.matching import PRECISIONS


def test_is_a_geopy_geocoder(gazetteer_geocoder):
    assert isinstance(gazetteer_geocoder, Geocoder)


def test_geocode_returns_location_with_precision(gazetteer_geocoder):
    location = gazetteer_geocoder.geocode("Lyon, France", exactly_one=True, timeout=5)
    assert isinstance(location, Location)
    assert abs(location.latitude - 45.75) < 0.1 and abs(location.longitude - 4.85) < 0.1
    assert location.raw["precision"] == "city"
    assert location.raw["address"]["country_code"] == "FR"
    assert location.raw["precision"] in PRECISIONS


def test_exactly_one_false_returns_a_list(geocoder):
    locations = geocoder.geocode("Main St, Springfield", exactly_one=False)
    assert isinstance(locations, list) and locations
    assert all(isinstance(loc, Location) for loc in locations)


def test_no_match_is_none_or_empty_list(gazetteer_geocoder):
    assert gazetteer_geocoder.geocode("Qwxzzy Plmkk") is None
    assert gazetteer_geocoder.geocode("Qwxzzy Plmkk", exactly_one=False) == []


def test_structured_dict_query(geocoder):
    location = geocoder.geocode(
        {"street": "121 Elm Street", "city": "Springfield", "state": "IL", "postalcode": "62701"}
    )
    assert location is not None and location.raw["precision"] in ("rooftop", "interpolated")
    assert location.raw["address"]["street"] == "Elm Street"


def test_reverse_accepts_geopy_point_forms(gazetteer_geocoder):
    for query in [(48.8566, 2.3522), "48.8566, 2.3522", Point(48.8566, 2.3522)]:
        location = gazetteer_geocoder.reverse(query)
        assert isinstance(location, Location)
        assert location.raw["address"]["city"] == "Paris"
    listed = gazetteer_geocoder.reverse((48.8566, 2.3522), exactly_one=False)
    assert isinstance(listed, list) and listed[0].raw["address"]["country_code"] == "FR"


def test_works_behind_geopy_rate_limiter(gazetteer_geocoder):
    geocode = RateLimiter(gazetteer_geocoder.geocode, min_delay_seconds=0)
    assert geocode("Paris, France").raw["address"]["country_code"] == "FR"
