"""The two middlewares and the extension, driven by hand through a real Crawler.

Everything here is the real component (crawler, settings, stats, fingerprints,
SQLite store); only the network is replaced by hand-made responses so that
every branch (304 replay, refetch, unstorable output, redirects) is reached
exactly. Whole crawls over HTTP are in test_recrawl.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler

from netcrawl.incremental.conditional import (
    CONDITIONAL_META_KEY,
    REFETCH_META_KEY,
    ConditionalRequestMiddleware,
)
from netcrawl.incremental.extension import IncrementalCrawl
from netcrawl.incremental.replay import ReplayNotModifiedMiddleware
from netcrawl.incremental.store import PreviousPages, store_path
from netcrawl.items import Place

BASE = "http://127.0.0.1:8765/"


class ShopSpider(Spider):
    name = "shops"
    handle_httpstatus_list: ClassVar[list[int]] = [404]

    def parse(self, response):
        yield Place(name=f"Shop at {response.url}", lat=1.0, lon=2.0)
        yield Request(BASE + "next", callback=self.parse, errback=self.on_error,
                      meta={"depth": 1})

    def parse_deep(self, response):
        yield Request(BASE + "deep", callback=self.parse, meta={"depth": 3})

    def on_error(self, failure):
        return None


class Crawl:
    """One crawl's components, opened; ``close(reason)`` ends it like the engine would."""

    def __init__(self, store_dir: Path, **settings: object) -> None:
        self.crawler = get_crawler(ShopSpider, {
            "NETCRAWL_INCREMENTAL": True,
            "NETCRAWL_INCREMENTAL_DIR": str(store_dir),
            "EXTENSIONS": {"netcrawl.incremental.extension.IncrementalCrawl": 0},
            **settings,
        })
        self.crawler.spider = self.spider = self.crawler._create_spider()
        self.extension = self.crawler.get_extension(IncrementalCrawl)
        self.extension.spider_opened()
        self.downloader = ConditionalRequestMiddleware.from_crawler(self.crawler)
        self.replay = ReplayNotModifiedMiddleware.from_crawler(self.crawler)

    def fetch(self, request: Request, status: int = 200, headers: dict | None = None,
              body: bytes = b"<html><body>shop</body></html>") -> list:
        """Send a request down and a response up, as Scrapy would; returns the output."""
        assert self.downloader.process_request(request) is None
        cls = HtmlResponse if status == 200 else Response
        response = cls(request.url, status=status, headers=headers or {}, body=body,
                       request=request)
        response = self.downloader.process_response(request, response)
        callback_output = request.callback(response) if status != 304 else iter(())
        return list(self.replay.process_spider_output(response, callback_output))

    def close(self, reason: str = "finished") -> None:
        self.extension.spider_closed(reason)

    def stat(self, key: str) -> int | None:
        return self.crawler.stats.get_value(f"netcrawl/incremental/{key}")


VALIDATORS = {"ETag": '"v1"', "Last-Modified": "Tue, 24 Nov 2026 10:00:00 GMT"}


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    """A store holding the output of one page, as a first crawl leaves it."""
    crawl = Crawl(tmp_path)
    output = crawl.fetch(Request(BASE, callback=crawl.spider.parse), headers=VALIDATORS)
    assert len(output) == 2
    crawl.close()
    assert crawl.stat("pages_recorded") == 1 and crawl.stat("pages_stored") == 1
    return tmp_path


def test_disabled_by_default(tmp_path: Path) -> None:
    crawler = get_crawler(ShopSpider, {
        "EXTENSIONS": {"netcrawl.incremental.extension.IncrementalCrawl": 0}})
    assert crawler.get_extension(IncrementalCrawl) is None
    with pytest.raises(NotConfigured):
        ConditionalRequestMiddleware.from_crawler(crawler)
    with pytest.raises(NotConfigured):
        ReplayNotModifiedMiddleware.from_crawler(crawler)


def test_known_pages_get_both_validators_and_may_answer_304(recorded: Path) -> None:
    crawl = Crawl(recorded)
    request = Request(BASE, callback=crawl.spider.parse)
    crawl.downloader.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Tue, 24 Nov 2026 10:00:00 GMT"
    # The spider's own allowed codes are kept, 304 is added.
    assert request.meta["handle_httpstatus_list"] == [404, 304]
    assert request.meta[CONDITIONAL_META_KEY] == BASE
    unknown = Request(BASE + "new", callback=crawl.spider.parse)
    crawl.downloader.process_request(unknown)
    assert b"If-None-Match" not in unknown.headers and "handle_httpstatus_list" not in unknown.meta
    assert crawl.stat("conditional_requests") == 1


