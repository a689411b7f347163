"""The gazetteer alone (nothing imported): reverse country/town, forward towns and regions."""

from __future__ import annotations

import numpy as np
import pytest
from geo_fixtures import *  # noqa: F403  (pytest fixtures)

import netcrawl.geocoding as geocoding
from netcrawl.geodesy import haversine_m

WELL_KNOWN = [
    # lat, lon, town, country
    (48.8584, 2.2945, "Paris", "FR"),
    (40.7484, -73.9857, "New York City", "US"),
    (51.5007, -0.1246, "London", "GB"),
    (52.5163, 13.3777, "Berlin", "DE"),
    (35.6586, 139.7454, "Tokyo", "JP"),
    (-33.8568, 151.2153, "Sydney", "AU"),
    (41.8902, 12.4922, "Rome", "IT"),
    (52.3731, 4.8926, "Amsterdam", "NL"),
    (43.6426, -79.3871, "Toronto", "CA"),
    (-22.9519, -43.2105, "Rio de Janeiro", "BR"),
    (39.8017, -89.6437, "Springfield", "US"),
    (45.7640, 4.8357, "Lyon", "FR"),
    # Border towns: the nearest populated place is across the border for a careless index.
    (48.5734, 7.7521, "Strasbourg", "FR"),
    (48.5667, 7.8167, "Kehl", "DE"),
]


@pytest.mark.parametrize(("lat", "lon", "town", "country"), WELL_KNOWN)
def test_reverse_town_and_country(gazetteer_geocoder, lat, lon, town, country):
    location = gazetteer_geocoder.reverse((lat, lon))
    assert location.raw["address"]["city"] == town
    assert location.raw["address"]["country_code"] == country
    assert location.raw["precision"] == "city"


def test_reverse_batch_matches_single_queries(gazetteer_geocoder):
    lats = np.array([p[0] for p in WELL_KNOWN])
    lons = np.array([p[1] for p in WELL_KNOWN])
    batch = gazetteer_geocoder.reverse_batch(lats, lons)
    assert list(batch.city) == [p[2] for p in WELL_KNOWN]
    assert list(batch.country_code) == [p[3] for p in WELL_KNOWN]
    assert batch.records()[0]["city"] == "Paris"
    assert list(gazetteer_geocoder.reverse_country_batch(lats, lons)) == [p[3] for p in WELL_KNOWN]


def test_reverse_country_helper(gazetteer_db, monkeypatch):
    monkeypatch.setattr(geocoding, "_SHARED", {})
    monkeypatch.setattr(geocoding, "_DEFAULT_DB", None)
    geocoding.set_default_index(gazetteer_db)
    assert geocoding.reverse_country(48.8584, 2.2945) == "FR"
    assert geocoding.reverse_country("52.37", "4.89") == "NL"
    assert geocoding.reverse_country(91, 0) is None
    assert geocoding.reverse_country(None, 0) is None
    assert list(geocoding._SHARED) == [str(gazetteer_db)]  # one index, loaded once


@pytest.mark.parametrize(
    ("query", "lat", "lon", "country"),
    [
        ("Springfield, IL, US", 39.80, -89.64, "US"),
        ("Springfield, Missouri", 37.22, -93.30, "US"),
        ("Lyon", 45.75, 4.85, "FR"),
        ("Lyon, France", 45.75, 4.85, "FR"),
        ("London", 51.51, -0.13, "GB"),
        ("London, ON", 42.98, -81.23, "CA"),
        ("London, Ontario, Canada", 42.98, -81.23, "CA"),
        ("Sydney, NSW", -33.87, 151.21, "AU"),
        ("Köln", 50.94, 6.96, "DE"),
        ("Cologne, Germany", 50.94, 6.96, "DE"),
        ("Saint-Étienne", 45.43, 4.39, "FR"),
        ("St. Etienne, France", 45.43, 4.39, "FR"),
        ("Den Haag", 52.08, 4.30, "NL"),
        ("Portland, OR", 45.52, -122.68, "US"),
        ("Portland, Maine", 43.66, -70.25, "US"),
    ],
)
def test_forward_town_region_country(gazetteer_geocoder, query, lat, lon, country):
    location = gazetteer_geocoder.geocode(query)
    assert location.raw["address"]["country_code"] == country
    assert haversine_m(location.latitude, location.longitude, lat, lon) < 10_000
