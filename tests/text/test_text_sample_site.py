"""Text extraction on the sample site's store pages agrees with their markup.

The store pages carry markup (a crawl never reads their text), which makes them
a ground truth for the text reader: ``data/sample-site/EXPECTED.json`` lists
each page's address as its markup publishes it.
"""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLE_SITE

from netcrawl.extraction.text import extract_text_places


def expected_places() -> list[dict]:
    path = SAMPLE_SITE / "EXPECTED.json"
    if not path.exists():
        pytest.skip("sample site has no EXPECTED.json")
    return json.loads(path.read_text(encoding="utf-8"))["places"]


def test_text_reader_agrees_with_markup_on_store_pages():
    checked = 0
    for expected in expected_places():
        page = SAMPLE_SITE / expected["page"]
        result = extract_text_places(page.read_bytes(), f"http://127.0.0.1:8000/{expected['page']}")
        assert len(result.places) <= 1
        if not result.places:
            continue
        place = result.places[0]
        checked += 1
        assert place["postcode"] == expected["postcode"], expected["page"]
        assert place["street_address"] == expected["street_address"], expected["page"]
        assert place["country"] == expected["country"], expected["page"]
        assert place["name"] == expected["name"], expected["page"]
    # Address layouts the text reader does not cover (JP, ES "Plaza Mayor, 27", a street
    # line after a building name) are skipped rather than guessed.
    assert checked >= 9


def test_text_only_store_page():
    page = SAMPLE_SITE / "stores" / "text-only-edinburgh.html"
    (place,) = extract_text_places(page.read_bytes(), "http://127.0.0.1:8000/stores/x.html").places
    assert place["addr_full"] == "21 Cockburn Street, Edinburgh EH1 1BP, United Kingdom"
    assert (place["lat"], place["lon"]) == (55.9503, -3.1886)
