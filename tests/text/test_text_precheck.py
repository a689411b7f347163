"""The cheap postcode pre-check must never cost a place the full reading would find."""

from __future__ import annotations

import pytest

import netcrawl.extraction.text as text_extraction
from netcrawl.extraction.text import extract_text_places

# A blog URL and a news heading: not a place page, so only an address can make a place.
URL = "https://shop.example.com/blog/post-12"
PAGES = {
    "au_state_in_full": (
        "<html><body><main><h1>Our news</h1><address>12 George Street<br>"
        "Sydney, New South Wales 2000</address></main><footer>2026</footer></body></html>",
        "2000",
    ),
    "au_parts_in_minified_blocks": (
        "<html><body><main><h1>Our news</h1><div>12 George Street</div><div>Sydney</div>"
        "<div>NSW</div><div>2000</div><a href='tel:+61290000000'>call</a></main></body></html>",
        "2000",
    ),
    "nl_zero_width_space": (
        "<html><body><main><h1>Nieuws</h1><address>Damrak 1<br>1012\u200bAB Amsterdam"
        "</address></main></body></html>",
        None,
    ),
    "gb": (
        "<html><body><main><h1>Our news</h1><address>1 High Street<br>London SW1A 1AA"
        "</address></main></body></html>",
        "SW1A 1AA",
    ),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_precheck_keeps_every_place(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    html, postcode = PAGES[name]
    found = extract_text_places(html, URL).places
    monkeypatch.setattr(text_extraction, "_may_hold_postcode", lambda root: True)
    assert found == extract_text_places(html, URL).places
    assert len(found) == 1
    if postcode is not None:
        assert found[0]["postcode"] == postcode


def test_page_without_postcode_shape_stops_before_reading_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_run(root: object) -> list:
        raise AssertionError("visible_lines ran on a page that cannot hold an address")

    monkeypatch.setattr(text_extraction, "visible_lines", must_not_run)
    html = ("<html><body><main><h1>Our news</h1><p>Opened in 2019 at 12 George Street.</p>"
            "</main><footer>&copy; 2026 Shop</footer></body></html>")
    assert extract_text_places(html, URL).places == []
