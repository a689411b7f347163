"""The ``render`` option's values, the signs of a script-built page, and rendered requests.

No browser runs here: these are the decisions taken before one would.
"""

from __future__ import annotations

import pickle

import pytest
from rendering_site import SITE
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.request import request_from_dict

from netcrawl import settings as project_settings
from netcrawl.rendering import RENDERED_META_KEY, RenderMode, RenderModeError, parse_render_mode
from netcrawl.rendering.browser import browser_configured, to_browser_request
from netcrawl.rendering.detection import script_built_reason

TEXT = "<p>" + "Fresh bread and coffee every morning from seven. " * 10 + "</p>"


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


# --- render values -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "mode"),
    [
        (None, RenderMode.NONE),
        ("none", RenderMode.NONE),
        ("", RenderMode.NONE),
        ("off", RenderMode.NONE),
        ("browser", RenderMode.BROWSER),
        (" Browser ", RenderMode.BROWSER),
        ("splash", RenderMode.SPLASH),
        ("auto", RenderMode.AUTO),
        (RenderMode.AUTO, RenderMode.AUTO),
    ],
)
def test_render_values(value, mode):
    assert parse_render_mode(value) is mode


@pytest.mark.parametrize("value", ["chrome", "playwright", "yes", 1])
def test_render_value_errors_name_the_choices(value):
    with pytest.raises(RenderModeError) as error:
        parse_render_mode(value, where="render")
    message = str(error.value)
    assert message.startswith(f"render={value!r}")
    for choice in ("'none'", "'browser'", "'splash'", "'auto'"):
        assert choice in message


# --- signs of a script-built page ----------------------------------------------------
@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (page('<div id="root"></div><script src="/app.js"></script>'), "app_root"),
        (page('<div id="__next"> </div>' + TEXT), "app_root"),
        (page('<main data-v-app=""></main>' + TEXT), "app_root"),
        (page('<section class="store-locator"><p>Loading…</p></section>' + TEXT),
         "locator_widget"),
        (page('<div id="StoreFinder"></div>' + TEXT), "locator_widget"),
        (page('<div class="stockists-widget" data-key="x"></div>' + TEXT), "locator_widget"),
        (page('<div id="store-map"></div>' + TEXT), "map_container"),
        (page('<div class="map-canvas js-map"></div>' + TEXT), "map_container"),
        (page("<noscript>Please enable JavaScript to find a shop.</noscript><h1>Shops</h1>"),
         "noscript"),
        (page("<script>a()</script><script>b()</script><p>Hi</p>", "<script>c()</script>"),
         "script_only"),
    ],
)
def test_script_built_signs(html, reason):
    assert script_built_reason(html) == reason


@pytest.mark.parametrize(
    "html",
    [
        page('<div id="root"><h1>Shops</h1>' + TEXT + "</div>"),  # server-rendered app
        page('<div class="store-locator"><ul><li><a href="/s/1">Bristol</a></li></ul></div>'),
        page('<div class="map"><iframe src="https://maps.example/embed"></iframe></div>' + TEXT),
        page('<div class="map"><img src="/static-map.png" alt="map"></div>' + TEXT),
        page('<ul class="sitemap"></ul><div class="mapping"></div>' + TEXT),
        page("<noscript>Please enable JavaScript.</noscript>" + TEXT * 4),
        page("<script>a()</script><script>b()</script><script>c()</script>" + TEXT),
        page(TEXT),
        page(""),
    ],
)
def test_ordinary_pages_show_no_sign(html):
    assert script_built_reason(html) is None


def test_site_pages_signs():
    """The loopback site: both script-built pages are recognised, the others are not."""
    expected = {
        "copperleaf/stores.html": "app_root",
        "juniper/finder.html": "locator_widget",
        "about.html": None,
        "index.html": None,
    }
    for path, reason in expected.items():
        response = HtmlResponse(
            url=f"http://127.0.0.1:8000/{path}", body=(SITE / path).read_bytes(), encoding="utf-8"
        )
        assert script_built_reason(response) == reason, path


# --- rendered requests ---------------------------------------------------------------
def test_to_browser_request_sets_scrapy_playwright_meta():
    settings = Settings(vars(project_settings))
    original = Request("http://127.0.0.1:8000/stores", meta={"depth": 2}, priority=7)
    rendered = to_browser_request(original, settings)
    assert rendered is not original and "playwright" not in original.meta
    assert rendered.url == original.url and rendered.priority == 7
    meta = rendered.meta
    assert meta["playwright"] is True
    assert meta["playwright_context"] == "netcrawl"
    assert meta["playwright_include_page"] is False  # scrapy-playwright closes the page
    assert meta["playwright_page_goto_kwargs"] == {"wait_until": "load"}
    assert meta["playwright_page_init_callback"] == "netcrawl.rendering.interception.prepare_page"
    [settle] = meta["playwright_page_methods"]
    assert settle.method.__name__ == "settle_page" and settle.args == (150, 5000)
    assert meta[RENDERED_META_KEY] == "browser" and meta["depth"] == 2


def test_to_browser_request_keeps_the_requests_own_choices():
    settings = Settings({"NETCRAWL_BROWSER_WAIT_UNTIL": "networkidle"})
    original = Request(
        "http://127.0.0.1:8000/",
        meta={"playwright_context": "mine", "playwright_include_page": True,
              "playwright_page_goto_kwargs": {"timeout": 1000}},
    )
    meta = to_browser_request(original, settings).meta
    assert meta["playwright_context"] == "mine"
    assert meta["playwright_include_page"] is True
    assert meta["playwright_page_goto_kwargs"] == {"timeout": 1000, "wait_until": "networkidle"}


def test_rendered_request_survives_a_disk_queue():
    """JOBDIR queues pickle requests: the rendered meta must stay serialisable."""
    rendered = to_browser_request(Request("http://127.0.0.1:8000/"), Settings())
    copy = request_from_dict(pickle.loads(pickle.dumps(rendered.to_dict())))
    assert copy.meta["playwright"] is True
    assert copy.meta["playwright_page_methods"][0].args == (150, 5000)


def test_bad_wait_condition_is_a_clear_error():
    with pytest.raises(ValueError, match="NETCRAWL_BROWSER_WAIT_UNTIL='idle'"):
        to_browser_request(Request("http://127.0.0.1:8000/"),
                           Settings({"NETCRAWL_BROWSER_WAIT_UNTIL": "idle"}))


def test_browser_configured(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    assert not browser_configured(Settings({"NETCRAWL_BROWSER_EXECUTABLE": str(fake)}))
    fake.chmod(0o755)
    assert browser_configured(Settings({"NETCRAWL_BROWSER_EXECUTABLE": str(fake)}))
    assert not browser_configured(
        Settings({"NETCRAWL_BROWSER_EXECUTABLE": str(fake), "NETCRAWL_BROWSER_ENABLED": False})
    )
    assert not browser_configured(Settings({"NETCRAWL_BROWSER_EXECUTABLE": "/nonexistent"}))
    assert browser_configured(
        Settings({"NETCRAWL_BROWSER_EXECUTABLE": "", "PLAYWRIGHT_CDP_URL": "ws://127.0.0.1:9222"})
    )
