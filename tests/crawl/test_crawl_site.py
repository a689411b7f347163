"""Real ``scrapy crawl places`` runs (child processes) against loopback sites.

The generated site (``conftest.build_test_site``) has: JSON-LD store pages, a
robots.txt with a relative ``Sitemap:`` line and ``Disallow: /private/``, a
sitemap index pointing to a gzipped XML sitemap (with a BOM) and a plain-text
sitemap, links to assets and to off-site hosts (other host, other port), a
6-page link chain against ``DEPTH_LIMIT=4``, a page in the wrong charset, two
oversized responses, a PNG served as text/html, HTML served as
application/octet-stream, invalid JSON-LD and broken markup.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, SAMPLE_SITE, crawl_stats, run_scrapy
from crawl_site_builder import (
    STORES,
    build_test_site,
    crawled_urls,
    jsonld_store,
    page,
)

from netcrawl.serving import StaticFileServer

# Paths every crawl of the generated site must fetch with a 200, and nothing else
# (besides /sitemap.xml, a 404 probe). robots.txt is fetched once: by netcrawl's
# RobotsTxtMiddleware, whose download gives both the rules and the spider's Sitemap: lines.
EXPECTED_PAGES = {
    "/",
    "/robots.txt",
    "/sitemap_index.xml",
    "/sitemaps/stores.xml.gz",
    "/sitemaps/pages.txt",
    "/stores/",
    "/stores/berlin.html",
    "/stores/paris.html",
    "/stores/madrid.html",
    "/about.html",
    "/only-in-sitemap.html",
    "/chain/1.html",
    "/chain/2.html",
    "/chain/3.html",
    "/chain/4.html",
    "/bad-encoding.html",
    "/photo.html",
    "/page-blob",
    "/invalid-jsonld.html",
    "/broken.html",
}
EXPECTED_NAMES = {
    "Kiezladen Berlin Mitte",
    "Boutique Paris Marais",
    "Tienda Madrid Sol",
    "Bäckerei Müller",
    "Broken Markup Store",
    "Octet Store",
}


def _crawl(*args: str, output: Path) -> tuple[str, list[dict]]:
    result = run_scrapy(
        "crawl",
        "places",
        *args,
        "-s",
        "LOG_LEVEL=DEBUG",
        "-s",
        "DOWNLOAD_MAXSIZE=100000",
        "-s",
        "HTTPCACHE_ENABLED=False",
        "-s",
        "NETCRAWL_RUNS_ENABLED=False",  # no run records in data/runs from tests
        "-O",
        str(output),
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    return log, items


def _assert_clean_log(log: str) -> None:
    error_lines = [line for line in log.splitlines() if "] ERROR:" in line or "CRITICAL" in line]
    assert not error_lines, error_lines
    assert "Traceback" not in log


@pytest.fixture(scope="module")
def crawl_of_test_site(tmp_path_factory):
    """One crawl of the generated site, shared by the assertions below."""
    tmp = tmp_path_factory.mktemp("crawl")
    other_root = tmp / "other"
    other_root.mkdir()
    (other_root / "offsite-port.html").write_text(page("Other port", ""), encoding="utf-8")
    site_root = tmp / "site"
    site_root.mkdir()
    with StaticFileServer(other_root) as other, StaticFileServer(site_root) as site:
        build_test_site(site_root, other.url, site.port)
        log, items = _crawl("-a", f"start_urls={site.url}", output=tmp / "places.jsonl")
        yield site.url, log, items


def test_fetches_exactly_the_on_site_allowed_pages(crawl_of_test_site):
    base, log, _ = crawl_of_test_site
    crawled = crawled_urls(log)
    assert all(url.startswith(base) for url in crawled), sorted(crawled)
    paths = {url[len(base) - 1 :] for url in crawled}
    assert paths == EXPECTED_PAGES | {"/sitemap.xml"}
    assert crawled[base + "sitemap.xml"] == [404]
    assert crawled[base + "robots.txt"] == [200]
    # Disallowed (in a link and in the sitemap), off-site, assets, beyond DEPTH_LIMIT:
    for path in ("/private/secret.html", "/private/hidden-store.html"):
        assert f"Forbidden by robots.txt: <GET {base}{path[1:]}>" in log
    assert "offsite" not in " ".join(crawled)
    assert "Ignoring link (depth > 4)" in log and "chain/5.html" in log


def test_yields_every_place_once_with_spider_and_source(crawl_of_test_site):
    base, _, items = crawl_of_test_site
    assert {item["name"] for item in items} == EXPECTED_NAMES
    assert len(items) == len(EXPECTED_NAMES)
    for item in items:
        assert item["spider"] == "places"
        assert item["source_url"].startswith(base)
    bakery = next(item for item in items if item["name"] == "Bäckerei Müller")
    assert bakery["city"] == "München"  # re-read as Windows-1252, not mangled


def test_bad_input_is_counted_and_logged_once_without_errors(crawl_of_test_site):
    _, log, _ = crawl_of_test_site
    _assert_clean_log(log)
    stats = crawl_stats(log)
    assert stats["finish_reason"] == "finished"
    expected_counts = {
        "netcrawl/response/wrong_charset": 1,
        "netcrawl/response/binary_content": 1,
        "netcrawl/response/mislabelled_html": 1,
        "netcrawl/response/oversized": 2,
        "netcrawl/response/http_404": 1,
        "netcrawl/extraction/invalid_jsonld": 1,
        "netcrawl/places/found": len(EXPECTED_NAMES),
        "netcrawl/pages/with_places": len(EXPECTED_NAMES),
        "netcrawl/sitemaps/parsed": 3,
        "netcrawl/sitemaps/urls": 6,
        "netcrawl/sitemaps/from_robots": 1,
    }
    for key, count in expected_counts.items():
        assert stats.get(key) == count, (key, stats.get(key))
    assert stats["netcrawl/pages/parsed"] >= 14
    assert stats["netcrawl/links/offsite"] == 3
    assert stats["robotstxt/forbidden"] == 2
    warnings = [line for line in log.splitlines() if "] WARNING:" in line]
    for needle in (
        "bad-encoding.html",
        "photo.html",
        "invalid-jsonld.html",
        "big.html",
        "big-blob",
    ):
        assert len([w for w in warnings if needle in w]) == 1, (needle, warnings)


@pytest.fixture
def test_site(tmp_path, serve_dir):
    """The generated site served on loopback; returns (base URL, site root)."""
    other_root = tmp_path / "other"
    other_root.mkdir()
    (other_root / "offsite-port.html").write_text(page("Other port", ""), encoding="utf-8")
    other_url = serve_dir(other_root)
    site_root = tmp_path / "site"
    site_root.mkdir()
    # Serve first to learn the port, then write pages that link to that exact host:port.
    base_url = serve_dir(site_root)
    port = int(base_url.rstrip("/").rsplit(":", 1)[1])
    build_test_site(site_root, other_url, port)
    return base_url, site_root


def test_urls_file_argument(tmp_path, test_site):
    base, _ = test_site
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text(
        f"# stores to crawl\n\n{base}stores/berlin.html\n  {base}stores/paris.html  \n"
        f"{base}sitemaps/pages.txt  # a sitemap as start URL\n",
        encoding="utf-8",
    )
    log, items = _crawl(
        "-a",
        f"urls_file={urls_file}",
        "-s",
        "DEPTH_LIMIT=1",
        output=tmp_path / "out.jsonl",
    )
    _assert_clean_log(log)
    crawled = crawled_urls(log)
    assert base + "stores/berlin.html" in crawled and base + "stores/paris.html" in crawled
    assert base + "only-in-sitemap.html" in crawled  # listed only in the start sitemap
    assert base + "about.html" in crawled  # depth 1: listed in the sitemap
    assert base not in crawled and base + "stores/" not in crawled  # depth 2: about.html's links
    # Start pages, plus the robots.txt sitemaps' pages (Madrid) at depth 1.
    assert {i["name"] for i in items} == {store[0] for store in STORES.values()}


def _write_local_site(root: Path) -> None:
    (root / "stores").mkdir(parents=True)
    (root / "private").mkdir()
    (root / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\nSitemap: /sitemap.xml\n", encoding="utf-8"
    )
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>/stores/b.html</loc></url></urlset>",
        encoding="utf-8",
    )
    (root / "index.html").write_text(
        page("Local", '<a href="stores/a.html">A</a> <a href="private/x.html">X</a>'),
        encoding="utf-8",
    )
    for slug, city in (("a", "Graz"), ("b", "Linz")):
        (root / "stores" / f"{slug}.html").write_text(
            page(
                slug,
                "",
                jsonld_store(f"Store {city}", "Hauptplatz 1", city, "8010", "AT", 47.0, 15.4),
            ),
            encoding="utf-8",
        )
    (root / "private" / "x.html").write_text(page("x", ""), encoding="utf-8")


@pytest.mark.parametrize("form", ["relative", "file_url"])
def test_local_directory_start_url_is_served_over_http(tmp_path, form):
    site = tmp_path / "site"
    _write_local_site(site)
    start = os.path.relpath(site, PROJECT_ROOT) if form == "relative" else site.as_uri()
    log, items = _crawl("-a", f"start_urls={start}", output=tmp_path / "out.jsonl")
    _assert_clean_log(log)
    assert "Serving " in log
    crawled = crawled_urls(log)
    assert crawled and all(url.startswith("http://127.0.0.1:") for url in crawled)
    paths = {"/" + url.split("/", 3)[3] for url in crawled}
    assert {"/", "/robots.txt", "/sitemap.xml", "/stores/a.html", "/stores/b.html"} <= paths
    assert "/private/x.html" not in paths
    assert sorted(i["name"] for i in items) == ["Store Graz", "Store Linz"]


def test_robots_txt_is_fetched_once_per_site(tmp_path, test_site, serve_dir):
    """Two sites: the generated one, and one without robots.txt (a 404, counted)."""
    base, _ = test_site
    second_root = tmp_path / "second"
    _write_local_site(second_root)
    (second_root / "robots.txt").unlink()
    second = serve_dir(second_root)
    log, items = _crawl(
        "-a", f"start_urls={base},{second}", output=tmp_path / "out.jsonl"
    )
    _assert_clean_log(log)
    crawled = crawled_urls(log)
    assert crawled[base + "robots.txt"] == [200]
    assert crawled[second + "robots.txt"] == [404]
    assert base + "only-in-sitemap.html" in crawled  # through robots.txt's sitemap index
    assert second + "private/x.html" in crawled  # no robots.txt: nothing disallowed
    stats = crawl_stats(log)
    assert stats["robotstxt/request_count"] == 2
    assert stats["netcrawl/sitemaps/from_robots"] == 1
    # base's /sitemap.xml probe and second's robots.txt, as when the spider fetched it.
    assert stats["netcrawl/response/http_404"] == 2
    assert {"Store Graz", "Store Linz"} <= {item["name"] for item in items}


def test_without_robotstxt_obey_the_spider_fetches_robots_txt_for_its_sitemaps(tmp_path):
    site = tmp_path / "site"
    _write_local_site(site)
    log, items = _crawl(
        "-a", f"start_urls={site.as_uri()}", "-s", "ROBOTSTXT_OBEY=False",
        output=tmp_path / "out.jsonl",
    )
    _assert_clean_log(log)
    crawled = crawled_urls(log)
    (robots,) = [url for url in crawled if url.endswith("/robots.txt")]
    assert crawled[robots] == [200]
    assert any(url.endswith("/private/x.html") for url in crawled)  # not obeyed
    stats = crawl_stats(log)
    assert stats["netcrawl/sitemaps/from_robots"] == 1
    assert "robotstxt/request_count" not in stats
    assert sorted(i["name"] for i in items) == ["Store Graz", "Store Linz"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "needs start URLs"),
        (("-a", "start_urls=ftp://example.com/"), "unsupported scheme 'ftp'"),
        (("-a", "start_urls=http://example.com:99999/"), "invalid port"),
        (("-a", "start_urls=no/such/dir"), "neither an http(s) URL nor an existing directory"),
        (("-a", "urls_file=/nonexistent/urls.txt"), "does not exist"),
    ],
)
def test_bad_arguments_give_a_clear_error_not_a_traceback(args, message):
    result = run_scrapy("crawl", "places", *args, timeout=120)
    log = result.stdout + result.stderr
    assert result.returncode == 2, log[-3000:]
    assert message in log
    assert "Traceback" not in log


def test_scrapy_list_names_the_places_spider():
    result = run_scrapy("list", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "places" in result.stdout.split()


def test_sample_site_yields_a_place_per_storepage(tmp_path):
    if not (SAMPLE_SITE / "index.html").exists():
        pytest.skip("data/sample-site not written yet")
    log, items = _crawl(
        "-a",
        f"start_urls={os.path.relpath(SAMPLE_SITE, PROJECT_ROOT)}",
        output=tmp_path / "sample.jsonl",
    )
    _assert_clean_log(log)
    assert len(items) >= 10
    for item in items:
        assert item.get("name") and item.get("source_url"), item
    # Every store page whose place is in its markup yields it (text-only and API-only
    # pages need the text/API extractors wired into the spider's hooks).
    expected = json.loads((SAMPLE_SITE / "EXPECTED.json").read_text(encoding="utf-8"))
    markup_pages = {
        place["page"]
        for place in expected["places"]
        if place.get("source_format")
        in {"jsonld", "microdata", "rdfa", "microformats", "opengraph"}
    }
    assert len(markup_pages) >= 10
    sources = {item["source_url"].split("/", 3)[3] for item in items}
    assert markup_pages <= sources
