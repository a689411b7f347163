"""Country names, codes and inference to ISO 3166-1 alpha-2."""

from __future__ import annotations

import pytest

from netcrawl.normalisation.country import (
    country_from_coordinates,
    country_from_phone,
    country_from_postcode,
    country_from_url,
    infer_country,
    name_to_alpha2,
    to_alpha2,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("Great Britain", "GB"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("Allemagne", "DE"),
        ("Etats-Unis", "US"),
        ("États-Unis", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States of America", "US"),
        ("Estados Unidos", "US"),
        ("Nederland", "NL"),
        ("Holland", "NL"),
        ("the Netherlands", "NL"),
        ("Niederlande", "NL"),
        ("España", "ES"),
        ("Espana", "ES"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Svizzera", "CH"),
        ("Österreich", "AT"),
        ("Osterreich", "AT"),
        ("België", "BE"),
        ("Belgique", "BE"),
        ("Italia", "IT"),
        ("Polska", "PL"),
        ("Česko", "CZ"),
        ("Royaume-Uni", "GB"),
        ("Vereinigtes Königreich", "GB"),
        ("Republic of Korea", "KR"),
        ("South Korea", "KR"),
        ("日本", "JP"),
        ("  deutschland  ", "DE"),
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("gbr", "GB"),
        ("USA", "US"),
        ("276", "DE"),
    ],
)
def test_to_alpha2_names_codes_and_languages(value, expected):
    assert to_alpha2(value) == expected


@pytest.mark.parametrize("value", [None, "", "  ", "Narnia", "XX", "ZZZ", "999", "-"])
def test_to_alpha2_unknown_gives_none(value):
    assert to_alpha2(value) is None


def test_name_to_alpha2_ignores_codes_that_are_often_states():
    assert name_to_alpha2("IL") is None  # Illinois, not Israel
    assert name_to_alpha2("CA") is None  # California, not Canada
    assert name_to_alpha2("Deutschland") == "DE"


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+49 30 901820", "DE"),
        ("0049 30 901820", "DE"),
        ("tel:+44 20 7946 0958", "GB"),
        ("+1 212-555-0143", "US"),
        ("030 901820", None),  # national: no calling code
        ("+999 1234", None),  # not a valid number
        ("", None),
    ],
)
def test_country_from_phone(phone, expected):
    assert country_from_phone(phone) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.de/filialen", "DE"),
        ("https://shop.example.co.uk/stores", "GB"),
        ("http://example.fr", "FR"),
        ("example.nl/winkels", "NL"),
        ("https://example.com/stores", None),
        ("https://example.org", None),
        ("https://startup.io", None),  # vanity ccTLD
        ("https://brand.co", None),
        ("http://127.0.0.1:8000/stores", None),
        ("http://localhost/", None),
        (None, None),
    ],
)
def test_country_from_url(url, expected):
    assert country_from_url(url) == expected


def test_country_from_coordinates_uses_offline_reverse_geocoding():
    assert country_from_coordinates(52.52, 13.405) == "DE"
    assert country_from_coordinates("48.8566", "2.3522") == "FR"
    assert country_from_coordinates(0, 0) is None
    assert country_from_coordinates(95, 10) is None
    assert country_from_coordinates("x", 10) is None


def test_infer_country_order_of_trust():
    # coordinates beat phone and TLD
    place = {
        "lat": 52.52, "lon": 13.405, "phone": "+33 1 42 68 53 00",
        "website": "https://example.nl",
    }
    evidence = infer_country(place)
    assert (evidence.code, evidence.source) == ("DE", "coordinates")
    # phone beats TLD
    evidence = infer_country({"phone": "+33 1 42 68 53 00", "website": "https://example.nl"})
    assert (evidence.code, evidence.source) == ("FR", "phone")
    # a further raw phone in extras counts too
    evidence = infer_country({"phone": "01 42 68 53 00", "extras": {"phones": ["+32 2 555 12 12"]}})
    assert (evidence.code, evidence.source) == ("BE", "phone")
    # the website's TLD beats the page's
    evidence = infer_country(
        {"website": "https://example.at", "source_url": "https://example.de/x"}
    )
    assert (evidence.code, evidence.source) == ("AT", "website")
    evidence = infer_country({"source_url": "https://example.de/x"})
    assert (evidence.code, evidence.source) == ("DE", "source_url")
    # the address's last part when it names a country
    evidence = infer_country({"addr_full": "Dam 1, 1012 JS Amsterdam, Nederland", "lat": 52.52,
                              "lon": 13.405})
    assert (evidence.code, evidence.source) == ("NL", "address")
    # nothing to go by
    assert infer_country({"website": "https://example.com", "phone": "0301234"}) is None
    assert infer_country({"addr_full": "1 Main St, Springfield, IL"}) is None


@pytest.mark.parametrize(
    ("postcode", "state", "expected"),
    [
        ("94086", "CA", "US"),
        ("94086-1234", "California", "US"),
        ("11225", "ny", "US"),
        ("94086", None, None),  # five digits alone: also DE, FR, IT...
        ("10115", "Berlin", None),
        ("K1A 0B1", None, "CA"),
        ("k1a0b1", None, "CA"),
        ("SW1A 1AA", None, "GB"),
        ("ec2a3pe", None, "GB"),
        ("1012 JS", None, "NL"),
        ("1012js", None, "NL"),
        ("75001", None, None),
        ("D02 X285", None, None),
        ("", None, None),
    ],
)
def test_country_from_postcode(postcode, state, expected):
    assert country_from_postcode(postcode, state) == expected


def test_infer_country_postcode_between_coordinates_and_phone():
    evidence = infer_country({"postcode": "94086", "state": "CA", "phone": "+33 1 42 68 53 00"})
    assert (evidence.code, evidence.source) == ("US", "postcode")
    evidence = infer_country({"postcode": "94086", "state": "CA", "lat": 48.8566, "lon": 2.3522})
    assert (evidence.code, evidence.source) == ("FR", "coordinates")
