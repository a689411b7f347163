"""Parsing addresses as people write them (US, French, Dutch layouts)."""

from __future__ import annotations

from netcrawl.geocoding.parsing import parse_query


def test_us_address_with_unit_and_zip():
    q = parse_query("123 N Main St Apt 4, Springfield, IL 62701")
    assert (q.housenumber, q.street, q.unit) == ("123", "N Main St", "4")
    assert (q.postcode, q.city, q.hints) == ("62701", "Springfield", ["IL"])


def test_french_repetition_index_and_postcode_before_city():
    q = parse_query("12 bis r. de Rivoli, 75001 Paris")
    assert (q.housenumber, q.street, q.postcode, q.city) == (
        "12 bis",
        "r. de Rivoli",
        "75001",
        "Paris",
    )
    assert q.number == (12, "bis")


def test_dutch_number_after_street_and_addition():
    q = parse_query("Damrak 12-2, 1012 JS Amsterdam")
    assert (q.housenumber, q.street, q.postcode, q.city) == (
        "12-2",
        "Damrak",
        "1012 JS",
        "Amsterdam",
    )
    assert q.number == (12, "2")
    q = parse_query("Damrak 12a 1012JS Amsterdam")
    assert (q.housenumber, q.street, q.postcode) == ("12a", "Damrak", "1012JS")


def test_ordinal_street_name_is_not_the_number():
    q = parse_query("1e Jan Steenstraat 12, Amsterdam")
    assert (q.housenumber, q.street) == ("12", "1e Jan Steenstraat")


def test_no_commas_us():
    q = parse_query("123 Main St Springfield IL 62701")
    assert (q.housenumber, q.street, q.postcode, q.city) == (
        "123",
        "Main St",
        "62701",
        "Springfield",
    )
    assert q.hints == ["IL"]


def test_country_and_ambiguous_state_codes():
    q = parse_query("Lyon, France")
    assert (q.city, q.country) == ("Lyon", "FR")
    q = parse_query("Springfield, IL")  # Illinois, not Israel
    assert q.country is None and q.hints == ["IL"]
    q = parse_query("Springfield, IL, US")
    assert q.country == "US" and "IL" in q.hints


def test_structured_query():
    q = parse_query({"street": "12 Main St", "city": "X", "postalcode": "62701", "country": "USA"})
    assert (q.housenumber, q.street, q.city, q.postcode, q.country) == (
        "12",
        "Main St",
        "X",
        "62701",
        "US",
    )


def test_number_and_unit_as_their_own_parts():
    q = parse_query("12, rue de Rivoli, 75004 Paris")
    assert (q.housenumber, q.street, q.postcode, q.city) == (
        "12",
        "rue de Rivoli",
        "75004",
        "Paris",
    )
    for text, street in [
        ("123 Main St., Suite 100, Springfield, IL", "Main St."),
        ("123 Main St, #5, Springfield, IL", "Main St"),
    ]:
        q = parse_query(text)
        assert (q.housenumber, q.street, q.city, q.hints) == ("123", street, "Springfield", ["IL"])


def test_place_name_before_the_address():
    q = parse_query("Copperleaf Coffee, 350 Fifth Avenue, New York, NY 10118")
    assert (q.housenumber, q.street, q.city, q.postcode) == (
        "350",
        "Fifth Avenue",
        "New York",
        "10118",
    )
