"""ResumeSession on its own: refusing another spider's JOBDIR, counting, keys per run."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from netcrawl.resume.journal import load_journal
from netcrawl.resume.middleware import ResumeJournalMiddleware
from netcrawl.resume.session import JOURNAL_ID_KEY, ResumeSession


class PlacesLike(Spider):
    name = "places_like"

    def parse(self, response):
        yield from ()


class Other(Spider):
    name = "other"


def _session(jobdir, spider_class=PlacesLike) -> tuple[ResumeSession, Spider]:
    crawler = get_crawler(spider_class, {"JOBDIR": str(jobdir)})
    spider = spider_class.from_crawler(crawler)
    crawler.spider = spider
    return ResumeSession(crawler), spider


def test_a_jobdir_of_another_spider_is_refused_with_a_clear_error(tmp_path, caplog):
    session, spider = _session(tmp_path)
    session.open(spider)
    session.close()
    other, other_spider = _session(tmp_path, Other)
    with pytest.raises(CloseSpider) as raised:
        other.open(other_spider)
    assert raised.value.reason == "resume_journal_unusable"
    assert "holds a crawl of spider 'places_like', not 'other'" in caplog.text
    with pytest.raises(CloseSpider):  # asked again (from start()), the same answer
        other.open(other_spider)


def test_requests_round_trip_and_responses_are_keyed_by_request_and_run(tmp_path):
    session, spider = _session(tmp_path)
    session.scheduler = object()  # full mode: the journal scheduler would register itself
    session.open(spider)
    request = Request("http://127.0.0.1:1/a", callback=spider.parse, meta={"depth": 2},
                      priority=3)
    fingerprint = session.crawler.request_fingerprinter.fingerprint(request)
    request_id = session.new_request(request, fingerprint)
    request.meta[JOURNAL_ID_KEY] = request_id
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    assert session.key_of(response) == f"{request_id}.1"
    session.item(session.key_of(response), {"name": "x"})
    session.close()

    resumed, spider = _session(tmp_path)
    resumed.open(spider)
    assert resumed.resumed and resumed.run == 2
    (again,) = resumed.pending_requests()
    assert (again.url, again.callback, again.priority) == (request.url, spider.parse, 3)
    assert again.meta == {"depth": 2, JOURNAL_ID_KEY: request_id}
    assert list(resumed.committed_items()) == []  # its page was not finished
    resumed.close()


def test_unserialisable_requests_and_items_are_counted_not_fatal(tmp_path, caplog):
    session, spider = _session(tmp_path)
    session.open(spider)
    outsider = Request("http://127.0.0.1:1/b", callback=lambda response: None)
    assert session.new_request(outsider, b"\x01" * 20) is None
    session.item("1.1", {"handle": lambda: None})
    stats = session.crawler.stats.get_stats()
    assert stats["netcrawl/resume/unserializable_requests"] == 1
    assert stats["netcrawl/resume/unpicklable_items"] == 1
    assert "cannot be journaled" in caplog.text
    session.close()
    assert load_journal(session.path).requests == 0


async def _aiter(values):
    for value in values:
        yield value


async def _collect(iterator) -> list:
    return [entry async for entry in iterator]


def test_without_the_journal_scheduler_only_items_are_journaled_and_replayed(tmp_path):
    """Redis mode: another scheduler owns the frontier, the journal keeps the items."""
    session, _ = _session(tmp_path)
    middleware = ResumeJournalMiddleware(session.crawler, session)
    assert asyncio.run(_collect(middleware.process_start(_aiter([])))) == []
    page = Request("http://127.0.0.1:1/page", meta={JOURNAL_ID_KEY: 99})  # copied meta
    response = HtmlResponse(page.url, body=b"<html></html>", request=page)
    follow = Request("http://127.0.0.1:1/next", meta=dict(page.meta))
    output = asyncio.run(_collect(middleware.process_spider_output(
        response, _aiter([{"name": "kept"}, follow]))))
    assert output == [{"name": "kept"}, follow]
    assert JOURNAL_ID_KEY not in follow.meta, "a copied id must not make it its parent"
    session.close()
    state = load_journal(session.path)
    assert state.requests == 0 and not state.pending
    fingerprint = session.crawler.request_fingerprinter.fingerprint(page)
    assert state.done == {f"f{fingerprint.hex()}.1"}

    resumed, _ = _session(tmp_path)
    middleware = ResumeJournalMiddleware(resumed.crawler, resumed)
    start = Request("http://127.0.0.1:1/")
    replayed = asyncio.run(_collect(middleware.process_start(_aiter([start]))))
    assert replayed == [{"name": "kept"}, start], "committed items first, then start()"
    assert resumed.crawler.stats.get_value("netcrawl/resume/replayed_items") == 1
    resumed.close()


def test_a_failing_callback_still_finishes_its_page(tmp_path):
    session, _ = _session(tmp_path)
    middleware = ResumeJournalMiddleware(session.crawler, session)
    asyncio.run(_collect(middleware.process_start(_aiter([]))))
    page = Request("http://127.0.0.1:1/broken")
    response = HtmlResponse(page.url, body=b"<html></html>", request=page)

    async def broken():
        yield {"name": "before the bug"}
        raise ValueError("bug in the callback")

    with pytest.raises(ValueError, match="bug"):
        asyncio.run(_collect(middleware.process_spider_output(response, broken())))
    session.close()
    state = load_journal(session.path)
    assert state.committed_items == 1 and len(state.done) == 1