@pytest.mark.parametrize("make", [
    lambda spider: Request(BASE, method="POST", callback=spider.parse),
    lambda spider: Request(BASE, callback=NO_CALLBACK),  # robots.txt for ROBOTSTXT_OBEY
    lambda spider: Request(BASE, callback=spider.parse, meta={"playwright": True}),
    lambda spider: Request(BASE, callback=spider.parse, meta={"netcrawl_render": "browser"}),
    lambda spider: Request(BASE, callback=spider.parse, meta={"netcrawl_rendered": "splash"}),
    lambda spider: Request(BASE, callback=spider.parse, meta={REFETCH_META_KEY: True}),
    lambda spider: Request(BASE, callback=spider.parse, headers={"If-None-Match": '"mine"'}),
], ids=["post", "no-callback", "playwright", "browser", "rendered", "refetch",
        "own-validator"])
def test_requests_left_alone(recorded: Path, make) -> None:
    crawl = Crawl(recorded)
    request = make(crawl.spider)
    before = dict(request.headers)
    crawl.downloader.process_request(request)
    assert dict(request.headers) == before and CONDITIONAL_META_KEY not in request.meta


@pytest.mark.parametrize("mode", ["none", "auto"])
def test_plain_render_modes_are_plain_downloads(recorded: Path, mode: str) -> None:
    """Data endpoints (``"none"``) and ``"auto"`` pages are downloaded first: conditional."""
    crawl = Crawl(recorded)
    request = Request(BASE, callback=crawl.spider.parse, meta={"netcrawl_render": mode})
    crawl.downloader.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'


def test_only_last_modified_sends_only_if_modified_since(tmp_path: Path) -> None:
    crawl = Crawl(tmp_path)
    crawl.fetch(Request(BASE, callback=crawl.spider.parse),
                headers={"Last-Modified": VALIDATORS["Last-Modified"]})
    crawl.close()
    crawl = Crawl(tmp_path)
    request = Request(BASE, callback=crawl.spider.parse)
    crawl.downloader.process_request(request)
    assert b"If-None-Match" not in request.headers
    assert request.headers[b"If-Modified-Since"] == VALIDATORS["Last-Modified"].encode()


def test_pages_without_validators_are_not_recorded(tmp_path: Path) -> None:
    crawl = Crawl(tmp_path)
    crawl.fetch(Request(BASE, callback=crawl.spider.parse))
    crawl.close()
    previous = PreviousPages.open(store_path(tmp_path, "shops"), "shops")
    assert previous is not None and len(previous) == 0


def test_redirect_drops_validators_of_the_first_url(recorded: Path) -> None:
    crawl = Crawl(recorded)
    request = Request(BASE, callback=crawl.spider.parse)
    crawl.downloader.process_request(request)
    redirected = request.replace(url=BASE + "moved")  # what RedirectMiddleware does
    crawl.downloader.process_request(redirected)
    assert b"If-None-Match" not in redirected.headers
    assert CONDITIONAL_META_KEY not in redirected.meta


def test_304_replays_the_stored_items_and_requests(recorded: Path) -> None:
    crawl = Crawl(recorded)
    output = crawl.fetch(Request(BASE, callback=crawl.spider.parse), status=304,
                         headers={"ETag": '"v1"'}, body=b"")
    place, follow = output
    assert isinstance(place, Place) and place["name"] == f"Shop at {BASE}"
    assert follow.url == BASE + "next" and follow.callback == crawl.spider.parse
    assert follow.errback == crawl.spider.on_error and follow.meta == {"depth": 1}
    assert (crawl.stat("not_modified"), crawl.stat("reused_items"),
            crawl.stat("reused_requests")) == (1, 1, 1)
    assert crawl.stat("body_bytes_saved") == len(b"<html><body>shop</body></html>")
    crawl.close()
    # The replayed page is in the new store, so the crawl after this one can reuse it too.
    previous = PreviousPages.open(store_path(recorded, "shops"), "shops")
    assert previous.validators(crawl.extension.fingerprint(Request(BASE))).etag == '"v1"'


def test_lowered_depth_limit_applies_to_replayed_requests(tmp_path: Path) -> None:
    crawl = Crawl(tmp_path)
    crawl.fetch(Request(BASE, callback=crawl.spider.parse_deep), headers=VALIDATORS)
    crawl.close()
    for limit, expected in ((3, 1), (2, 0)):
        crawl = Crawl(tmp_path, DEPTH_LIMIT=limit)
        output = crawl.fetch(Request(BASE, callback=crawl.spider.parse_deep), status=304,
                             body=b"")
        assert len(output) == expected


