"""Sitemap reading on real sitemaps from crawler-commons' and trafilatura's test data."""

from __future__ import annotations

import gzip

import pytest
from conftest import shared_fixture

from netcrawl.discovery.sitemaps import (
    FEED,
    INDEX,
    INVALID,
    TEXT,
    URLSET,
    SitemapTooLarge,
    default_sitemap_url,
    looks_like_sitemap,
    read_sitemap,
)

BASE = "http://www.example.com/sitemap.xml"

# (fixture path under sitemaps/, kind, number of page/sitemap URLs, number of hreflang alternates)
CASES = [
    ("crawler-commons/sitemap.index.xml", INDEX, 15, 0),  # URLs as <sitemap> text, no <loc>
    ("crawler-commons/sitemap.ns.xml", URLSET, 2, 0),  # prefixed namespace (sit:urlset)
    ("crawler-commons/sitemap.badns.xml", URLSET, 2, 0),  # wrong (Google 0.9) namespace
    ("crawler-commons/sitemap.txt", TEXT, 2, 0),
    ("crawler-commons/sitemap-with-bom.txt", TEXT, 2, 0),
    ("crawler-commons/do-not-visit.txt", TEXT, 1, 0),  # last line without newline
    ("crawler-commons/sitemap.txt.gz", TEXT, 5, 0),
    ("crawler-commons/xmlSitemap.gz", URLSET, 5, 0),
    ("crawler-commons/atom.xml", FEED, 2, 0),  # entry links without rel or rel=alternate
    ("crawler-commons/extension/hebdenbridgetimes-articles-sitemap.xml", URLSET, 74, 0),
    ("crawler-commons/extension/pagemaps-sitemap.xml", URLSET, 2, 0),
    ("crawler-commons/extension/shinpaideshou-news-sitemap.xml", URLSET, 3, 0),
    ("crawler-commons/extension/sitemap-images.xml", URLSET, 1, 0),
    ("crawler-commons/extension/sitemap-links.xml", URLSET, 3, 9),
    ("crawler-commons/extension/sitemap-mobile.xml", URLSET, 3, 0),
    ("crawler-commons/extension/sitemap-news.xml", URLSET, 2, 0),
    ("crawler-commons/extension/sitemap-videos-tvshow.xml", URLSET, 1, 0),
    ("crawler-commons/extension/sitemap-videos.xml", URLSET, 3, 0),
    ("trafilatura/sitemap.xml", URLSET, 84, 0),
    ("trafilatura/sitemap2.xml", INDEX, 2, 0),  # one <loc> in CDATA
    ("trafilatura/sitemap-hreflang.xml", URLSET, 4, 11),
]


@pytest.mark.parametrize(("name", "kind", "count", "alternates"), CASES, ids=[c[0] for c in CASES])
def test_real_sitemaps_exact_counts(name, kind, count, alternates):
    body = shared_fixture("sitemaps", *name.split("/")).read_bytes()
    content = read_sitemap(body, BASE)
    assert content.kind == kind
    assert len(content.urls) == count
    assert len(content.alternates) == alternates
    assert all(url.startswith(("http://", "https://")) for url in content.urls)
    assert all(url == url.strip() for url in content.urls)


def test_exact_urls_of_index_without_loc_and_of_bom_text():
    index = read_sitemap(
        shared_fixture("sitemaps", "crawler-commons", "sitemap.index.xml").read_bytes()
    )
    assert index.urls[0] == "https://example.com/sitemap.jss?portalCode=10260&lang=en"
    assert index.is_index
    bom = read_sitemap(
        shared_fixture("sitemaps", "crawler-commons", "sitemap-with-bom.txt").read_bytes()
    )
    assert bom.urls == ["http://www.domain.com/page1.html", "http://www.domain.com/page2.html"]


def test_gzip_detected_by_content_and_same_as_plain():
    gz = shared_fixture("sitemaps", "crawler-commons", "xmlSitemap.gz").read_bytes()
    assert read_sitemap(gz).urls == read_sitemap(gzip.decompress(gz)).urls
    assert read_sitemap(gz).urls[1] == "http://www.example.com/catalog?item=12&desc=vacation_hawaii"


def test_trafilatura_cdata_loc_and_namespaced_locs():
    index = read_sitemap(shared_fixture("sitemaps", "trafilatura", "sitemap2.xml").read_bytes())
    assert index.urls == [
        "http://www.example.com/sitemap1.xml.gz",
        "http://www.example.com/sitemap2.xml.gz",
    ]
    ns = read_sitemap(shared_fixture("sitemaps", "crawler-commons", "sitemap.ns.xml").read_bytes())
    assert ns.urls == ["http://www.example.com/1", "http://www.example.com/2"]


def test_relative_locations_resolve_against_the_sitemap_url():
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>/stores/a.html</loc></url><url><loc>b.html</loc></url></urlset>"
    )
    assert read_sitemap(body, "http://127.0.0.1:8000/maps/sitemap.xml").urls == [
        "http://127.0.0.1:8000/stores/a.html",
        "http://127.0.0.1:8000/maps/b.html",
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"<!DOCTYPE html><html><body>Not found</body></html>",
        b"just some words\nand no URL\n",
        b"\x1f\x8b\x08\x00garbage",  # truncated gzip
        b"<html><body><a href='http://x/'>x</a></body></html>",
    ],
)
def test_non_sitemaps_are_invalid_not_errors(body):
    content = read_sitemap(body, BASE)
    assert content.kind == INVALID
    assert content.urls == []


def test_utf16_sitemap_with_bom():
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>http://x.example/ä</loc></url></urlset>"
    )
    content = read_sitemap(xml.encode("utf-16"), BASE)
    assert content.urls == ["http://x.example/ä"]


def test_gzip_bomb_is_refused():
    bomb = gzip.compress(b"http://x.example/" + b"a" * 200_000)
    with pytest.raises(SitemapTooLarge):
        read_sitemap(bomb, BASE, max_size=10_000)


def test_default_sitemap_url():
    assert default_sitemap_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/sitemap.xml"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/sitemap.xml", True),
        ("https://x.example/sitemaps/sitemap-stores.xml.gz", True),
        ("https://x.example/store-sitemap.txt", True),
        ("https://x.example/sitemap_index.xml?page=2", True),
        ("https://x.example/stores/", False),
        ("https://x.example/sitemaps/pages.txt", True),
        ("https://x.example/sitemap/", False),
        ("https://x.example/sitemap.html", False),
        ("https://x.example/feed.xml", False),
    ],
)
def test_looks_like_sitemap(url, expected):
    assert looks_like_sitemap(url) is expected
