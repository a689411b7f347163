"""Crawls through a real Splash 3.5 (started by splash_server.py) of a JavaScript-built page.

The page, served on 127.0.0.1 by netcrawl's StaticFileServer (Splash, another
process, fetches it there), has no place in its HTML: an inline script draws two
stores as schema.org microdata, a "Load more stores" button adds two more and
scrolling to the bottom adds a fifth. Plain Scrapy sees none; Splash's render.json
(render.html with plain scrapy-splash) sees the first two; the shipped Lua script
(scroll, click "load more") sees all five.
``scrapy crawl places`` finds them with ``-a render=splash`` and, since the empty
``#store-list`` is a sign of a script-built page, in the default ``auto`` mode.
The same crawls of the shared JavaScript-built site (tests/rendering/site/, also
crawled with Chromium by test_browser_crawl.py) find every place of it, Juniper &
Vine's from the JSON its page loaded (Splash's HAR). Crawls run in child processes
(a Twisted reactor cannot restart).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import splash_server
from conftest import run_scrapy
from rendering_site import ALL_PLACES, BRAMBLE, COPPERLEAF, JUNIPER, JUNIPER_FEED, SITE

from netcrawl.serving import StaticFileServer

# The session's Splash (one for every module that uses these fixtures).
splash_process = splash_server.splash_process
splash_url = splash_server.splash_url

FIRST_BATCH = ["Alpha Store", "Beta Store"]
ALL_STORES = sorted([*FIRST_BATCH, "Gamma Store", "Delta Store", "Epsilon Store"])
# Short rounds keep the Lua render near one second.
FAST_SCRIPT_ARGS = json.dumps({"round_wait": 0.25})

STORE_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Nos magasins</title></head>
<body>
<h1>Nos magasins</h1>
<div id="store-list"></div>
<button id="more" type="button">Load more stores</button>
<div style="height: 3000px"></div>
<p id="end">Fin de la liste</p>
<script>
var buttonBatch = [
  {"name": "Gamma Store", "city": "Lille"}, {"name": "Delta Store", "city": "Brest"}
];
var scrollBatch = [{"name": "Epsilon Store", "city": "Dijon"}];
function addStores(stores) {
  var root = document.getElementById("store-list");
  stores.forEach(function (store) {
    var div = document.createElement("div");
    div.className = "store";
    div.setAttribute("itemscope", "");
    div.setAttribute("itemtype", "https://schema.org/Store");
    div.innerHTML = '<span itemprop="name">' + store.name + '</span>' +
      '<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">' +
      '<span itemprop="streetAddress">1 rue de la Gare</span>, ' +
      '<span itemprop="addressLocality">' + store.city + '</span>' +
      '<meta itemprop="addressCountry" content="FR"></div>';
    root.appendChild(div);
  });
}
addStores([{"name": "Alpha Store", "city": "Lyon"}, {"name": "Beta Store", "city": "Nantes"}]);
document.getElementById("more").addEventListener("click", function () {
  addStores(buttonBatch);
  this.style.display = "none";
});
window.addEventListener("scroll", function onScroll() {
  if (window.innerHeight + window.pageYOffset >= document.body.scrollHeight - 50) {
    window.removeEventListener("scroll", onScroll);
    addStores(scrollBatch);
  }
});
</script>
</body></html>
"""

# Plain Scrapy and scrapy-splash's documented API, wired to netcrawl's compat classes;
# run outside the project (no netcrawl settings).
PLAIN_SCRAPY_SPIDER = """
import scrapy
from netcrawl.rendering.splash_compat import SplashRequest


class StoresSpider(scrapy.Spider):
    name = "stores"
    custom_settings = {
        "DOWNLOADER_MIDDLEWARES": {
            "netcrawl.rendering.splash_compat.SplashCookiesMiddleware": 723,
            "netcrawl.rendering.splash_compat.SplashMiddleware": 725,
        },
        "SPIDER_MIDDLEWARES": {
            "netcrawl.rendering.splash_compat.SplashDeduplicateArgsMiddleware": 100,
        },
        "REQUEST_FINGERPRINTER_CLASS":
            "netcrawl.rendering.splash_compat.SplashRequestFingerprinter",
    }

    async def start(self):
        yield scrapy.Request(self.page, cb_kwargs={"how": "plain"})
        # Same URL: only the Splash-aware fingerprint keeps it from being a duplicate.
        yield SplashRequest(self.page, args={"wait": 0.3}, cb_kwargs={"how": "splash"})

    def parse(self, response, how):
        yield {
            "how": how,
            "response": type(response).__name__,
            "url": response.url,
            "stores": response.css(".store [itemprop=name]::text").getall(),
        }
"""