def test_unusable_stored_output_means_a_full_download(
    recorded: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawl = Crawl(recorded)
    monkeypatch.delattr(ShopSpider, "on_error")  # the errback was renamed since
    output = crawl.fetch(Request(BASE, callback=crawl.spider.parse), status=304, body=b"")
    (refetch,) = output
    assert refetch.url == BASE and refetch.dont_filter and refetch.meta[REFETCH_META_KEY]
    assert b"If-None-Match" not in refetch.headers
    crawl.downloader.process_request(refetch)
    assert b"If-None-Match" not in refetch.headers  # not made conditional again
    assert crawl.stat("replay_failed") == 1 and crawl.stat("not_modified") is None
    assert "netcrawl/incremental/replay_failed" in caplog.text


def test_unstorable_output_is_counted_and_not_recorded(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    crawl = Crawl(tmp_path)
    request = Request(BASE, callback=lambda response: iter([
        Request(BASE + "x", callback=lambda r: None)]))
    output = crawl.fetch(request, headers=VALIDATORS)
    assert len(output) == 1  # the crawl itself is unaffected
    assert crawl.stat("unstorable_pages") == 1 and crawl.stat("pages_recorded") is None
    assert "will be downloaded in full next time" in caplog.text


def test_callback_failing_halfway_records_nothing(tmp_path: Path) -> None:
    crawl = Crawl(tmp_path)

    def broken(response):
        yield Place(name="half")
        raise RuntimeError("extractor bug")

    request = Request(BASE, callback=broken)
    crawl.downloader.process_request(request)
    response = HtmlResponse(BASE, headers=VALIDATORS, body=b"<html></html>", request=request)
    outputs = crawl.replay.process_spider_output(response, broken(response))
    assert next(outputs)["name"] == "half"
    with pytest.raises(RuntimeError):
        next(outputs)
    assert crawl.stat("pages_recorded") is None


def test_unexpected_304_is_downloaded_again_then_given_up(tmp_path: Path) -> None:
    crawl = Crawl(tmp_path)
    request = Request(BASE, callback=crawl.spider.parse, meta={CONDITIONAL_META_KEY: BASE},
                      headers={"If-None-Match": '"v0"'})
    response = Response(BASE, status=304, request=request)
    (refetch,) = crawl.replay.process_spider_output(response, iter(["ignored"]))
    assert refetch.meta[REFETCH_META_KEY] and b"If-None-Match" not in refetch.headers
    # A server answering 304 to a request without validators: the callback decides.
    response = Response(BASE, status=304, request=refetch)
    assert list(crawl.replay.process_spider_output(response, iter(["kept"]))) == ["kept"]
    assert crawl.stat("unexpected_not_modified") == 2
    # Validators the spider set itself are none of this middleware's business.
    own = Request(BASE, callback=crawl.spider.parse, headers={"If-None-Match": '"mine"'})
    response = Response(BASE, status=304, request=own)
    assert list(crawl.replay.process_spider_output(response, iter(["kept"]))) == ["kept"]
    assert crawl.stat("unexpected_not_modified") == 2


@pytest.mark.parametrize("reason", ["shutdown", "closespider_pagecount", "cancelled"])
def test_unclean_close_keeps_the_previous_store(recorded: Path, reason: str) -> None:
    path = store_path(recorded, "shops")
    before = path.read_bytes()
    crawl = Crawl(recorded)
    crawl.fetch(Request(BASE + "other", callback=crawl.spider.parse), headers=VALIDATORS)
    crawl.close(reason)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["incremental.sqlite"]


def test_refresh_downloads_everything_and_rebuilds_the_store(recorded: Path) -> None:
    crawl = Crawl(recorded, NETCRAWL_INCREMENTAL_REFRESH=True)
    request = Request(BASE, callback=crawl.spider.parse)
    output = crawl.fetch(request, headers={"ETag": '"v2"'})
    assert b"If-None-Match" not in request.headers and len(output) == 2
    crawl.close()
    previous = PreviousPages.open(store_path(recorded, "shops"), "shops")
    assert previous.validators(crawl.extension.fingerprint(Request(BASE))).etag == '"v2"'


def test_async_output_chain_records_and_replays(tmp_path: Path) -> None:
    """The same behaviour when another middleware made the output an async iterable."""

    async def collect(crawl: Crawl, response: Response, outputs: list) -> list:
        async def source():
            for output in outputs:
                yield output
        return [o async for o in crawl.replay.process_spider_output_async(response, source())]

    crawl = Crawl(tmp_path)
    request = Request(BASE, callback=crawl.spider.parse)
    crawl.downloader.process_request(request)
    response = HtmlResponse(BASE, headers=VALIDATORS, body=b"<html></html>", request=request)
    fresh = asyncio.run(collect(crawl, response, list(crawl.spider.parse(response))))
    crawl.close()
    assert crawl.stat("pages_recorded") == 1

    crawl = Crawl(tmp_path)
    request = Request(BASE, callback=crawl.spider.parse)
    crawl.downloader.process_request(request)
    not_modified = Response(BASE, status=304, request=request)
    replayed = asyncio.run(collect(crawl, not_modified, ["callback output, never used"]))
    assert [type(o) for o in replayed] == [type(o) for o in fresh]
    assert dict(replayed[0]) == dict(fresh[0]) and replayed[1].url == fresh[1].url


def test_unusable_store_folder_means_a_plain_crawl(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store folder should be")
    crawl = Crawl(blocker)
    assert crawl.stat("store_unavailable") == 1
    assert "Incremental crawl disabled for this crawl" in caplog.text
    request = Request(BASE, callback=crawl.spider.parse)
    assert len(crawl.fetch(request, headers=VALIDATORS)) == 2
    assert b"If-None-Match" not in request.headers
    crawl.close()
