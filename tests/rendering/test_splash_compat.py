"""The scrapy-splash compatibility layer and ``to_splash_request``, without a Splash server.

These run in-process against Scrapy 2.19's real middleware managers and fingerprinter;
the crawls through a real Splash are in test_splash.py.
"""

from __future__ import annotations

import base64
import inspect
import json
import logging
import subprocess
import sys
import warnings

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.core.spidermw import SpiderMiddlewareManager
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings
from scrapy.utils.request import RequestFingerprinter
from scrapy.utils.test import get_crawler

import netcrawl.settings as project_settings_module
from netcrawl.rendering import splash_compat
from netcrawl.rendering.interception import INTERCEPTED_META_KEY
from netcrawl.rendering.splash import (
    SCRIPTS_DIR,
    load_lua_source,
    splash_configured,
    to_splash_request,
)
from netcrawl.rendering.splash_capture import captured_json_responses
from netcrawl.rendering.splash_compat import (
    SplashCookiesMiddleware,
    SplashDeduplicateArgsMiddleware,
    SplashHtmlResponse,
    SplashMiddleware,
    SplashRequest,
    SplashRequestFingerprinter,
)

SPLASH = "http://127.0.0.1:8050"
PAGE = "http://127.0.0.1:9/stores/"


def project_settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings_module, priority="project")
    settings.update(overrides, priority="cmdline")
    return settings


def splash_crawler(**overrides: object):
    """A crawler with netcrawl's Splash settings only (no other helper's components)."""
    project = project_settings()
    own = {
        "DOWNLOADER_MIDDLEWARES": {
            name: order
            for name, order in project.getdict("DOWNLOADER_MIDDLEWARES").items()
            if "splash" in name
        },
        "SPIDER_MIDDLEWARES": {
            name: order
            for name, order in project.getdict("SPIDER_MIDDLEWARES").items()
            if "splash" in name
        },
        "REQUEST_FINGERPRINTER_CLASS": project["REQUEST_FINGERPRINTER_CLASS"],
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": project["REQUEST_FINGERPRINTER_IMPLEMENTATION"],
        "SPLASH_URL": SPLASH,
        **{name: project[name] for name in project if name.startswith("NETCRAWL_SPLASH_")},
    }
    own.update(overrides)
    crawler = get_crawler(Spider, own)
    crawler.spider = Spider(name="stores")
    return crawler


def noop(response):  # a named callback, as spiders have
    return None


def on_error(failure):
    return None


# --- The compatibility layer -----------------------------------------------------


def test_scrapy_splash_imports_only_through_the_compat_layer():
    alone = subprocess.run(
        [sys.executable, "-c", "import scrapy_splash"], capture_output=True, text=True
    )
    assert alone.returncode != 0
    assert "canonicalize_url" in alone.stderr  # breakage 1, still present upstream

    patched = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            "import netcrawl.rendering.splash_compat, scrapy_splash; "
            "print(scrapy_splash.SplashRequestFingerprinter.__module__)",
        ],
        capture_output=True,
        text=True,
    )
    assert patched.returncode == 0, patched.stderr
    assert patched.stdout.strip() == "scrapy_splash.request"


def test_scrapy_refuses_the_original_spider_middleware_but_takes_ours():
    with pytest.raises(TypeError, match="asynchronous spider output"):
        SpiderMiddlewareManager._get_process_spider_output(
            splash_compat.scrapy_splash.SplashDeduplicateArgsMiddleware()
        )
    ours = SplashDeduplicateArgsMiddleware(splash_crawler())
    method = SpiderMiddlewareManager._get_process_spider_output(ours)
    assert inspect.isasyncgenfunction(method)
    assert inspect.isasyncgenfunction(ours.process_start)