# netcrawl's settings and extraction, with to_splash_request (what the rendering
# middleware calls); one request per way of fetching the page.
NETCRAWL_SPIDER = """
import scrapy
from netcrawl.extraction import extract_places
from netcrawl.rendering.splash import to_splash_request


class StoresSpider(scrapy.Spider):
    name = "stores"
    allowed_domains = ["127.0.0.1"]  # the site; Splash is reached as "localhost"

    async def start(self):
        yield scrapy.Request(self.page, cb_kwargs={"how": "plain"})
        for how, options in [
            ("render.json", {}),
            ("lua", {"lua_source": "scroll_and_load_more.lua"}),
        ]:
            request = scrapy.Request(
                self.page, cb_kwargs={"how": how}, meta={"netcrawl_splash": options}
            )
            yield to_splash_request(request, self.settings)

    def parse(self, response, how):
        result = extract_places(response, response.url)
        yield {
            "how": how,
            "rendered": response.meta.get("netcrawl_rendered"),
            "url": response.url,
            "stores": sorted(place["name"] for place in result.places),
            "countries": sorted({place.get("country", "") for place in result.places}),
        }
"""


@pytest.fixture(scope="module")
def store_page(tmp_path_factory):
    """URL of the JavaScript-built store list on a loopback server."""
    root = tmp_path_factory.mktemp("js-stores")
    (root / "stores").mkdir()
    (root / "stores" / "index.html").write_text(STORE_PAGE, encoding="utf-8")
    server = StaticFileServer(root).start()
    yield server.url + "stores/index.html"
    server.stop()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def by_how(items: list[dict]) -> dict[str, dict]:
    return {item["how"]: item for item in items}


