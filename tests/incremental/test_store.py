"""The page store and its JSON codec, on real SQLite files."""

from __future__ import annotations

import math
import os
import sqlite3
import time
from pathlib import Path

import pytest
from scrapy import FormRequest, Request, Spider

from netcrawl.incremental import codec
from netcrawl.incremental.store import (
    FORMAT_VERSION,
    PageRecord,
    PageStoreWriter,
    PreviousPages,
    site_of,
    store_path,
)
from netcrawl.items import Place


class ShopSpider(Spider):
    name = "shops"

    def parse(self, response):  # pragma: no cover - never called
        return None

    def on_error(self, failure):  # pragma: no cover - never called
        return None


def record(url: str, *, etag: str | None = '"e1"', seen: float | None = None,
           items: str = "[]", requests: str = "[]") -> PageRecord:
    return PageRecord(url=url, etag=etag, last_modified="Tue, 24 Nov 2026 10:00:00 GMT",
                      body_size=1234, items=items, requests=requests,
                      seen=time.time() if seen is None else seen)


def write_store(path: Path, records: dict[bytes, PageRecord], spider: str = "shops") -> None:
    writer = PageStoreWriter(path, spider)
    for fingerprint, page in records.items():
        writer.put(fingerprint, page)
    writer.commit()


# --- codec -------------------------------------------------------------------------------

def test_codec_round_trips_bytes_and_awkward_dicts() -> None:
    value = {
        "headers": {b"Referer": [b"http://127.0.0.1/a"], b"X-Raw": [b"\x00\xff"]},
        "body": b"",
        "meta": {"depth": 2, "$b": "a real key that looks like a tag", "nested": [1, 2.5, None]},
        "text": "Zürich, 東京",
    }
    assert codec.loads(codec.dumps(value)) == value


@pytest.mark.parametrize("bad", [{"x": {1, 2}}, {"x": math.nan}, {"x": object()}])
def test_codec_refuses_what_json_cannot_carry(bad: dict) -> None:
    with pytest.raises(codec.Unstorable):
        codec.dumps(bad)


def test_requests_keep_callbacks_by_name_and_rebind_to_the_new_spider() -> None:
    old, new = ShopSpider(), ShopSpider()
    request = Request("http://127.0.0.1:8000/stores/", callback=old.parse, errback=old.on_error,
                      headers={"Referer": "http://127.0.0.1:8000/"}, priority=3,
                      meta={"depth": 1, "netcrawl_api_page": 2})
    text = codec.dumps(codec.encode_request(request, old))
    rebuilt = codec.decode_request(codec.loads(text), new)
    assert rebuilt.url == request.url and rebuilt.priority == 3
    assert rebuilt.callback == new.parse and rebuilt.errback == new.on_error
    assert rebuilt.meta == {"depth": 1, "netcrawl_api_page": 2}
    assert rebuilt.headers[b"Referer"] == b"http://127.0.0.1:8000/"


def test_request_dicts_are_the_ones_scrapy_makes() -> None:
    spider = ShopSpider()
    spider.renamed = spider.on_error  # a method the spider holds under another name
    requests = [
        Request("http://127.0.0.1/a", callback=spider.parse, errback=spider.on_error,
                cookies={"c": "1"}, cb_kwargs={"page": 2}, flags=["x"], dont_filter=True),
        FormRequest("http://127.0.0.1/api", formdata={"q": "shops"}, callback=spider.parse),
        Request("http://127.0.0.1/b"),
    ]
    for request in requests:
        assert codec.encode_request(request, spider) == request.to_dict(spider=spider)
        rebuilt = codec.decode_request(codec.loads(codec.dumps(
            codec.encode_request(request, spider))), spider)
        assert type(rebuilt) is type(request) and rebuilt.body == request.body


def test_requests_with_anonymous_callbacks_are_unstorable() -> None:
    spider = ShopSpider()
    for callback in (lambda response: None, ShopSpider().parse):  # not this spider's
        with pytest.raises(codec.Unstorable):
            codec.encode_request(Request("http://127.0.0.1/", callback=callback), spider)


def test_requests_rendered_in_chromium_round_trip() -> None:
    """A page linking to a rendered page stays storable: its PageMethods are kept."""
    from scrapy.settings import Settings

    from netcrawl import settings as project_settings
    from netcrawl.rendering.browser import to_browser_request
    from netcrawl.rendering.interception import settle_page

    spider = ShopSpider()
    rendered = to_browser_request(Request("http://127.0.0.1/finder", callback=spider.parse),
                                  Settings(project_settings.__dict__))
    rebuilt = codec.decode_request(codec.loads(codec.dumps(
        codec.encode_request(rendered, spider))), spider)
    [original], [method] = rendered.meta["playwright_page_methods"][-1:], \
        rebuilt.meta["playwright_page_methods"][-1:]
    assert method.method is settle_page is original.method
    assert (method.args, method.kwargs) == (original.args, original.kwargs)
    assert {k: v for k, v in rebuilt.meta.items() if k != "playwright_page_methods"} == {
        k: v for k, v in rendered.meta.items() if k != "playwright_page_methods"}
    from scrapy_playwright.page import PageMethod

    for unstorable in (PageMethod(lambda page: None), PageMethod(spider.parse)):
        with pytest.raises(codec.Unstorable):
            codec.dumps({"playwright_page_methods": [unstorable]})
    assert codec.loads(codec.dumps([PageMethod("click", "#more")]))[0].args == ("#more",)


