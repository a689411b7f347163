"""Response classification (HTML, API, binary) and charset repair."""

from __future__ import annotations

import pytest
from scrapy.http import Headers, HtmlResponse
from scrapy.responsetypes import responsetypes

from netcrawl.discovery.content import (
    ResponseKind,
    as_html_response,
    classify,
    repair_encoding,
    sniff_binary,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452")


def _response(body: bytes, content_type: str | None, url: str = "http://x.example/a"):
    headers = Headers({"Content-Type": content_type}) if content_type else Headers()
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url, body=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "ctype", "kind", "problem"),
    [
        (b"<!DOCTYPE html><html></html>", "text/html; charset=utf-8", ResponseKind.HTML, None),
        (b"<html><body>x</body></html>", None, ResponseKind.HTML, None),
        (b"<!doctype html><p>x", "application/octet-stream", ResponseKind.HTML, "mislabelled_html"),
        (b"<html><p>x</p></html>", "application/json", ResponseKind.HTML, "mislabelled_html"),
        (PNG, "text/html", ResponseKind.BINARY, "binary_content"),
        (PNG, "image/png", ResponseKind.BINARY, "binary_content"),
        (b"%PDF-1.7\n...", "text/html", ResponseKind.BINARY, "binary_content"),
        (b"PK\x03\x04rest", "application/octet-stream", ResponseKind.BINARY, "binary_content"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "text/html", ResponseKind.BINARY, "binary_content"),
        (b"abc\x00\x01\x02def", "text/html", ResponseKind.BINARY, "binary_content"),
        (b'{"stores": []}', "application/json", ResponseKind.API, None),
        (b'{"type": "FeatureCollection"}', "application/geo+json", ResponseKind.API, None),
        (b"<kml/>", "application/vnd.google-earth.kml+xml", ResponseKind.API, None),
        (b'[{"id": 1}]', "text/plain", ResponseKind.API, None),
        (b"body { color: red }", "text/css", ResponseKind.OTHER, "unexpected_type"),
        (b"hello", "text/plain", ResponseKind.OTHER, "unexpected_type"),
    ],
)
def test_classify(body, ctype, kind, problem):
    check = classify(_response(body, ctype))
    assert (check.kind, check.problem) == (kind, problem)


def test_utf16_html_with_bom_is_not_binary():
    assert sniff_binary("<html>x</html>".encode("utf-16")) is None


def test_html_served_as_octet_stream_becomes_an_html_response():
    response = _response(b"<html><title>T</title></html>", "application/octet-stream")
    html = as_html_response(response)
    assert isinstance(html, HtmlResponse)
    assert html.css("title::text").get() == "T"


PAGE = "<html><head>{meta}</head><body><p>Straße in München</p></body></html>"


def _page(body: bytes, content_type: str) -> HtmlResponse:
    return HtmlResponse("http://x.example/", body=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize(
    ("body", "ctype", "problem", "encoding"),
    [
        # cp1252 bytes, UTF-8 declared in the header or in a meta tag
        (
            PAGE.format(meta="").encode("cp1252"),
            "text/html; charset=utf-8",
            "wrong_charset",
            "cp1252",
        ),
        (
            PAGE.format(meta='<meta charset="utf-8">').encode("cp1252"),
            "text/html",
            "wrong_charset",
            "cp1252",
        ),
        # UTF-8 bytes, Latin-1 declared
        (PAGE.format(meta="").encode(), "text/html; charset=iso-8859-1", "wrong_charset", "utf-8"),
        # right declarations
        (PAGE.format(meta="").encode(), "text/html; charset=utf-8", None, "utf-8"),
        (PAGE.format(meta="").encode("cp1252"), "text/html; charset=windows-1252", None, "cp1252"),
    ],
)
def test_repair_encoding(body, ctype, problem, encoding):
    repaired, found = repair_encoding(_page(body, ctype))
    assert found == problem
    assert repaired.encoding == encoding
    assert repaired.css("p::text").get() == "Straße in München"


def test_page_that_really_contains_replacement_characters_is_left_alone():
    body = PAGE.format(meta="").replace("ß", "\ufffd").encode()
    response = _page(body, "text/html; charset=utf-8")
    assert repair_encoding(response) == (response, None)


def test_undecodable_in_every_candidate_charset():
    # 0x81 is undefined in cp1252 and invalid UTF-8; declared UTF-8.
    body = b"<html><body><p>caf\x81\x8d</p></body></html>"
    repaired, problem = repair_encoding(_page(body, "text/html; charset=utf-8"))
    assert problem == "undecodable"
    assert "\ufffd" in repaired.text