def test_project_settings_load_the_compat_middlewares_without_deprecation_warnings():
    settings = project_settings()
    assert (
        settings.getdict("DOWNLOADER_MIDDLEWARES")[
            "netcrawl.rendering.splash_compat.SplashMiddleware"
        ]
        == 725
    )
    assert settings["SPLASH_URL"] == ""  # Splash is opt-in
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ScrapyDeprecationWarning included
        crawler = splash_crawler()
        downloader = DownloaderMiddlewareManager.from_crawler(crawler)
        spider_mws = SpiderMiddlewareManager.from_crawler(crawler)
    loaded = {type(mw) for mw in downloader.middlewares + spider_mws.middlewares}
    assert {SplashCookiesMiddleware, SplashMiddleware, SplashDeduplicateArgsMiddleware} <= loaded
    assert type(crawler.request_fingerprinter) is SplashRequestFingerprinter
    # The spider argument is deprecated in Scrapy 2.19; ours take none.
    assert not downloader._mw_methods_requiring_spider
    assert not spider_mws._mw_methods_requiring_spider


def test_without_splash_url_the_middlewares_are_off_or_inert(caplog):
    crawler = splash_crawler(SPLASH_URL="")
    assert not splash_configured(crawler.settings)
    with pytest.raises(NotConfigured):
        SplashCookiesMiddleware.from_crawler(crawler)
    with pytest.raises(NotConfigured):
        SplashDeduplicateArgsMiddleware.from_crawler(crawler)

    middleware = SplashMiddleware.from_crawler(crawler)
    plain = Request(PAGE)
    splash = SplashRequest(PAGE, args={"wait": 1})
    with caplog.at_level(logging.WARNING):
        assert middleware.process_request(plain) is None
        assert middleware.process_request(splash) is None
        assert middleware.process_request(splash.replace(url=PAGE + "2")) is None
    assert crawler.stats.get_value("netcrawl/splash/not_configured") == 2
    warnings_logged = [r for r in caplog.records if "SPLASH_URL is empty" in r.getMessage()]
    assert len(warnings_logged) == 1
    assert not hasattr(crawler.spider, "state")  # left alone


def test_fingerprints_cover_splash_arguments_and_leave_plain_requests_alone():
    crawler = splash_crawler()
    fingerprint = crawler.request_fingerprinter.fingerprint
    settings = crawler.settings
    plain = Request(PAGE)
    rendered = to_splash_request(Request(PAGE), settings)
    assert fingerprint(plain) == RequestFingerprinter().fingerprint(plain)
    assert fingerprint(rendered) != fingerprint(plain)  # auto mode may fetch it again
    assert fingerprint(rendered) == fingerprint(to_splash_request(Request(PAGE), settings))
    longer_wait = to_splash_request(Request(PAGE, meta={"netcrawl_splash": {"wait": 2}}), settings)
    assert fingerprint(longer_wait) != fingerprint(rendered)
    scripted = to_splash_request(
        Request(PAGE, meta={"netcrawl_splash": {"lua_source": "scroll_and_load_more.lua"}}),
        settings,
    )
    assert fingerprint(scripted) != fingerprint(rendered)