def test_items_keep_their_class() -> None:
    place = Place(name="Shop", lat=52.5, lon=13.4, extras={"openingHours": ["Mo-Fr 09:00-18:00"]})
    rebuilt = codec.decode_item(codec.loads(codec.dumps(codec.encode_item(place))))
    assert isinstance(rebuilt, Place) and dict(rebuilt) == dict(place)
    plain = codec.decode_item(codec.loads(codec.dumps(codec.encode_item({"name": "x"}))))
    assert plain == {"name": "x"} and type(plain) is dict


# --- store -------------------------------------------------------------------------------

def test_store_path_and_site() -> None:
    assert store_path("/runs", "places") == Path("/runs/places/incremental.sqlite")
    assert site_of("HTTP://Example.COM:8080/a?b") == "http://example.com:8080"
    with pytest.raises(ValueError, match="invalid spider name"):
        store_path("/runs", "../x")


def test_written_store_is_read_back_read_only(tmp_path: Path) -> None:
    path = store_path(tmp_path, "shops")
    page = record("http://127.0.0.1:1/a", items='[{"class":"builtins.dict","fields":{}}]')
    write_store(path, {b"fp-a": page})
    previous = PreviousPages.open(path, "shops")
    assert previous is not None and len(previous) == 1
    assert previous.page(b"fp-a") == page
    assert previous.validators(b"fp-a").etag == '"e1"'
    assert previous.page(b"other") is None and previous.validators(b"other") is None
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        previous._db.execute("DELETE FROM pages")
    previous.close()
    # Only the store itself is left behind: no journal, no temporary file.
    assert sorted(p.name for p in path.parent.iterdir()) == ["incremental.sqlite"]


def test_missing_foreign_and_corrupt_stores_are_ignored(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    path = store_path(tmp_path, "shops")
    assert PreviousPages.open(path, "shops") is None
    write_store(path, {b"fp": record("http://127.0.0.1:1/")}, spider="other")
    assert PreviousPages.open(path, "shops") is None  # another spider's pages
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'shops' WHERE key = 'spider'")
        db.execute("UPDATE meta SET value = '0' WHERE key = 'format'")
    assert FORMAT_VERSION != "0"
    assert PreviousPages.open(path, "shops") is None  # another layout
    path.write_bytes(b"not a database at all" * 100)
    assert PreviousPages.open(path, "shops") is None
    assert "unreadable page store" in caplog.text


def test_discard_keeps_the_previous_store_byte_for_byte(tmp_path: Path) -> None:
    path = store_path(tmp_path, "shops")
    write_store(path, {b"fp": record("http://127.0.0.1:1/")})
    before = path.read_bytes()
    writer = PageStoreWriter(path, "shops")
    writer.put(b"fp2", record("http://127.0.0.1:1/b"))
    assert writer.temporary.exists() and writer.temporary.parent == path.parent
    writer.discard()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["incremental.sqlite"]


def test_commit_replaces_and_drops_pages_not_seen_again(tmp_path: Path) -> None:
    path = store_path(tmp_path, "shops")
    write_store(path, {b"a": record("http://127.0.0.1:1/a"), b"b": record("http://127.0.0.1:1/b")})
    writer = PageStoreWriter(path, "shops")
    writer.put(b"a", record("http://127.0.0.1:1/a", etag='"e2"'))
    assert writer.carry_over(path, keep_days=30) == 0  # same site: /b was not seen again
    writer.commit()
    previous = PreviousPages.open(path, "shops")
    assert len(previous) == 1 and previous.validators(b"a").etag == '"e2"'
    previous.close()


def test_other_sites_are_carried_over_until_they_expire(tmp_path: Path) -> None:
    path = store_path(tmp_path, "shops")
    old = time.time() - 40 * 86400
    write_store(path, {
        b"a1": record("http://127.0.0.1:1/a"),
        b"b1": record("http://127.0.0.1:2/b"),        # another site, recent: kept
        b"c1": record("http://127.0.0.1:3/c", seen=old),  # another site, stale: dropped
    })
    writer = PageStoreWriter(path, "shops")
    writer.put(b"a2", record("http://127.0.0.1:1/a2"))
    assert writer.carry_over(path, keep_days=30) == 1
    writer.commit()
    previous = PreviousPages.open(path, "shops")
    assert previous.page(b"b1") is not None
    assert previous.page(b"a1") is None and previous.page(b"c1") is None
    previous.close()


def test_temporaries_of_dead_writers_are_removed(tmp_path: Path) -> None:
    path = store_path(tmp_path, "shops")
    path.parent.mkdir(parents=True)
    # A pid that cannot be running: above the kernel's pid_max.
    stale = path.with_name(f".{path.name}.{2**22 + 7}-0badc0de.part")
    stale.write_bytes(b"left by a killed crawl")
    live = path.with_name(f".{path.name}.{os.getpid()}-00000000.part")
    live.write_bytes(b"being written right now")
    PageStoreWriter(path, "shops").discard()
    assert not stale.exists() and live.exists()
