"""Start targets, site scope, link scoring and asset skipping."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from netcrawl.discovery.links import (
    IGNORED_EXTENSIONS,
    build_link_extractor,
    is_asset_url,
    location_score,
)
from netcrawl.discovery.sites import (
    SiteScope,
    StartTarget,
    StartUrlError,
    parse_start_target,
    parse_start_targets,
    read_urls_file,
    site_root,
    split_start_urls,
)


# --- start targets ------------------------------------------------------------------
def test_split_start_urls():
    assert split_start_urls(" https://a.example/ ,https://b.example/x,, ") == [
        "https://a.example/",
        "https://b.example/x",
    ]


def test_web_urls_get_a_path_and_are_percent_encoded():
    assert parse_start_target("https://www.example.com") == StartTarget(
        url="https://www.example.com/"
    )
    assert parse_start_target("http://example.com/Straße").url == "http://example.com/Stra%C3%9Fe"
    assert (
        parse_start_target("shop.example.co.uk/stores").url == "https://shop.example.co.uk/stores"
    )


def test_directories_and_file_urls(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    assert parse_start_target("site", cwd=tmp_path) == StartTarget(directory=site.resolve())
    assert parse_start_target(site.as_uri()) == StartTarget(directory=site.resolve())
    page = parse_start_target((site / "index.html").as_uri())
    assert page == StartTarget(directory=site.resolve(), path="index.html")
    assert page.resolve("http://127.0.0.1:5000/") == "http://127.0.0.1:5000/index.html"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("ftp://example.com/", "unsupported scheme"),
        ("http://example.com:70000/", "invalid port"),
        ("http://:80/", "invalid host"),
        ("http://exa mple.com/", "invalid host"),
        ("no/such/dir", "neither an http(s) URL nor an existing directory"),
        ("file:///no/such/dir", "no such directory"),
        ("", "empty start URL"),
    ],
)
def test_invalid_start_entries_say_why(entry, message):
    with pytest.raises(StartUrlError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_start_target(entry, cwd=Path("/"))


def test_parse_start_targets_dedupes_and_needs_one():
    targets = parse_start_targets(["https://a.example/", "https://a.example/"])
    assert targets == [StartTarget(url="https://a.example/")]
    with pytest.raises(StartUrlError, match="no start URL"):
        parse_start_targets([])


def test_urls_file_skips_comments_and_blank_lines(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text(
        "\ufeff# chains\n\nhttps://a.example/  # main site\n   https://b.example/\n#x\n",
        encoding="utf-8",
    )
    assert read_urls_file(path) == ["https://a.example/", "https://b.example/"]
    path.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(StartUrlError, match="lists no URL"):
        read_urls_file(path)
    with pytest.raises(StartUrlError, match="does not exist"):
        read_urls_file(tmp_path / "missing.txt")


# --- site scope ---------------------------------------------------------------------
def test_scope_www_variants_subdomains_and_schemes():
    scope = SiteScope(["https://www.example.com/stores/"])
    assert scope.allowed_domains == ["example.com"]
    for url in (
        "https://www.example.com/a",
        "https://example.com/a",
        "http://example.com/a",
        "https://stores.example.com/berlin",
        "https://EXAMPLE.com:443/a",
    ):
        assert scope.contains(url), url
    for url in (
        "https://example.org/a",
        "https://notexample.com/a",
        "https://example.com.evil.net/a",
        "https://example.com:8443/a",
        "mailto:x@example.com",
        "http://[::1/",
    ):
        assert not scope.contains(url), url


def test_scope_of_a_loopback_server_is_host_and_port():
    scope = SiteScope(["http://127.0.0.1:8123/"])
    assert scope.contains("http://127.0.0.1:8123/stores/a.html")
    assert not scope.contains("http://127.0.0.1:8124/stores/a.html")
    assert not scope.contains("http://127.0.0.1/stores/a.html")
    assert not scope.contains("http://localhost:8123/")


def test_site_root():
    assert site_root("http://127.0.0.1:8123/a/b?c=d") == "http://127.0.0.1:8123/"


# --- links --------------------------------------------------------------------------
def test_ignored_extensions_extend_scrapys():
    assert {"png", "css", "js", "pdf", "zip"} <= IGNORED_EXTENSIONS  # Scrapy's
    assert {"woff2", "webp", "avif", "mjs", "map", "gz"} <= IGNORED_EXTENSIONS  # ours
    assert not {"html", "json", "xml", "kml", "php", "aspx"} & IGNORED_EXTENSIONS


@pytest.mark.parametrize(
    ("url", "asset"),
    [
        ("https://x.example/img/a.PNG", True),
        ("https://x.example/f/brand.woff2?v=3", True),
        ("https://x.example/app.min.js", True),
        ("https://x.example/stores/berlin", False),
        ("https://x.example/api/stores.json", False),
        ("https://x.example/map.kml", False),
    ],
)
def test_is_asset_url(url, asset):
    assert is_asset_url(url) is asset


@pytest.mark.parametrize(
    ("url", "text", "score"),
    [
        ("https://x.example/stores/berlin-mitte", "", 3),
        ("https://x.example/de/standorte/", "", 2),
        ("https://x.example/fr/magasins/paris.html", "", 3),
        ("https://x.example/nl/winkels", "", 2),
        ("https://x.example/es/tiendas/", "Nuestras tiendas", 3),
        ("https://x.example/find-a-store", "", 2),
        ("https://x.example/about", "Find a store near you", 1),
        ("https://x.example/page?type=branch", "", 1),
        ("https://x.example/it/punti-vendita/roma", "", 3),
        ("https://x.example/where-to-buy", "", 2),
        ("https://x.example/help", "Stores near me", 1),
        ("https://x.example/de/märkte/", "", 2),
        ("https://x.example/restore-hardwood-floors", "", 0),
        ("https://x.example/storefront", "", 0),
        ("https://x.example/blog/2024/new-menu", "", -1),
        ("https://x.example/checkout", "", -1),
    ],
)
def test_location_score(url, text, score):
    assert location_score(url, text) == score


def test_link_extractor_skips_assets_and_keeps_anchor_text():
    html = b"""<html><body>
    <a href="/stores/">Our stores</a> <a href="/logo.png">logo</a>
    <a href="/brand.woff2">font</a> <a href="/about.html">About</a>
    <link rel="stylesheet" href="/site.css"> <a href="mailto:a@b.c">mail</a>
    </body></html>"""
    response = HtmlResponse("http://127.0.0.1:9/", body=html, encoding="utf-8")
    links = build_link_extractor().extract_links(response)
    assert [(link.url, link.text) for link in links] == [
        ("http://127.0.0.1:9/stores/", "Our stores"),
        ("http://127.0.0.1:9/about.html", "About"),
    ]