def test_splash_middleware_posts_the_render_to_splash():
    crawler = splash_crawler(
        SPLASH_SLOT_POLICY="scrapy_default", NETCRAWL_SPLASH_CAPTURE_JSON=False
    )
    middleware = SplashMiddleware.from_crawler(crawler)
    middleware.spider_opened(crawler.spider)
    request = to_splash_request(
        Request(
            PAGE,
            headers={"User-Agent": "netcrawl-test", "Accept-Encoding": "gzip, br, zstd"},
            meta={"download_timeout": 30},
        ),
        crawler.settings,
    )
    sent = middleware.process_request(request)
    assert sent.url == SPLASH + "/render.html"
    assert sent.method == "POST"
    assert sent.headers[b"Content-Type"] == b"application/json"
    args = json.loads(sent.body)
    assert args["url"] == PAGE
    assert args["wait"] == 0.5
    assert args["viewport"] == "1280x1024"
    assert args["headers"]["User-Agent"] == "netcrawl-test"
    assert "Accept-Encoding" not in args["headers"]  # the browser negotiates its own
    assert sent.meta["dont_obey_robotstxt"] is True  # robots.txt was checked for PAGE
    assert sent.meta["allow_offsite"] is True  # and allowed_domains too
    assert sent.meta["download_timeout"] == args["timeout"] + 5  # Splash's timeout + margin
    assert crawler.stats.get_value("splash/render.html/request_count") == 1
    assert middleware.process_request(sent) is None  # processed once

    answer = HtmlResponse(
        sent.url,
        body=b"<html><body><p class=store>Alpha</p></body></html>",
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=sent,
    )
    rendered = middleware.process_response(sent, answer)
    assert isinstance(rendered, SplashHtmlResponse) and isinstance(rendered, HtmlResponse)
    assert rendered.url == PAGE and rendered.real_url == SPLASH + "/render.html"
    assert rendered.css(".store::text").get() == "Alpha"
    # Code that normalises responses with replace(cls=...) gets a plain copy.
    plain = rendered.replace(cls=TextResponse)
    assert type(plain) is TextResponse and plain.url == PAGE and plain.text == rendered.text
    assert crawler.stats.get_value("splash/render.html/response_count/200") == 1


# --- to_splash_request -------------------------------------------------------------


def test_to_splash_request_keeps_the_request_and_marks_it_rendered():
    settings = project_settings(SPLASH_URL=SPLASH)
    original = Request(
        PAGE,
        callback=noop,
        errback=on_error,
        cb_kwargs={"site": "stores"},
        priority=7,
        dont_filter=True,
        headers={"Accept-Language": "fr"},
        meta={"depth": 2, "netcrawl_render": "splash"},
        flags=["start"],
    )
    rendered = to_splash_request(original, settings)
    assert isinstance(rendered, SplashRequest)
    assert rendered.url == PAGE
    assert rendered.callback is noop and rendered.errback is on_error
    assert rendered.cb_kwargs == {"site": "stores"}
    assert rendered.priority == 7 and rendered.dont_filter and rendered.flags == ["start"]
    assert rendered.headers[b"Accept-Language"] == b"fr"
    assert rendered.meta["depth"] == 2
    assert rendered.meta["netcrawl_rendered"] == "splash"
    # render.json: the DOM as HTML and the HAR with bodies (the JSON the page loads).
    assert rendered.meta["splash"]["endpoint"] == "render.json"
    assert rendered.meta["splash"]["args"] == {
        "url": PAGE,
        "wait": 0.5,
        "viewport": "1280x1024",
        "timeout": 60.0,
        "resource_timeout": 15.0,
        "html": 1,
        "har": 1,
        "response_body": 1,
    }
    assert "netcrawl_rendered" not in original.meta
    assert to_splash_request(rendered, settings) is rendered  # already for Splash


