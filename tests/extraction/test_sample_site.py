"""extract_places on the project's sample site vs its EXPECTED.json (when present)."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLE_SITE

from netcrawl.extraction import extract_places

_COMPARED = (
    "source_format",
    "name",
    "street_address",
    "city",
    "state",
    "postcode",
    "country",
    "lat",
    "lon",
    "phone",
    "email",
)


def _expected() -> dict:
    path = SAMPLE_SITE / "EXPECTED.json"
    if not path.exists():
        pytest.skip(f"sample site not present at {SAMPLE_SITE}")
    return json.loads(path.read_text(encoding="utf-8"))


def test_store_pages_give_exactly_the_expected_places():
    expected = _expected()
    by_page: dict[str, list[dict]] = {}
    for place in expected["places"]:
        by_page.setdefault(place["page"], []).append(place)
    assert by_page
    for page, wanted in by_page.items():
        url = f"http://127.0.0.1:8000/{page}"
        result = extract_places((SAMPLE_SITE / page).read_bytes(), url)
        assert result.problems == [], page
        assert len(result.places) == len(wanted), page
        for got, want in zip(result.places, wanted, strict=True):
            for field in _COMPARED:
                assert got.get(field) == want.get(field), (page, field)
            if "phones" in want:
                assert got["extras"]["phones"] == want["phones"], page
            if isinstance(want.get("opening_hours_raw"), list | str) and not str(
                want["opening_hours_raw"]
            ).startswith(("plain-text", "openingHoursSpecification")):
                assert got["extras"]["openingHours"] == want["opening_hours_raw"], page
            assert got["source_url"] == url


def test_pages_without_places_give_none():
    expected = _expected()
    pages = [p for p in expected.get("pages_without_places", []) if p.endswith(".html")]
    for page in pages:
        path = SAMPLE_SITE / page
        if path.exists():
            assert extract_places(path.read_bytes(), f"http://127.0.0.1/{page}").places == [], page
