"""Phone numbers to E.164."""

from __future__ import annotations

import pytest

from netcrawl.normalisation.phone import normalise_phones


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("030 901820", "DE", "+4930901820"),
        ("+49 (0)30 901820", None, "+4930901820"),
        ("0049 30 901820", None, "+4930901820"),
        ("Tel.: 030 901820", "DE", "+4930901820"),
        ("tel:+1-212-555-0143", None, "+12125550143"),
        ("(212) 555-0143", "US", "+12125550143"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("01 42 68 53 00", "FR", "+33142685300"),
        ("+1 212 555 0143 ext. 12", "US", "+12125550143"),
        ("020-624 1111", "NL", "+31206241111"),
    ],
)
def test_single_numbers_to_e164(raw, country, expected):
    result = normalise_phones([raw], country)
    assert result.valid == [expected]
    assert result.first == expected
    assert result.invalid == [] and result.unresolved == []


def test_several_numbers_in_one_string_and_in_a_list():
    result = normalise_phones(["+44 20 7946 0958 / +44 20 7946 0959"], "GB")
    assert result.valid == ["+442079460958", "+442079460959"]
    result = normalise_phones(["020 7946 0958 or 020 7946 0959"], "GB")
    assert result.valid == ["+442079460958", "+442079460959"]
    result = normalise_phones(["030 901820", "+49 30 901820", "089 123456"], "DE")
    assert result.valid == ["+4930901820", "+4989123456"]  # repeats kept once


def test_invalid_numbers_are_kept_raw_never_invented():
    result = normalise_phones(["12345", "call us", " 0800 ", "+999 1234"], "GB")
    assert result.valid == []
    assert result.invalid == ["12345", "call us", "0800", "+999 1234"]


def test_national_number_without_country_is_unresolved():
    result = normalise_phones(["(212) 555-0143", "+49 30 901820"], None)
    assert result.valid == ["+4930901820"]
    assert result.unresolved == ["(212) 555-0143"]
    assert result.invalid == []


def test_empty_values_are_ignored():
    result = normalise_phones(["", None, "   "], "DE")
    assert (result.valid, result.invalid, result.unresolved) == ([], [], [])