def test_lua_script_from_settings_and_per_request_overrides():
    settings = project_settings(
        SPLASH_URL=SPLASH,
        NETCRAWL_SPLASH_LUA_SOURCE="scroll_and_load_more.lua",
        NETCRAWL_SPLASH_SCRIPT_ARGS={"max_rounds": 3},
        NETCRAWL_SPLASH_WAIT=1.5,
    )
    scripted = to_splash_request(Request(PAGE), settings)
    splash = scripted.meta["splash"]
    assert splash["endpoint"] == "execute"
    assert splash["args"]["lua_source"] == (SCRIPTS_DIR / "scroll_and_load_more.lua").read_text()
    assert splash["args"]["max_rounds"] == 3 and splash["args"]["wait"] == 1.5

    inline = "function main(splash, args)\n  return splash:html()\nend"
    overridden = to_splash_request(
        Request(
            PAGE,
            meta={
                "netcrawl_splash": {
                    "lua_source": inline,
                    "viewport": "full",
                    "script_args": {"load_more_selector": "#more"},
                }
            },
        ),
        settings,
    )
    args = overridden.meta["splash"]["args"]
    assert args["lua_source"] == inline and args["viewport"] == "full"
    assert args["load_more_selector"] == "#more" and args["max_rounds"] == 3

    html_only = to_splash_request(
        Request(PAGE, meta={"netcrawl_splash": {"lua_source": "", "engine": "chromium"}}),
        settings,
    )
    assert html_only.meta["splash"]["endpoint"] == "render.html"
    assert html_only.meta["splash"]["args"]["engine"] == "chromium"
    # Splash 3.5's Chromium answers 400 "resource_timeout is not implemented".
    assert "resource_timeout" not in html_only.meta["splash"]["args"]
    no_capture = to_splash_request(
        Request(PAGE, meta={"netcrawl_splash": {"lua_source": "", "capture_json": False}}),
        settings,
    )
    assert no_capture.meta["splash"]["endpoint"] == "render.html"
    assert "har" not in no_capture.meta["splash"]["args"]


@pytest.mark.parametrize(
    ("overrides", "meta", "message"),
    [
        ({"NETCRAWL_SPLASH_VIEWPORT": "wide"}, {}, "WIDTHxHEIGHT"),
        ({"NETCRAWL_SPLASH_ENGINE": "gecko"}, {}, "NETCRAWL_SPLASH_ENGINE"),
        ({"NETCRAWL_SPLASH_LUA_SOURCE": "no_such_script.lua"}, {}, "scroll_and_load_more.lua"),
        ({}, {"netcrawl_splash": {"wiat": 2}}, "unknown keys"),
    ],
)
def test_bad_splash_options_say_what_is_wrong(overrides, meta, message):
    settings = project_settings(SPLASH_URL=SPLASH, **overrides)
    with pytest.raises(ValueError, match=message):
        to_splash_request(Request(PAGE, meta=meta), settings)


def test_lua_source_forms(tmp_path):
    script = tmp_path / "mine.lua"
    script.write_text("function main(splash) return 'mine' end")
    assert load_lua_source(str(script)) == script.read_text()
    assert load_lua_source("  ") == ""
    assert "function main(splash, args)" in load_lua_source("scroll_and_load_more.lua")
    assert splash_configured(project_settings(SPLASH_URL=" http://127.0.0.1:8050 "))


# --- Splash's replies: render.json, BadOption errors, Chromium -------------------------

FEED = "http://127.0.0.1:9/stores/feed.json"
FEED_BODY = json.dumps(
    {"stores": [{"name": "Alpha", "city": "Lyon", "country": "FR", "lat": 45.76, "lng": 4.83}]}
).encode()


#: Download slots without a running engine (no crawl starts in these tests).
NO_ENGINE_SLOTS = {"SPLASH_SLOT_POLICY": "scrapy_default"}


def har_entry(url: str, status: int, mime: str, body: bytes | None) -> dict:
    content: dict = {"mimeType": mime, "size": len(body or b"")}
    if body is not None:
        content.update(text=base64.b64encode(body).decode(), encoding="base64")
    return {"request": {"url": url}, "response": {"status": status, "content": content}}


def sent_to_splash(crawler, request: Request) -> tuple[SplashMiddleware, Request]:
    middleware = SplashMiddleware.from_crawler(crawler)
    middleware.spider_opened(crawler.spider)
    return middleware, middleware.process_request(to_splash_request(request, crawler.settings))


