"""The normalisation and quality pipelines on places extracted from real published pages.

Uses the shared real-world fixtures (extruct's schema.org and songkick samples,
the microformats test suite); each test skips, saying why, where they are absent.
"""

from __future__ import annotations

import pytest
from conftest import shared_fixture
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from netcrawl.extraction import extract_places
from netcrawl.items import Place
from pipelines.address import AddressPipeline
from pipelines.country import CountryPipeline
from pipelines.duplicates import DuplicatesPipeline
from pipelines.opening_hours import OpeningHoursPipeline
from pipelines.phone import PhonePipeline
from pipelines.validation import ValidationPipeline

CHAIN = (CountryPipeline, AddressPipeline, PhonePipeline, OpeningHoursPipeline,
         ValidationPipeline, DuplicatesPipeline)


@pytest.fixture
def chain():
    crawler = get_crawler(Spider)
    crawler.spider = Spider(name="places")
    pipelines = [cls.from_crawler(crawler) for cls in CHAIN]

    def run(places: list[dict]) -> tuple[list[Place], list[str]]:
        kept, dropped = [], []
        for place in places:
            item = Place(place, spider="places")
            try:
                for pipeline in pipelines:
                    item = pipeline.process_item(item)
            except DropItem as drop:
                dropped.append(str(drop).split(":", 1)[0])
            else:
                kept.append(item)
        return kept, dropped

    run.crawler = crawler
    yield run
    pipelines[-1].engine_stopped()


def _places(*parts: str, url: str) -> list[dict]:
    path = shared_fixture(*parts)
    return extract_places(path.read_text(encoding="utf-8"), url).places


def test_restaurant_microdata_without_country(chain):
    # extruct's LocalBusiness.002: a Sunnyvale, CA restaurant that states no country,
    # a national phone number and three openingHours strings.
    places = _places("extruct-samples", "schema.org", "LocalBusiness.002.html",
                     url="http://www.dishdash.com/")
    (item,), dropped = chain(places)
    assert dropped == []
    assert item["country"] == "US"
    assert item["extras"]["country_source"] == "postcode"  # ZIP 94086 beside state CA
    assert item["phone"] == "+14087141489"
    assert item["opening_hours"] == (
        "Mo-Th 11:00-14:30,17:00-21:30; Fr-Sa 11:00-14:30,17:00-22:00"
    )
    assert (item["housenumber"], item["street"]) == ("1901", "Lemur Ave")
    assert item["addr_full"] == "1901 Lemur Ave, Sunnyvale, CA 94086"
    assert item["website"] == "http://www.dishdash.com"


def test_microformats_pub_with_gb_postcode(chain):
    places = _places("microformats-tests", "microformats-v2", "h-adr", "geo.html",
                     url="http://127.0.0.1/pub")
    (item,), _ = chain(places)
    assert item["postcode"] == "EC2A 3PE"
    assert (item["housenumber"], item["street"]) == ("3", "Charlotte Road")
    assert item["addr_full"] == "3 Charlotte Road, City of London, EC2A 3PE"


def test_songkick_venues_repeated_across_pages_are_merged(chain):
    # The same four venues on two event pages, and one of them on a third page.
    pages = [
        ("elysianfields.html", "https://www.songkick.com/concerts/1"),
        ("elysianfields_1.html", "https://www.songkick.com/concerts/2"),
        ("Elysian Fields Brooklyn Tickets, The Owl Music Parlor, 31 Oct 2015.html",
         "https://www.songkick.com/concerts/3"),
    ]
    places = [p for name, url in pages for p in _places("extruct-samples", "songkick", name,
                                                          url=url)]
    assert len(places) == 9
    kept, dropped = chain(places)
    assert sorted(item["name"] for item in kept) == [
        "Hotel Utah Saloon", "Le Rocher De Palmer", "Le VIP", "The Owl Music Parlor",
    ]
    assert dropped == ["duplicate"] * 5
    owl = next(item for item in kept if item["name"] == "The Owl Music Parlor")
    assert owl["country"] == "US" and owl["postcode"] == "11225"
    vip = next(item for item in kept if item["name"] == "Le VIP")
    assert vip["country"] == "FR"
    stats = chain.crawler.stats
    assert stats.get_value("netcrawl/duplicates/merged") == 5
    assert stats.get_value("netcrawl/dropped/duplicate") == 5
