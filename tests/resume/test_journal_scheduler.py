"""JournalScheduler: what it journals for admitted requests, retries, redirects and others."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from netcrawl.resume.journal import load_journal
from netcrawl.resume.scheduler import JournalDupeFilter, JournalScheduler
from netcrawl.resume.session import JOURNAL_ID_KEY, ResumeSession


class SiteSpider(Spider):
    name = "site"

    def parse(self, response):
        yield from ()


def _open_scheduler(jobdir) -> JournalScheduler:
    # The default DownloaderAwarePriorityQueue needs a running engine; same logic otherwise.
    crawler = get_crawler(SiteSpider, {
        "JOBDIR": str(jobdir), "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
    })
    crawler.spider = SiteSpider.from_crawler(crawler)
    settings = crawler.settings
    scheduler = JournalScheduler(
        dupefilter=JournalDupeFilter.from_crawler(crawler),
        mqclass=load_object(settings["SCHEDULER_MEMORY_QUEUE"]),
        pqclass=load_object(settings["SCHEDULER_PRIORITY_QUEUE"]),
        stats=crawler.stats,
        crawler=crawler,
    )
    scheduler.session = ResumeSession(crawler)
    scheduler.open(crawler.spider)
    return scheduler


def _request(scheduler: JournalScheduler, path: str, **kwargs) -> Request:
    spider = scheduler.crawler.spider
    return Request(f"http://127.0.0.1:1/{path}", callback=spider.parse, **kwargs)


@pytest.fixture
def scheduler(tmp_path):
    scheduler = _open_scheduler(tmp_path)
    yield scheduler
    scheduler.close("finished")


def _drain(scheduler: JournalScheduler) -> list[str]:
    urls = []
    while (request := scheduler.next_request()) is not None:
        urls.append(request.url.rsplit("/", 1)[1])
    return urls


def test_admitted_requests_are_journaled_once_and_queued(scheduler):
    page = _request(scheduler, "a")
    assert scheduler.admit(page) and page.meta[JOURNAL_ID_KEY] == 1
    assert scheduler.enqueue_request(page)
    repeat = _request(scheduler, "a", meta={JOURNAL_ID_KEY: 1})  # meta copied from a parent
    assert not scheduler.admit(repeat) and JOURNAL_ID_KEY not in repeat.meta
    assert not scheduler.enqueue_request(repeat), "dropped by the duplicate filter"
    assert _drain(scheduler) == ["a"]
    state = load_journal(scheduler.session.path)
    assert state.requests == 1 and [p.request_id for p in state.pending] == [1]


def test_retries_and_redirects_stay_their_fetch(scheduler):
    session = scheduler.session
    page, other = _request(scheduler, "a"), _request(scheduler, "c")
    for request in (page, other):
        scheduler.admit(request)
        scheduler.enqueue_request(request)
    _drain(scheduler)

    retry = page.copy()
    retry.dont_filter = True
    assert scheduler.enqueue_request(retry)
    redirect = page.replace(url="http://127.0.0.1:1/b")
    assert scheduler.enqueue_request(redirect)
    to_known_page = page.replace(url="http://127.0.0.1:1/c")
    assert not scheduler.enqueue_request(to_known_page)
    from_an_extension = _request(scheduler, "d")
    assert scheduler.enqueue_request(from_an_extension)
    assert from_an_extension.meta[JOURNAL_ID_KEY] == 3
    assert sorted(_drain(scheduler)) == ["a", "b", "d"]  # LIFO order aside

    session.close()
    state = load_journal(session.path)
    assert state.requests == 3, "retries and redirects are not new requests"
    fingerprinter = scheduler.crawler.request_fingerprinter
    assert fingerprinter.fingerprint(redirect) in state.seen
    assert state.done == {"1.1"}, "a redirect to a page already seen finishes the fetch"
    assert [p.request_id for p in state.pending] == [2, 3]


def test_a_resumed_scheduler_queues_the_pending_and_filters_the_seen(tmp_path):
    first = _open_scheduler(tmp_path)
    for path in ("a", "b"):
        request = _request(first, path)
        first.admit(request)
        first.enqueue_request(request)
    first.session.done("1.1")
    first.close("shutdown")

    resumed = _open_scheduler(tmp_path)
    try:
        assert not resumed.admit(_request(resumed, "a")), "seen before the kill"
        assert not resumed.admit(_request(resumed, "b"))
        assert _drain(resumed) == ["b"]
        assert resumed.crawler.stats.get_value("netcrawl/resume/replayed_requests") == 1
    finally:
        resumed.close("finished")
