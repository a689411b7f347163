"""Address cleaning, street line split, postcode formats and addr_full composition."""

from __future__ import annotations

import pytest

from netcrawl.normalisation.address import (
    clean_text,
    compose_addr_full,
    format_postcode,
    normalise_address,
    split_street_address,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Caf&eacute; &amp;amp; Bar ,  ", "Café & Bar"),
        ("12 Main St<br/>Springfield", "12 Main St, Springfield"),
        ("<span>Main St</span> , , Springfield;", "Main St, Springfield"),
        ("Rue\u00a0de\u00a0Rivoli", "Rue de Rivoli"),
        (",  - Hauptstraße 1 -", "Hauptstraße 1"),
        ("A,B", "A, B"),
        ("   ", None),
        (None, None),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("street_address", "country", "expected"),
    [
        # number first, US through usaddress
        ("123 Main St Suite 5", "US", ("123", "Main St")),
        ("1600 Pennsylvania Ave NW", "US", ("1600", "Pennsylvania Ave NW")),
        ("350 Fifth Avenue", "US", ("350", "Fifth Avenue")),
        # number first, rules
        ("10 Downing Street", "GB", ("10", "Downing Street")),
        ("221B Baker Street", "GB", ("221B", "Baker Street")),
        ("12 bis rue de Rivoli", "FR", ("12 bis", "rue de Rivoli")),
        ("12-14 Rue de la Paix", "FR", ("12-14", "Rue de la Paix")),
        ("12 \u2013 14 Rue de la Paix", "FR", ("12-14", "Rue de la Paix")),
        ("5, avenue Anatole France", "FR", ("5", "avenue Anatole France")),
        ("100 Queen St W", "CA", ("100", "Queen St W")),
        ("1 Martin Place", "AU", ("1", "Martin Place")),
        # number last
        ("Hauptstraße 12a", "DE", ("12a", "Hauptstraße")),
        ("Hauptstr. 12 a", "DE", ("12 a", "Hauptstr.")),
        ("Keizersgracht 123-125", "NL", ("123-125", "Keizersgracht")),
        ("Kalverstraat 92 A", "NL", ("92 A", "Kalverstraat")),
        ("Calle Mayor, 5", "ES", ("5", "Calle Mayor")),
        ("Via Roma 10", "IT", ("10", "Via Roma")),
        ("Bahnhofstrasse 1", "CH", ("1", "Bahnhofstrasse")),
        ("Mariahilfer Straße 77/79", "AT", ("77/79", "Mariahilfer Straße")),
        ("ul. Marszałkowska 10/12", "PL", ("10/12", "ul. Marszałkowska")),
        ("Rue Neuve 123", "BE", ("123", "Rue Neuve")),
        ("Drottninggatan 5", "SE", ("5", "Drottninggatan")),
        # no country: only an unambiguous form is split
        ("Hauptstraße 12a", None, ("12a", "Hauptstraße")),
        ("5 Avenue Anatole France", None, ("5", "Avenue Anatole France")),
    ],
)
def test_split_street_address(street_address, country, expected):
    assert split_street_address(street_address, country) == expected


@pytest.mark.parametrize(
    ("street_address", "country"),
    [
        ("Main Street", "US"),  # no number
        ("Flat 3, 10 Downing St", "GB"),  # not the simple form: left whole
        ("Unit 4 Retail Park", "GB"),
        ("Hauptstraße 12a", "GB"),  # form contradicts the country
        ("10 Downing Street", "DE"),
        ("10 Strada 5", None),  # number on both sides and no country: ambiguous
        ("", "DE"),
    ],
)
def test_split_street_address_declines(street_address, country):
    assert split_street_address(street_address, country) is None


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("sw1a 1aa", "GB", "SW1A 1AA"),
        ("SW1A1AA", "GB", "SW1A 1AA"),
        ("ec1a1bb", "GB", "EC1A 1BB"),
        ("m1 1ae", "GB", "M1 1AE"),
        ("1012js", "NL", "1012 JS"),
        ("1012 js", "NL", "1012 JS"),
        ("k1a0b1", "CA", "K1A 0B1"),
        ("d02x285", "IE", "D02 X285"),
        ("11455", "SE", "114 55"),
        ("00950", "PL", "00-950"),
        ("1000001", "JP", "100-0001"),
        ("627041234", "US", "62704-1234"),
        ("62704", "US", "62704"),
        ("10115", "DE", "10115"),
        ("not a code", "GB", "NOT A CODE"),  # unknown form: upper case only
        ("ab12", None, "AB12"),
        ("", "GB", None),
    ],
)
def test_format_postcode(raw, country, expected):
    assert format_postcode(raw, country) == expected


def test_compose_addr_full_in_the_country_order():
    assert compose_addr_full(
        {"street": "Hauptstraße", "housenumber": "12a", "postcode": "10115", "city": "Berlin",
         "country": "DE"}
    ) == "Hauptstraße 12a, 10115 Berlin"
    assert compose_addr_full(
        {"street_address": "1600 Pennsylvania Ave NW", "city": "Washington", "state": "DC",
         "postcode": "20500", "country": "US"}
    ) == "1600 Pennsylvania Ave NW, Washington, DC 20500"
    assert compose_addr_full(
        {"street": "Downing Street", "housenumber": "10", "city": "London",
         "postcode": "SW1A 2AA", "country": "GB"}
    ) == "10 Downing Street, London, SW1A 2AA"
    assert compose_addr_full(
        {"street_address": "12 rue de Rivoli", "postcode": "75004", "city": "Paris",
         "country": "FR"}
    ) == "12 rue de Rivoli, 75004 Paris"
    assert compose_addr_full({"city": "Berlin", "postcode": "10115"}) is None  # no street
    assert compose_addr_full({}) is None


def test_normalise_address_returns_only_changes():
    changes = normalise_address(
        {"name": " Boulangerie &amp; Café ", "street_address": "12 bis rue de Rivoli",
         "postcode": "75004", "city": "Paris ", "country": "FR"}
    )
    assert changes == {
        "name": "Boulangerie & Café",
        "city": "Paris",
        "housenumber": "12 bis",
        "street": "rue de Rivoli",
        "addr_full": "12 bis rue de Rivoli, 75004 Paris",
    }
    # an addr_full given by the page is kept; existing parts are not re-split
    changes = normalise_address(
        {"addr_full": "Dam 1, Amsterdam", "street_address": "Dam 1", "housenumber": "1",
         "street": "Dam", "postcode": "1012js", "country": "NL"}
    )
    assert changes == {"postcode": "1012 JS"}
