"""Real repeat crawls of a loopback site with NETCRAWL_INCREMENTAL on.

One generated site, served by netcrawl's StaticFileServer (strong ETags and
Last-Modified, RFC 9110 conditional requests) on 127.0.0.1 for the whole
module, so the URLs, and hence the stored fingerprints, stay the same between
crawls. Each crawl is a real ``scrapy crawl places`` in a child process.

Site: robots.txt -> sitemap.xml -> news.html (a pop-up store, only reachable
through those two), index -> stores/ -> six store pages (only reachable
through stores/), index -> about.html (head office), index -> finder.html ->
its data endpoint api/stores.json -> its next page api/stores-2.json. Every store page is a
few KB of varied text around a JSON-LD Store, so bodies dominate the bytes
as on real sites.

Crawls: the first records the store; the second (unchanged site) must get a
304 for every page and still export exactly the same places; an aborted one
must leave the store alone; the last runs after one store page was rewritten
(new name, plus a link to a brand-new page).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import crawl_stats, run_scrapy

from netcrawl.incremental.store import store_path
from netcrawl.serving import StaticFileServer

STORES = ["s1", "s2", "s3", "s4", "s5", "s6"]
#: Store-locator API records: page 1 of the API, then page 2 (its "next" link).
API_PAGES = ([("CL-1", "Copperleaf Kiosk Alexanderplatz"), ("CL-2", "Copperleaf Kiosk Zoo")],
             [("CL-3", "Copperleaf Kiosk Ostkreuz")])
#: sitemap, news, index, about, stores/, finder, the two API pages, the store pages.
#: (robots.txt is not one: RobotsTxtMiddleware fetches it, in full, for the rules and
#: the spider's Sitemap: lines alike.)
PAGES = 8 + len(STORES)
#: The JSON-LD stores (store pages, head office, pop-up) and the API's kiosks.
PLACES = len(STORES) + 2 + sum(map(len, API_PAGES))
_WORDS = ("coffee", "bakery", "branch", "opening", "hours", "street", "square", "market",
          "window", "seasonal", "menu", "croissant", "espresso", "terrace", "delivery")


def filler(seed: str, words: int = 900) -> str:
    """Varied prose (compresses like real text, unlike one repeated sentence)."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def html(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"\n<body><h1>{title}</h1>\n{body}\n</body></html>\n")


def store_page(slug: str, name: str, street: str, extra_links: str = "") -> str:
    data = {
        "@context": "https://schema.org", "@type": "Store", "name": name,
        "address": {"@type": "PostalAddress", "streetAddress": street,
                    "addressLocality": "Berlin", "postalCode": "10119", "addressCountry": "DE"},
        "geo": {"@type": "GeoCoordinates", "latitude": 52.52, "longitude": 13.40},
        "telephone": "+49 30 1234567",
    }
    script = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return html(name, f"{script}\n<p>{filler(slug)}</p>\n{extra_links}")


