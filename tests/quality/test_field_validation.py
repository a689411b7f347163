"""Coordinates, e-mail and URL validation, and the location requirement."""

from __future__ import annotations

import math

import pytest

from netcrawl.geocoding import reverse_country
from netcrawl.quality.validation import (
    check_contacts,
    check_coordinates,
    has_location,
    normalise_email,
    normalise_url,
)


def test_valid_coordinates_pass_and_strings_become_floats():
    outcome = check_coordinates({"lat": "52,52", "lon": "13.405", "country": "DE"}, reverse_country)
    assert outcome.updates == {"lat": 52.52, "lon": 13.405}
    assert outcome.removals == [] and outcome.events == []
    outcome = check_coordinates({"lat": 52.52, "lon": 13.405, "country": "DE"}, reverse_country)
    assert (outcome.updates, outcome.removals, outcome.events) == ({}, [], [])


def test_no_coordinates_nothing_to_check():
    outcome = check_coordinates({"name": "x"})
    assert (outcome.updates, outcome.removals, outcome.events) == ({}, [], [])


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        (0, 0, "null_island"),
        (0.0, 0.0, "null_island"),
        (120, 200, "out_of_range"),
        (45, 181, "out_of_range"),
        ("abc", 10, "not_numeric"),
        (None, 10, "not_numeric"),
        (float("nan"), 10, "not_numeric"),
        (True, 10, "not_numeric"),
    ],
)
def test_invalid_coordinates_move_to_extras(lat, lon, reason):
    outcome = check_coordinates({"lat": lat, "lon": lon, "geo_source": "page"})
    assert outcome.removals == ["lat", "lon", "geo_source", "geo_precision"]
    assert outcome.events == [f"coordinates_{reason}"]
    invalid = outcome.extras["coordinates_invalid"]
    assert invalid["reason"] == reason
    if isinstance(lat, float) and math.isnan(lat):
        assert invalid["lat"] == "nan"  # JSON cannot carry NaN


def test_latitude_out_of_range_is_swapped():
    outcome = check_coordinates({"lat": 151.21, "lon": -33.87})
    assert outcome.updates == {"lat": -33.87, "lon": 151.21}
    assert outcome.events == ["coordinates_swapped"]
    assert outcome.extras["coordinates_swapped"] == {"lat": 151.21, "lon": -33.87}


def test_swapped_coordinates_detected_against_the_country():
    # Berlin published as (13.405, 52.52): in range, but in Yemen; exchanged it is in DE.
    outcome = check_coordinates({"lat": 13.405, "lon": 52.52, "country": "DE"}, reverse_country)
    assert outcome.updates == {"lat": 52.52, "lon": 13.405}
    assert outcome.events == ["coordinates_swapped"]
    # Same numbers for a place in Yemen: left alone.
    outcome = check_coordinates({"lat": 13.405, "lon": 52.52, "country": "YE"}, reverse_country)
    assert outcome.events == []
    # Without a country nothing can be decided.
    outcome = check_coordinates({"lat": 13.405, "lon": 52.52}, reverse_country)
    assert outcome.events == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("info@example.com", "info@example.com"),
        ("mailto:Info@Example.COM?subject=Hi", "Info@example.com"),
        (" <shop@example.co.uk>. ", "shop@example.co.uk"),
        ("first.last+tag@sub.example.de", "first.last+tag@sub.example.de"),
        ("bad@", None),
        ("no at sign", None),
        ("a@b.c", None),
        ("a..b@example.com", None),
        ("info@example", None),
        ("info at example dot com", None),
        (None, None),
    ],
)
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://Example.com/Path?a=1", "https://example.com/Path?a=1"),
        ("HTTP://www.example.de", "http://www.example.de"),
        ("www.example.de/filiale", "https://www.example.de/filiale"),
        ("//cdn.example.com/x", "https://cdn.example.com/x"),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/a"),
        ("https://münchen.de/x", "https://münchen.de/x"),
        ("example", None),
        ("javascript:void(0)", None),
        ("mailto:x@example.com", None),
        ("http://exa mple.com", None),
        ("http://-bad-.com", None),
        ("https://example.com:99999/", None),
        ("ftp://example.com/file", None),
        ("", None),
    ],
)
def test_normalise_url(raw, expected):
    assert normalise_url(raw) == expected


def test_check_contacts_moves_invalid_values_with_reasons():
    outcome = check_contacts({"email": "nope", "website": "javascript:void(0)"})
    assert outcome.removals == ["email", "website"]
    assert outcome.extras == {
        "email_invalid": {"value": "nope", "reason": "malformed"},
        "website_invalid": {"value": "javascript:void(0)", "reason": "malformed"},
    }
    assert outcome.events == ["email_invalid", "website_invalid"]
    outcome = check_contacts({"email": "mailto:a@example.com", "website": "www.example.com"})
    assert outcome.updates == {"email": "a@example.com", "website": "https://www.example.com"}
    assert outcome.removals == []


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ({"name": "x", "city": "Berlin"}, True),
        ({"addr_full": "Dam 1, Amsterdam"}, True),
        ({"postcode": "10115"}, True),
        ({"street": "Hauptstraße"}, True),
        ({"lat": 52.5, "lon": 13.4}, True),
        ({"name": "Person only", "phone": "+4930901820"}, False),
        ({"name": "x", "city": "  "}, False),
        ({"lat": 52.5}, False),
    ],
)
def test_has_location(place, expected):
    assert has_location(place) is expected
