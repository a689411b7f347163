"""Real crawls of the JavaScript-built loopback site with Debian's headless Chromium.

The site (tests/rendering/site/): Copperleaf's list is drawn by an inline script
from rows no plain-HTML reader can take for places; Juniper & Vine's is fetched as
JSON from an address put together at run time; Bramble Bakery's page carries
JSON-LD (needs no rendering); the about page has no place and no sign of scripts.

Each crawl is a real ``scrapy crawl places`` in a child process, whose process tree
is sampled while it runs, so "no browser started" is checked on the processes
themselves, not only on the stats.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, crawl_stats
from rendering_site import ALL_PLACES, BRAMBLE, COPPERLEAF, JUNIPER, SITE

from netcrawl.serving import StaticFileServer

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} missing: apt-get install chromium (Debian's build; never downloaded)",
)


@pytest.fixture(scope="module")
def site_url():
    """The site served on 127.0.0.1 (one server for the module's crawls)."""
    with StaticFileServer(SITE) as server:
        yield server.url


@dataclass
class Crawl:
    items: list[dict]
    stats: dict
    log: str
    #: Command lines of the crawl's descendant processes seen while it ran.
    children: set[str]

    def names(self) -> list[str]:
        return sorted(item["name"] for item in self.items)

    def browser_processes(self) -> set[str]:
        return {cmd for cmd in self.children if "chromium" in cmd or "/driver/node" in cmd}


def _descendants(root: int) -> set[str]:
    """Command lines of every process below ``root`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    commands = set()
    for pid in found:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        commands.add(raw.replace(b"\0", b" ").decode(errors="replace").strip())
    return commands


def crawl(tmp_path: Path, start: str, *args: str, timeout: float = 120) -> Crawl:
    """``scrapy crawl places`` of ``start`` in a child process, its tree sampled every 50 ms."""
    output = tmp_path / f"out-{time.monotonic_ns()}.jsonl"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "places", "-a", f"start_urls={start}",
        "-O", str(output), "-s", "NETCRAWL_RUNS_ENABLED=False", "-s", "LOG_LEVEL=INFO", *args,
    ]
    log_path = output.with_suffix(".log")
    children: set[str] = set()
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log_file, stderr=log_file,
                                   env=dict(os.environ, PYTHONUNBUFFERED="1"))
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None:
                children |= _descendants(process.pid)
                if time.monotonic() > deadline:
                    raise AssertionError(f"crawl still running after {timeout} s")
                time.sleep(0.05)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    log = log_path.read_text()
    assert process.returncode == 0, log[-4000:]
    stats = crawl_stats(log)
    items = [json.loads(line) for line in output.read_text().splitlines() if line.strip()]
    return Crawl(items, stats, log, children)


def _playwright_stats(stats: dict) -> dict:
    return {key: value for key, value in stats.items() if key.startswith("playwright/")}


def test_plain_crawl_finds_nothing_on_script_built_pages(tmp_path, site_url):
    result = crawl(tmp_path, site_url, "-a", "render=none")
    assert result.names() == sorted(BRAMBLE)
    assert _playwright_stats(result.stats) == {}
    assert not result.browser_processes()


def test_browser_renders_every_page_and_finds_every_place(tmp_path, site_url):
    result = crawl(tmp_path, site_url, "-a", "render=browser",
                   "-s", "NETCRAWL_BROWSER_CONCURRENCY=2")
    assert result.names() == sorted(ALL_PLACES)  # each once: no duplicate left
    assert all(item["extras"]["rendered"] is True for item in result.items)
    stats = result.stats
    # Every page went through Chromium: index (served root and /index.html), 3 brands, about.
    assert stats["netcrawl/render/browser/pages"] == stats["playwright/page_count"] >= 5
    # Pages closed after use, one reused context, never more pages than the bound.
    assert stats["playwright/page_count/closed"] == stats["playwright/page_count"]
    assert stats["playwright/context_count"] == 1
    assert stats["playwright/page_count/max_concurrent"] <= 2
    assert stats["playwright/browser_count"] == 1
    # Data files are never rendered: robots.txt / sitemap probes stayed plain.
    assert stats["playwright/request_count/navigation"] == stats["playwright/page_count"]
    # Images are never loaded.
    assert stats["netcrawl/render/browser/aborted/image"] >= 1
    # The probe sees the browser (Debian's /usr/bin/chromium wrapper execs
    # /usr/lib/chromium/chromium) and Playwright's driver.
    assert any("chromium" in cmd for cmd in result.browser_processes())
    assert any("/driver/node" in cmd for cmd in result.browser_processes())
    # Juniper & Vine's list came from the JSON its page fetched (XHR/fetch interception).
    juniper = [item for item in result.items if item["name"] in JUNIPER]
    for item in juniper:
        assert item["source_format"] == "api"
        assert item["source_url"] == f"{site_url}juniper/data/branch-feed.json"
        assert isinstance(item["lat"], float) and isinstance(item["lon"], float)
    assert stats["netcrawl/render/browser/intercepted/responses"] == 1
    assert stats["netcrawl/render/browser/intercepted/places"] == 4


def test_interception_off_same_site_only_and_renewed_contexts(tmp_path, site_url):
    """Without interception the fetched list's JSON is not read; with SAME_SITE_ONLY the
    Copperleaf page's script from another host (localhost, not 127.0.0.1) is aborted;
    a context that served its share of pages is closed and replaced by a new one."""
    result = crawl(
        tmp_path, site_url, "-a", "render=browser",
        "-s", "NETCRAWL_BROWSER_INTERCEPT_JSON=False",
        "-s", "NETCRAWL_BROWSER_SAME_SITE_ONLY=True",
        "-s", "NETCRAWL_BROWSER_CONTEXT_PAGES=2",
    )
    stats = result.stats
    assert stats["playwright/page_count"] >= 5
    renewed = stats["netcrawl/render/browser/contexts_renewed"]
    assert renewed >= 2
    assert stats["playwright/context_count"] == renewed + 1
    assert stats["playwright/context_count/max_concurrent"] == 1  # the old one closed first
    assert stats["playwright/page_count/closed"] == stats["playwright/page_count"]
    names = set(result.names())
    assert names >= COPPERLEAF | BRAMBLE
    assert not any(item.get("source_format") == "api" for item in result.items)
    assert "netcrawl/render/browser/intercepted/responses" not in result.stats
    assert result.stats["netcrawl/render/browser/aborted/offsite"] >= 1


def test_auto_renders_only_script_built_pages(tmp_path, site_url):
    result = crawl(tmp_path, site_url)  # places' default: render = "auto"
    assert result.names() == sorted(ALL_PLACES)
    stats = result.stats
    assert stats["netcrawl/render/auto/app_root"] == 1  # Copperleaf
    assert stats["netcrawl/render/auto/locator_widget"] == 1  # Juniper & Vine
    assert stats["netcrawl/render/browser/pages"] == 2 == stats["playwright/page_count"]
    assert stats["playwright/page_count/closed"] == 2
    rendered = {item["name"] for item in result.items if item.get("extras", {}).get("rendered")}
    assert rendered == COPPERLEAF | JUNIPER  # found only after rendering
    # Bramble (places in JSON-LD, though it has an empty map) and the about page
    # (no place, no sign) were not rendered.
    rendered_urls = re.findall(r"No place at (\S+), which looks script-built", result.log)
    assert sorted(url.rsplit("/", 2)[-2] for url in rendered_urls) == ["copperleaf", "juniper"]


def test_site_needing_no_rendering_starts_no_browser(tmp_path):
    site = tmp_path / "site"
    (site / "bramble").mkdir(parents=True)
    shutil.copy(SITE / "bramble" / "shops.html", site / "bramble" / "shops.html")
    shutil.copy(SITE / "about.html", site / "about.html")
    (site / "index.html").write_text(
        '<html><body><a href="/bramble/shops.html">Shops</a> <a href="/about.html">About</a>'
        "</body></html>"
    )
    result = crawl(tmp_path, str(site))  # auto, with Chromium available
    assert "Rendering: auto" in result.log  # a renderer was configured...
    assert result.names() == sorted(BRAMBLE)
    assert _playwright_stats(result.stats) == {}  # ...but never started
    assert not any(key.startswith("netcrawl/render/") for key in result.stats)
    assert not result.browser_processes()
    assert "scrapy-playwright" not in result.log


def test_bad_render_argument_is_a_usage_error(tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "places", "-a", f"start_urls={SITE}",
         "-a", "render=chrome", "-s", "NETCRAWL_RUNS_ENABLED=False"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert process.returncode == 2
    assert "render='chrome': expected one of 'none', 'browser', 'splash', 'auto'" in (
        process.stderr
    )


PAGE_SPIDER = '''
import scrapy


class KeepPageSpider(scrapy.Spider):
    """Asks scrapy-playwright for the page object, and never closes it itself."""

    name = "keep_page"
    custom_settings = {"ITEM_PIPELINES": {}}  # its rows are not places

    def __init__(self, base, **kwargs):
        super().__init__(**kwargs)
        self.base = base

    async def start(self):
        for path in ("copperleaf/stores.html", "bramble/shops.html", "about.html"):
            yield scrapy.Request(self.base + path, meta={
                "netcrawl_render": "browser", "playwright_include_page": True})

    async def parse(self, response):
        page = response.meta["playwright_page"]
        yield {"url": response.url, "open_in_callback": not page.is_closed(),
               "title": await page.title()}
'''


def test_pages_kept_for_the_callback_are_closed_after_it(tmp_path, site_url):
    """With one page at a time, a page left open would block the next request for good."""
    spider_file = tmp_path / "keep_page.py"
    spider_file.write_text(PAGE_SPIDER)
    output = tmp_path / "pages.jsonl"
    process = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider_file), "-a", f"base={site_url}",
         "-O", str(output), "-s", "NETCRAWL_RUNS_ENABLED=False",
         "-s", "NETCRAWL_BROWSER_CONCURRENCY=1", "-s", "NETCRAWL_BROWSER_TIMEOUT=10"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=90,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(rows) == 3 and all(row["open_in_callback"] for row in rows)
    assert {row["title"] for row in rows} == {
        "Copperleaf stores", "Bramble Bakery shops", "About Northwind Retail Group"}
    assert "'netcrawl/render/browser/pages_closed_after_callback': 3" in process.stderr