def test_plain_scrapy_with_splash_request_renders_the_store_list(tmp_path, splash_url, store_page):
    (tmp_path / "stores_spider.py").write_text(PLAIN_SCRAPY_SPIDER)
    output = tmp_path / "stores.jsonl"
    completed = subprocess.run(
        # -W error: no deprecation warning from scrapy-splash or the compat layer.
        [sys.executable, "-W", "error", "-m", "scrapy", "runspider", "stores_spider.py",
         "-a", f"page={store_page}", "-s", f"SPLASH_URL={splash_url}", "-O", str(output)],
        cwd=tmp_path,  # outside the project: Scrapy's defaults plus the spider's settings
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    results = by_how(read_jsonl(output))
    assert results["plain"]["stores"] == []  # the HTML itself has no store
    assert results["splash"]["stores"] == FIRST_BATCH
    assert results["splash"]["response"] == "SplashHtmlResponse"  # an HtmlResponse
    assert results["splash"]["url"] == store_page  # the site's URL, not Splash's
    assert "'splash/render.html/response_count/200': 1" in completed.stderr


def test_netcrawl_settings_render_html_and_lua_script(tmp_path, splash_url, store_page):
    (tmp_path / "stores_spider.py").write_text(NETCRAWL_SPIDER)
    output = tmp_path / "stores.jsonl"
    completed = run_scrapy(
        "runspider", str(tmp_path / "stores_spider.py"),
        "-a", f"page={store_page}",
        # Another host name than the site's: the request to Splash must not be offsite.
        "-s", f"SPLASH_URL={splash_url.replace('127.0.0.1', 'localhost')}",
        "-s", f"NETCRAWL_SPLASH_SCRIPT_ARGS={FAST_SCRIPT_ARGS}",
        "-s", "ITEM_PIPELINES={}",  # the three fetches' places would be deduplicated
        "-s", "NETCRAWL_RUNS_ENABLED=False",
        "-O", str(output),
        timeout=60,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert " ERROR: " not in completed.stderr, completed.stderr[-3000:]
    results = by_how(read_jsonl(output))
    assert results["plain"]["stores"] == []
    assert results["plain"]["rendered"] is None
    assert results["render.json"]["stores"] == sorted(FIRST_BATCH)
    assert results["render.json"]["rendered"] == "splash"
    assert results["render.json"]["countries"] == ["FR"]
    # The Lua script clicked "Load more stores" and scrolled to the bottom.
    assert results["lua"]["stores"] == ALL_STORES
    assert results["lua"]["url"] == store_page
    assert "'splash/execute/response_count/200': 1" in completed.stderr


def crawl_places(
    tmp_path: Path, splash_url: str, *args: str
) -> tuple[list[dict], subprocess.CompletedProcess]:
    """``scrapy crawl places`` against ``splash_url``: its places and the finished process."""
    output = tmp_path / "places.jsonl"
    completed = run_scrapy(
        "crawl", "places", *args,
        "-s", f"SPLASH_URL={splash_url}",
        "-s", "GEOCODER_ENABLED=False",
        "-O", str(output),
        timeout=90,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    return read_jsonl(output), completed


def test_places_spider_with_render_splash(tmp_path, splash_url, store_page):
    places, completed = crawl_places(
        tmp_path, splash_url,
        "-a", f"start_urls={store_page}",
        "-a", "render=splash",
        "-s", "NETCRAWL_SPLASH_LUA_SOURCE=scroll_and_load_more.lua",
        "-s", f"NETCRAWL_SPLASH_SCRIPT_ARGS={FAST_SCRIPT_ARGS}",
    )  # fmt: skip
    assert sorted(place["name"] for place in places) == ALL_STORES
    assert {place["country"] for place in places} == {"FR"}
    assert all(place["extras"]["rendered"] is True for place in places)
    assert "'splash/execute/response_count/200'" in completed.stderr


def test_splash_process_is_loopback_only_and_measurable(splash_process):
    assert splash_process.url.startswith("http://127.0.0.1:")
    assert splash_process.process.poll() is None
    assert splash_process.memory_bytes() > 50 * 1024 * 1024  # a Qt browser, really running


def test_places_spider_auto_mode_renders_the_script_built_page_with_splash(
    tmp_path, splash_url, store_page
):
    # render: the spider's default, "auto"
    places, completed = crawl_places(tmp_path, splash_url, "-a", f"start_urls={store_page}")
    # render.json: the stores the page draws by itself (no click, no scroll).
    assert sorted(place["name"] for place in places) == sorted(FIRST_BATCH)
    assert all(place["extras"]["rendered"] is True for place in places)
    # The same URL, fetched plainly then rendered: the Splash-aware fingerprint let it through.
    assert "'splash/render.json/response_count/200': 1" in completed.stderr
    assert "netcrawl/render/auto/" in completed.stderr


# --- The shared JavaScript-built site ------------------------------------------------


@pytest.fixture(scope="module")
def site_url():
    """tests/rendering/site/ on 127.0.0.1 (one server for the module's crawls)."""
    with StaticFileServer(SITE) as server:
        yield server.url


def names(places: list[dict]) -> list[str]:
    return sorted(place["name"] for place in places)


def test_shared_site_render_splash_finds_every_place(tmp_path, splash_url, site_url):
    places, completed = crawl_places(
        tmp_path, splash_url, "-a", f"start_urls={site_url}", "-a", "render=splash"
    )
    assert names(places) == sorted(ALL_PLACES)  # each once
    assert all(place["extras"]["rendered"] is True for place in places)
    # Copperleaf's list drawn by its inline script (microdata in the rendered DOM)...
    copperleaf = [place for place in places if place["name"] in COPPERLEAF]
    assert {place["source_format"] for place in copperleaf} == {"microdata"}
    # ...Juniper & Vine's read from the JSON its page loaded, taken from Splash's HAR.
    juniper = [place for place in places if place["name"] in JUNIPER]
    for place in juniper:
        assert place["source_format"] == "api"
        assert place["source_url"] == site_url + JUNIPER_FEED
        assert isinstance(place["lat"], float) and isinstance(place["lon"], float)
    assert "'netcrawl/render/splash/intercepted/responses': 1" in completed.stderr
    assert "'netcrawl/render/splash/intercepted/places': 4" in completed.stderr
    assert "'splash/render.json/response_count/200'" in completed.stderr
    assert "Bad request to Splash" not in completed.stderr


def test_shared_site_auto_with_splash_url_finds_every_place(tmp_path, splash_url, site_url):
    places, completed = crawl_places(tmp_path, splash_url, "-a", f"start_urls={site_url}")
    assert names(places) == sorted(ALL_PLACES)
    rendered = {place["name"] for place in places if place["extras"].get("rendered")}
    assert rendered == COPPERLEAF | JUNIPER  # Bramble's JSON-LD needed no rendering
    assert "'netcrawl/render/auto/app_root': 1" in completed.stderr  # Copperleaf
    assert "'netcrawl/render/auto/locator_widget': 1" in completed.stderr  # Juniper & Vine
    assert "'netcrawl/render/splash/pages': 2" in completed.stderr
    assert "'splash/render.json/response_count/200': 2" in completed.stderr
    assert "playwright/" not in completed.stderr  # Splash rendered, not Chromium


def test_shared_site_with_splash_chromium_engine(tmp_path, splash_url, site_url):
    """Splash's Chromium engine renders the pages (no 400 for WebKit-only arguments),
    but has no HAR: Juniper & Vine's list, drawn as plain text, stays unread."""
    places, completed = crawl_places(
        tmp_path, splash_url, "-a", f"start_urls={site_url}", "-a", "render=splash",
        "-s", "NETCRAWL_SPLASH_ENGINE=chromium",
    )  # fmt: skip
    assert names(places) == sorted(COPPERLEAF | BRAMBLE)
    assert "Bad request to Splash" not in completed.stderr
    assert "download_error" not in completed.stderr
    assert "'splash/render.html/response_count/200'" in completed.stderr