def write(path: Path, text: str) -> None:
    """Write a new file and rename it into place, as a deploy would (new inode, new ETag)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def build_site(root: Path) -> None:
    write(root / "robots.txt", "User-agent: *\nAllow: /\nSitemap: /sitemap.xml\n")
    write(root / "sitemap.xml", (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "<url><loc>/news.html</loc></url>\n</urlset>\n"))
    write(root / "index.html", html("Copperleaf", '<a href="/stores/">Our stores</a>\n'
                                                  '<a href="/finder.html">Store finder</a>\n'
                                                  '<a href="/about.html">About us</a>'))
    # A store finder whose data endpoint is named in markup, paginated by a "next" link:
    # api/stores-2.json is only reachable through api/stores.json.
    write(root / "finder.html", html("Store finder",
                                     '<div id="store-finder" data-api="/api/stores.json"></div>'))
    for number, records in enumerate(API_PAGES, start=1):
        name = "stores.json" if number == 1 else f"stores-{number}.json"
        following = "stores-2.json" if number < len(API_PAGES) else None
        write(root / "api" / name, json.dumps({
            "data": {"stores": [
                {"storeId": ref, "storeName": title,
                 "address": {"line1": f"Bahnhof {ref}", "city": "Berlin", "countryCode": "DE"},
                 "location": {"latitude": 52.5, "longitude": 13.4}}
                for ref, title in records]},
            "links": {"self": name, "next": following},
        }, indent=1))
    write(root / "about.html", store_page("about", "Copperleaf Head Office", "Torstraße 1"))
    write(root / "news.html", store_page("news", "Copperleaf Pop-up", "Museumsinsel 1"))
    links = "\n".join(f'<a href="/stores/{slug}.html">Store {slug}</a>' for slug in STORES)
    write(root / "stores" / "index.html", html("Stores", links))
    for number, slug in enumerate(STORES, start=1):
        write(root / "stores" / f"{slug}.html",
              store_page(slug, f"Copperleaf {slug.upper()}", f"Invalidenstraße {number}"))


@dataclass
class CrawlResult:
    places: set[str]
    stats: dict[str, object]
    log: str
    returncode: int

    def stat(self, key: str) -> object:
        return self.stats.get(key, 0)


def crawl(url: str, store_dir: Path, output: Path, *settings: str) -> CrawlResult:
    extra = [arg for setting in settings for arg in ("-s", setting)]
    result = run_scrapy(
        "crawl", "places", "-a", f"start_urls={url}", "-O", str(output),
        "-s", "NETCRAWL_INCREMENTAL=True", "-s", f"NETCRAWL_INCREMENTAL_DIR={store_dir}",
        # No run folder, and health checks that compare with no one else's runs.
        "-s", "NETCRAWL_RUNS_ENABLED=False", "-s", f"NETCRAWL_RUNS_DIR={store_dir}-runs",
        *extra, timeout=120,
    )
    assert "Dumping Scrapy stats:" in result.stderr, result.stderr[-3000:]
    lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
    # Canonical JSON of each exported place, so two crawls compare as sets.
    places = {json.dumps(json.loads(line), sort_keys=True) for line in lines}
    return CrawlResult(places, crawl_stats(result.stderr), result.stderr, result.returncode)


def names(result: CrawlResult) -> set[str]:
    return {json.loads(place)["name"] for place in result.places}


def copy_store(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("incremental")


@pytest.fixture(scope="module")
def site(work: Path):
    root = work / "site"
    build_site(root)
    server = StaticFileServer(root).start()
    try:
        yield root, server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def first(site, work: Path) -> CrawlResult:
    _, url = site
    result = crawl(url, work / "store-1", work / "first.jsonl")
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture(scope="module")
def second(site, work: Path, first: CrawlResult) -> CrawlResult:
    _, url = site
    store_dir = copy_store(work / "store-1", work / "store-2")
    # Half the pages keep only Last-Modified, so If-Modified-Since is exercised as well.
    with sqlite3.connect(store_path(store_dir, "places")) as db:
        db.execute("UPDATE pages SET etag = NULL WHERE url LIKE '%/stores/s_.html' "
                   "AND CAST(substr(url, -6, 1) AS INTEGER) % 2 = 1")
        assert db.execute("SELECT count(*) FROM pages WHERE etag IS NULL").fetchone()[0] == 3
    result = crawl(url, store_dir, work / "second.jsonl")
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture(scope="module")
def aborted(site, work: Path, first: CrawlResult) -> tuple[CrawlResult, Path, bytes]:
    _, url = site
    store_dir = copy_store(work / "store-1", work / "store-3")
    before = store_path(store_dir, "places").read_bytes()
    result = crawl(url, store_dir, work / "aborted.jsonl", "CLOSESPIDER_PAGECOUNT=3")
    return result, store_dir, before


@pytest.fixture(scope="module")
def changed(site, work: Path, second: CrawlResult, aborted) -> CrawlResult:
    """Runs last (it needs the others): rewrites s3 and adds s7, linked only from s3."""
    root, url = site
    write(root / "stores" / "s3.html",
          store_page("s3-new", "Copperleaf S3 Reopened", "Chausseestraße 3",
                     '<a href="/stores/s7.html">Our new shop</a>'))
    write(root / "stores" / "s7.html", store_page("s7", "Copperleaf S7", "Linienstraße 7"))
    result = crawl(url, work / "store-2", work / "changed.jsonl")
    assert result.returncode == 0, result.log[-3000:]
    return result


def test_first_crawl_records_every_page(first: CrawlResult, work: Path) -> None:
    assert len(first.places) == PLACES
    assert {title for records in API_PAGES for _, title in records} <= names(first)
    assert first.stat("netcrawl/incremental/pages_recorded") == PAGES
    assert first.stat("netcrawl/incremental/pages_stored") == PAGES
    assert first.stat("netcrawl/incremental/conditional_requests") == 0
    assert store_path(work / "store-1", "places").is_file()


def test_unchanged_site_answers_304_for_every_page(second: CrawlResult) -> None:
    assert second.stat("netcrawl/incremental/conditional_requests") == PAGES
    assert second.stat("downloader/response_status_count/304") == PAGES
    assert second.stat("netcrawl/incremental/not_modified") == PAGES
    assert second.stat("netcrawl/incremental/modified") == 0
    # Nothing was parsed, and nothing was reported as bad input.
    assert second.stat("netcrawl/pages/parsed") == 0
    assert not [key for key in second.stats if key.startswith("netcrawl/response/")]
    problems = re.findall(r".*\] (?:WARNING|ERROR):.*", second.log)
    assert not problems


def test_unchanged_site_gives_the_same_places(first: CrawlResult,
                                              second: CrawlResult) -> None:
    assert second.places == first.places
    assert second.stat("netcrawl/incremental/reused_items") == len(first.places)


def test_pages_reachable_only_through_304_pages_are_still_crawled(second: CrawlResult) -> None:
    # stores/sN.html only through stores/ (304); news.html only through robots -> sitemap.
    assert {f"Copperleaf {slug.upper()}" for slug in STORES} <= names(second)
    assert "Copperleaf Pop-up" in names(second)
    # The API's second page only through its first, and that only through finder.html.
    assert "Copperleaf Kiosk Ostkreuz" in names(second)
    assert second.stat("netcrawl/incremental/reused_requests") >= len(STORES) + 4
    # Every page once, plus robots.txt fetched unconditionally, once, for ROBOTSTXT_OBEY.
    assert second.stat("response_received_count") == PAGES + 1
    assert second.stat("robotstxt/request_count") == 1


def test_unchanged_site_costs_few_bytes(first: CrawlResult, second: CrawlResult) -> None:
    before = int(first.stat("downloader/response_bytes"))
    after = int(second.stat("downloader/response_bytes"))
    assert after < 0.3 * before, (before, after)
    assert int(second.stat("netcrawl/incremental/body_bytes_saved")) > 8 * 5000


def test_aborted_crawl_keeps_the_previous_store(aborted) -> None:
    result, store_dir, before = aborted
    assert result.stats["finish_reason"] == "closespider_pagecount"
    path = store_path(store_dir, "places")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left
    assert "the page store" in result.log and "kept as it was" in result.log


def test_changed_page_is_parsed_again_and_the_rest_reused(first: CrawlResult,
                                                         changed: CrawlResult) -> None:
    assert changed.stat("netcrawl/incremental/modified") == 1
    assert changed.stat("netcrawl/incremental/not_modified") == PAGES - 1
    assert changed.stat("netcrawl/pages/parsed") == 2  # s3 and the new s7
    assert changed.stat("netcrawl/pages/api") == 0  # the API pages were all reused
    expected = names(first) - {"Copperleaf S3"} | {"Copperleaf S3 Reopened", "Copperleaf S7"}
    assert names(changed) == expected
    unchanged = {p for p in first.places if json.loads(p)["name"] != "Copperleaf S3"}
    assert unchanged <= changed.places  # reused places are exactly the same records