def test_render_json_reply_is_the_page_with_its_json_responses_kept(caplog):
    crawler = splash_crawler(NETCRAWL_BROWSER_INTERCEPT_MAX_BYTES=100_000, **NO_ENGINE_SLOTS)
    middleware, sent = sent_to_splash(crawler, Request(PAGE))
    assert sent.url == SPLASH + "/render.json"
    har = {"log": {"entries": [
        har_entry(PAGE, 200, "text/html", b"<html></html>"),  # the page itself
        har_entry(FEED, 200, "application/json", FEED_BODY),
        har_entry("http://127.0.0.1:9/app.js", 200, "application/javascript", b"var a;"),
        har_entry("http://127.0.0.1:9/gone.json", 404, "application/json", b"{}"),
        har_entry("http://127.0.0.1:9/cached.json", 304, "", None),
        har_entry("http://127.0.0.1:9/api/stores", 200, "application/json", None),
    ]}}  # fmt: skip
    reply = {"url": PAGE, "html": "<html><body><p class=store>Alpha</p></body></html>",
             "har": har}  # fmt: skip
    answer = TextResponse(sent.url, body=json.dumps(reply).encode(), request=sent,
                          headers={"Content-Type": "application/json"})  # fmt: skip
    with caplog.at_level(logging.WARNING):
        rendered = middleware.process_response(sent, answer)
    assert isinstance(rendered, SplashHtmlResponse) and rendered.url == PAGE
    assert rendered.css(".store::text").get() == "Alpha"
    captured = rendered.meta[INTERCEPTED_META_KEY]
    assert captured.responses == [
        {"url": FEED, "content_type": "application/json", "body": FEED_BODY}
    ]
    assert captured.skipped == {"not_modified": 1, "unreadable": 1}
    assert "--disable-browser-caches" in caplog.text  # the 304 explained once
    assert crawler.stats.get_value("splash/render.json/response_count/200") == 1


def test_captured_json_limits():
    entries = [har_entry(f"http://127.0.0.1:9/{n}.json", 200, "application/json", b"[1, 2]")
               for n in range(3)]  # fmt: skip
    entries.append(har_entry("http://127.0.0.1:9/big.json", 200, "text/plain", b"[" * 50))
    captured = captured_json_responses({"log": {"entries": entries}}, PAGE, 10, 2)
    assert [entry["url"] for entry in captured.responses] == [
        "http://127.0.0.1:9/0.json", "http://127.0.0.1:9/1.json"]  # fmt: skip
    assert captured.skipped == {"too_many": 2}
    captured = captured_json_responses({"log": {"entries": entries[3:]}}, PAGE, 10, 2)
    assert captured.skipped == {"too_large": 1}  # a .json served as text/plain is JSON
    assert captured_json_responses(None, PAGE).responses == []  # no HAR: nothing


def test_bad_option_error_from_splash_is_a_400_response_not_a_crash(caplog):
    """Splash's BadOption errors carry a sentence as ``info``; scrapy-splash indexed it."""
    crawler = splash_crawler(**NO_ENGINE_SLOTS)
    middleware, sent = sent_to_splash(crawler, Request(PAGE))
    error = {"error": 400, "type": "BadOption", "description": "Incorrect HTTP API arguments",
             "info": "headers is not implemented"}  # fmt: skip
    answer = TextResponse(sent.url, status=400, body=json.dumps(error).encode(), request=sent,
                          headers={"Content-Type": "application/json"})  # fmt: skip
    with caplog.at_level(logging.WARNING):
        replied = middleware.process_response(sent, answer)
    assert replied.status == 400 and replied.data == error
    assert "Bad request to Splash" in caplog.text and "headers is not implemented" in caplog.text


def test_chromium_engine_gets_no_headers_nor_resource_timeout():
    crawler = splash_crawler(NETCRAWL_SPLASH_ENGINE="chromium", **NO_ENGINE_SLOTS)
    _, sent = sent_to_splash(crawler, Request(PAGE, headers={"User-Agent": "netcrawl-test"}))
    assert sent.url == SPLASH + "/render.html"
    args = json.loads(sent.body)
    assert args["engine"] == "chromium"
    assert "headers" not in args and "resource_timeout" not in args
