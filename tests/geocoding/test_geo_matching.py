"""Matching addresses written many ways; interpolation; centroid fallbacks; precision labels."""

from __future__ import annotations

import pytest
from geo_fixtures import *  # noqa: F403  (pytest fixtures)

from netcrawl.geocoding.synthetic import written_queries
from netcrawl.geodesy import haversine_m


def _point(register, street, numeric):
    return next(p for p in register.points if p.street == street and p.numeric == numeric)


def test_written_variants_land_on_the_rooftop(geocoder, register):
    queries = list(written_queries(register.points))
    within = sum(
        1
        for query, point in queries
        if (loc := geocoder.geocode(query)) is not None
        and haversine_m(loc.latitude, loc.longitude, point.lat, point.lon) <= 25
    )
    assert within / len(queries) >= 0.98


@pytest.mark.parametrize(
    "query",
    [
        "107 North Main Street, Springfield, IL 62701",
        "107 N MAIN ST APT 4, SPRINGFIELD, IL",
        "107 n. main st. #5, springfield il",
        "107 N Main St Suite 200, Springfield, Illinois",
        "107 Main St, Springfield",
    ],
)
def test_us_variants(geocoder, register, query):
    point = _point(register, "N Main St", 107)
    location = geocoder.geocode(query)
    assert location.raw["precision"] == "rooftop"
    assert haversine_m(location.latitude, location.longitude, point.lat, point.lon) < 1


@pytest.mark.parametrize(
    "query",
    ["8 r. de Rivoli, 75001 Paris", "8 RUE DE RIVOLI PARIS", "8 rue Rivoli, Paris, France"],
)
def test_french_variants(geocoder, register, query):
    point = _point(register, "Rue de Rivoli", 8)
    location = geocoder.geocode(query)
    assert haversine_m(location.latitude, location.longitude, point.lat, point.lon) < 1


def test_french_bis_and_dutch_suffixes(geocoder, register):
    bis = _point(register, "Boulevard Saint-Germain", 23)
    assert bis.number == "23 bis"
    location = geocoder.geocode("23 bis bd St-Germain, 75002 Paris")
    assert haversine_m(location.latitude, location.longitude, bis.lat, bis.lon) < 1
    letter = _point(register, "Damrak", 17)
    for query in [
        "Damrak 17a, 1011 AA Amsterdam",
        "Damrak 17 A, 1011AA Amsterdam",
        "damrak 17a amsterdam",
    ]:
        location = geocoder.geocode(query)
        assert haversine_m(location.latitude, location.longitude, letter.lat, letter.lon) < 1
    addition = _point(register, "Kerkstraat", 12)
    location = geocoder.geocode("Kerkstr. 12-2, Amsterdam")
    assert location.raw["precision"] == "rooftop"
    assert haversine_m(location.latitude, location.longitude, addition.lat, addition.lon) < 1


def test_withheld_numbers_are_interpolated(geocoder, register):
    assert register.withheld
    for point in register.withheld:
        location = geocoder.geocode(
            {
                "street": f"{point.number} {point.street}",
                "city": point.city,
                "postalcode": point.postcode,
            }
        )
        assert location.raw["precision"] == "interpolated", point
        assert haversine_m(location.latitude, location.longitude, point.lat, point.lon) < 100


def test_interpolation_keeps_the_side_of_the_street(geocoder, register):
    # US streets number odd on one side, even on the other; 108 sits between 104 and 112.
    even = [p for p in register.points if p.street == "Elm Street" and p.numeric % 2 == 0]
    lo, hi = even[3], even[4]
    missing = (lo.numeric + hi.numeric) // 2
    if missing % 2:
        missing += 1
    if missing >= hi.numeric:
        pytest.skip("no even gap")
    location = geocoder.geocode(f"{missing} Elm St, Springfield, IL")
    mid_lat, mid_lon = (lo.lat + hi.lat) / 2, (lo.lon + hi.lon) / 2
    # Same side: close to the midpoint of the even neighbours, 24 m from the odd side.
    assert haversine_m(location.latitude, location.longitude, mid_lat, mid_lon) < 8


def test_street_postcode_city_fallbacks(geocoder):
    street = geocoder.geocode("Prinsengracht, Amsterdam")
    assert street.raw["precision"] == "street"
    postcode = geocoder.geocode("62702")
    assert postcode.raw["precision"] == "postcode"
    assert postcode.raw["address"]["country_code"] == "US"
    assert geocoder.geocode("Nowhere Street 5, 75001 Paris").raw["precision"] == "postcode"
    city = geocoder.geocode("Unknown Road 5, Lyon, France")
    assert city.raw["precision"] == "city" and city.raw["address"]["city"] == "Lyon"
    region = geocoder.geocode("Bavaria, Germany")
    assert region.raw["precision"] == "region"
    country = geocoder.geocode("Portugal")
    assert country.raw["precision"] == "country" and country.raw["address"]["country_code"] == "PT"


def test_same_street_name_in_another_town_is_not_taken(geocoder):
    # There is a Damrak in the index, in Amsterdam; "Damrak 3, Rotterdam" is not it.
    location = geocoder.geocode("Damrak 3, Rotterdam, Netherlands")
    assert location.raw["precision"] == "city" and location.raw["address"]["city"] == "Rotterdam"


def test_reverse_finds_the_nearest_imported_address(geocoder, register):
    point = _point(register, "Damrak", 40)
    location = geocoder.reverse((point.lat + 0.00003, point.lon))
    address = location.raw["address"]
    assert location.raw["precision"] == "rooftop"
    assert (address["street"], address["housenumber"]) == ("Damrak", "40")
    assert address["postcode"] == point.postcode
