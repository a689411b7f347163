"""Keys: every way of writing a street, number or postcode reduces to the same key."""

from __future__ import annotations

import pytest

from netcrawl.geocoding.normalise import name_key, parse_housenumber, postcode_key, street_key


@pytest.mark.parametrize(
    "variants",
    [
        ["Rue de Rivoli", "r. de Rivoli", "RUE DE RIVOLI", "rue Rivoli"],
        ["Boulevard Saint-Germain", "bd St-Germain", "Bd Saint Germain", "boul. st germain"],
        ["Avenue des Champs-Élysées", "av. des Champs-Elysees", "Ave Champs Elysees"],
        ["Hauptstraße", "Hauptstr.", "Haupt Strasse", "hauptstrasse"],
        ["N Main St", "North Main Street", "n. main st."],
        ["Van Baerlestraat", "van Baerlestr.", "Van Baerle straat"],
        ["Eerste Jan Steenstraat", "1e Jan Steenstraat"],
        ["Beethovenlaan", "Beethoven laan"],
    ],
)
def test_street_variants_share_a_key(variants):
    keys = {street_key(v).full for v in variants}
    assert len(keys) == 1, keys


def test_base_key_drops_type_and_directionals():
    assert street_key("N Main St").base == street_key("Main").base == "main"
    assert street_key("Rue de Rivoli").base == "rivoli"


def test_different_streets_differ():
    assert street_key("Main St").full != street_key("Main Ave").full
    assert street_key("N Main St").full != street_key("S Main St").full


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", (12, "")),
        ("12a", (12, "a")),
        ("12 A", (12, "a")),
        ("12-2", (12, "2")),
        ("12 bis", (12, "bis")),
        ("12B", (12, "b")),
        ("abc", None),
        ("", None),
    ],
)
def test_housenumbers(text, expected):
    assert parse_housenumber(text) == expected


def test_postcodes_and_names():
    assert postcode_key("1012 js") == postcode_key("1012JS") == "1012JS"
    assert postcode_key("62701-1234") == "62701"
    assert postcode_key("sw1a 1aa") == "SW1A1AA"
    assert name_key("Saint-Étienne") == name_key("St. Etienne")
    assert name_key("Köln") == "koln"
