"""robots.txt reading on real files (protego's and crawler-commons' test data), for our UA."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from conftest import shared_fixture
from scrapy.robotstxt import ProtegoRobotParser

from netcrawl import settings
from netcrawl.discovery.robots import (
    BomAwareProtegoRobotParser,
    parse_robots,
    sitemap_urls_from_robots,
)

UA = settings.USER_AGENT
ROBOTS_URL = "http://www.example.com/robots.txt"


def _cc(name: str) -> bytes:
    return shared_fixture("robots-txt", "crawler-commons", name).read_bytes()


def _protego_files():
    folder = shared_fixture("robots-txt", "protego")
    return sorted(folder.glob("*.robots.txt"))


def test_sitemap_lines_anywhere_and_mixed_case_kept():
    assert sitemap_urls_from_robots(_cc("sitemap-robots.txt"), ROBOTS_URL) == [
        "http://domain.com/sitemap.xml",
        "http://domain.com/dir/MixedCased-sitemap.xml",
    ]  # the bare URL line without "sitemap:" is not a directive


def test_relative_sitemap_resolved_and_duplicates_collapsed():
    assert sitemap_urls_from_robots(_cc("relative-sitemap-robots.txt"), ROBOTS_URL) == [
        "http://www.example.com/sitemap.xml"
    ]
    assert sitemap_urls_from_robots(_cc("sitemap-robots-dedup.txt"), ROBOTS_URL) == [
        "http://example.org/sitemap.xml"
    ]


@pytest.mark.parametrize(
    "name",
    ["robots-with-utf8-bom.txt", "robots-with-utf16le-bom.txt", "robots-with-utf16be-bom.txt"],
)
def test_byte_order_marks(name):
    body = _cc(name)
    assert sitemap_urls_from_robots(body, ROBOTS_URL) == [
        "http://www.newsweek.com/sitemap_index.xml"
    ]
    parser = BomAwareProtegoRobotParser(body, None)
    assert not parser.allowed("http://www.newsweek.com/login.aspx", UA)
    assert parser.allowed("http://www.newsweek.com/news/", UA)


def test_scrapy_parser_misses_utf16_rules_which_ours_obeys():
    body = _cc("robots-with-utf16le-bom.txt")
    assert ProtegoRobotParser(body, None).allowed("http://x/login.aspx", UA)  # the gap
    assert not BomAwareProtegoRobotParser(body, None).allowed("http://x/login.aspx", UA)


def test_rfc9309_simple_example_for_our_user_agent():
    parser = BomAwareProtegoRobotParser(_cc("rfc9309-example-simple-robots.txt"), None)
    assert not parser.allowed("http://x/example/page.html", UA)
    assert not parser.allowed("http://x/images/logo.gif", UA)
    assert parser.allowed("http://x/images/logo.gif?size=2", UA)  # "$" anchors the end
    assert parser.allowed("http://x/publications/report.html", UA)
    assert parser.allowed("http://x/", UA)


def test_crawl_delay_group_merging():
    robots = parse_robots(_cc("crawl-delay-group-merging.txt"))
    assert robots.crawl_delay(UA) == 30  # the "*" groups, merged
    assert robots.crawl_delay("mybot") == 10
    assert robots.can_fetch("http://x/private/a", UA)
    assert not robots.can_fetch("http://x/private/a", "yourbot")
    assert not robots.can_fetch("http://x/login/", "yourbot")


@pytest.mark.parametrize(
    ("host", "delay", "sitemaps"),
    [
        ("www.aldi.co.uk", 10, 1),
        ("www.choicehotels.com", 5, 1),
        ("www.universetoday.com", 0.4, 1),
        ("www.wikitree.com", 4, 4),
        ("www.theepochtimes.com", 10, 8),
        ("www.ikea.com", None, 2),
        ("www.starbucks.com", None, 3),
        ("www.target.com", None, 4),
    ],
)
def test_real_retail_files_sitemaps_and_crawl_delay(host, delay, sitemaps):
    body = shared_fixture("robots-txt", "protego", f"{host}.robots.txt").read_bytes()
    urls = sitemap_urls_from_robots(body, f"https://{host}/robots.txt")
    assert len(urls) == sitemaps
    assert all(url.startswith(("http://", "https://")) for url in urls)
    assert parse_robots(body).crawl_delay(UA) == delay


def test_every_real_file_sitemaps_match_a_line_by_line_reading():
    """Protego's Sitemap: lines agree with a plain reading of all 106 files."""
    files = _protego_files()
    assert len(files) >= 100
    line_re = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I)
    for path in files:
        body = path.read_bytes()
        robots_url = f"https://{path.name.removesuffix('.robots.txt')}/robots.txt"
        expected: list[str] = []
        utf16 = body[:2] in (b"\xff\xfe", b"\xfe\xff")
        text = body.decode("utf-16" if utf16 else "utf-8-sig", "ignore")
        for line in text.splitlines():
            match = line_re.match(line.split("#", 1)[0])
            if match and urljoin(robots_url, match.group(1)) not in expected:
                expected.append(urljoin(robots_url, match.group(1)))
        assert sitemap_urls_from_robots(body, robots_url) == expected, path.name


def test_real_utf16_file_from_usps_store():
    body = shared_fixture("robots-txt", "protego", "store.usps.com.robots.txt").read_bytes()
    assert body.startswith(b"\xff\xfe")
    assert sitemap_urls_from_robots(body, "https://store.usps.com/robots.txt") == [
        "https://store.usps.com/store/siteindex.xml"
    ]
    ours = BomAwareProtegoRobotParser(body, None)
    assert not ours.allowed("https://store.usps.com/store/checkout/", UA)
    assert ours.allowed("https://store.usps.com/store/results", UA)
    assert ProtegoRobotParser(body, None).allowed("https://store.usps.com/store/checkout/", UA)


def test_real_store_sites_disallow_their_checkout_for_us():
    ikea = BomAwareProtegoRobotParser(
        shared_fixture("robots-txt", "protego", "www.ikea.com.robots.txt").read_bytes(), None
    )
    assert ikea.allowed("https://www.ikea.com/gb/en/stores/", UA)
