"""RobotsTxtMiddleware's shared robots.txt outcome (what the spider reads its sitemaps from)."""

from __future__ import annotations

import codecs

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from netcrawl.middlewares.robotstxt import RobotsTxt, RobotsTxtMiddleware, robots_outcome

SETTINGS = {
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_PARSER": "netcrawl.discovery.robots.BomAwareProtegoRobotParser",
}


def test_for_crawler_finds_the_crawlers_enabled_middleware() -> None:
    crawler = get_crawler(settings_dict=SETTINGS)
    assert RobotsTxtMiddleware.for_crawler(crawler) is None  # not built yet
    middleware = RobotsTxtMiddleware.from_crawler(crawler)
    assert RobotsTxtMiddleware.for_crawler(crawler) is middleware
    assert RobotsTxtMiddleware.for_crawler(get_crawler(settings_dict=SETTINGS)) is None
    assert middleware.outcome("http://127.0.0.1:8000/stores/") is None  # not fetched yet


def test_for_crawler_is_none_without_robotstxt_obey() -> None:
    crawler = get_crawler(settings_dict={**SETTINGS, "ROBOTSTXT_OBEY": False})
    with pytest.raises(NotConfigured):
        RobotsTxtMiddleware.from_crawler(crawler)
    assert RobotsTxtMiddleware.for_crawler(crawler) is None


def test_outcome_reads_sitemaps_of_a_2xx_file_with_a_bom_and_relative_paths() -> None:
    body = codecs.BOM_UTF16_LE + (
        "Sitemap: /maps/a.xml\nUser-agent: *\nDisallow: /private/\n"
        "Sitemap: https://cdn.example.net/b.xml # comment\nSitemap: /maps/a.xml\n"
    ).encode("utf-16-le")
    outcome = robots_outcome("http://127.0.0.1:8000/robots.txt", 200, body)
    assert outcome.ok
    assert outcome.sitemaps == (
        "http://127.0.0.1:8000/maps/a.xml",
        "https://cdn.example.net/b.xml",
    )


@pytest.mark.parametrize("status", [301, 404, 500])
def testrobots_outcome_an_error_page_lists_no_sitemaps(status: int) -> None:
    outcome = robots_outcome("http://x/robots.txt", status, b"Sitemap: /sitemap-from-error.xml\n")
    assert outcome == RobotsTxt("http://x/robots.txt", status)
    assert not outcome.ok and outcome.sitemaps == ()


def test_unreachable_outcome_has_no_status() -> None:
    assert not RobotsTxt("http://x/robots.txt", None).ok
