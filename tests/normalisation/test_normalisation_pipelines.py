"""Country, address, phone and opening-hours pipelines on a real (unstarted) Scrapy crawler."""

from __future__ import annotations

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from netcrawl.items import Place
from pipelines.address import AddressPipeline
from pipelines.country import CountryPipeline
from pipelines.opening_hours import OpeningHoursPipeline
from pipelines.phone import PhonePipeline


@pytest.fixture
def crawler():
    crawler = get_crawler(Spider)
    crawler.spider = Spider(name="places")
    return crawler


def stats(crawler):
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("netcrawl/")}


def test_country_pipeline(crawler):
    pipeline = CountryPipeline.from_crawler(crawler)
    item = pipeline.process_item(Place(name="A", country="Deutschland"))
    assert item["country"] == "DE"
    item = pipeline.process_item(Place(name="B", country={"@type": "Country", "name": "España"}))
    assert item["country"] == "ES"
    item = pipeline.process_item(Place(name="C", country="GB"))
    assert item["country"] == "GB"
    item = pipeline.process_item(Place(name="D", country="Atlantis", phone="+33 1 42 68 53 00"))
    assert item["country"] == "FR"
    assert item["extras"] == {"country_invalid": "Atlantis", "country_source": "phone"}
    item = pipeline.process_item(Place(name="E", lat=48.2082, lon=16.3738))
    assert item["country"] == "AT" and item["extras"]["country_source"] == "coordinates"
    item = pipeline.process_item(Place(name="F", source_url="https://www.example.co.uk/x"))
    assert item["country"] == "GB" and item["extras"]["country_source"] == "source_url"
    item = pipeline.process_item(Place(name="G", source_url="http://127.0.0.1:8000/x"))
    assert "country" not in item
    assert stats(crawler) == {
        "netcrawl/country/normalised": 2,
        "netcrawl/country/invalid": 1,
        "netcrawl/country/from_phone": 1,
        "netcrawl/country/from_coordinates": 1,
        "netcrawl/country/from_source_url": 1,
        "netcrawl/country/unknown": 1,
    }


def test_address_pipeline(crawler):
    pipeline = AddressPipeline.from_crawler(crawler)
    item = pipeline.process_item(
        Place(name="Caf&eacute;  Central ", street_address="Keizersgracht 123-125",
              postcode="1012js", city="Amsterdam", country="NL")
    )
    assert dict(item) == {
        "name": "Café Central",
        "street_address": "Keizersgracht 123-125",
        "housenumber": "123-125",
        "street": "Keizersgracht",
        "postcode": "1012 JS",
        "city": "Amsterdam",
        "country": "NL",
        "addr_full": "Keizersgracht 123-125, 1012 JS Amsterdam",
    }
    item = pipeline.process_item(Place(name="X", city=" , "))
    assert "city" not in item  # nothing left after cleaning
    assert stats(crawler) == {
        "netcrawl/address/split": 1,
        "netcrawl/address/postcode_formatted": 1,
        "netcrawl/address/addr_full_composed": 1,
        "netcrawl/address/cleaned": 2,
    }


def test_phone_pipeline(crawler):
    pipeline = PhonePipeline.from_crawler(crawler)
    item = pipeline.process_item(
        Place(phone="030 901820", country="DE",
              extras={"phones": ["030 901820", "+49 89 123456", "12"]})
    )
    assert item["phone"] == "+4930901820"
    assert item["extras"] == {"phones": ["+4930901820", "+4989123456"], "phone_invalid": ["12"]}
    item = pipeline.process_item(Place(phone="(212) 555-0143"))
    assert "phone" not in item
    assert item["extras"] == {
        "phone_unresolved": ["(212) 555-0143"],
        "phone_unresolved_reason": "no_country_and_no_international_prefix",
    }
    item = pipeline.process_item(Place(phone="not a phone", country="GB"))
    assert "phone" not in item and item["extras"] == {"phone_invalid": ["not a phone"]}
    item = pipeline.process_item(Place(phone=["+44 20 7946 0958", "020 7946 0959"], country="GB"))
    assert item["phone"] == "+442079460958"
    assert item["extras"] == {"phones": ["+442079460958", "+442079460959"]}
    item = pipeline.process_item(Place(name="no phone"))
    assert dict(item) == {"name": "no phone"}
    assert stats(crawler) == {
        "netcrawl/phone/normalised": 4,
        "netcrawl/phone/invalid": 2,
        "netcrawl/phone/unresolved": 1,
    }


def test_opening_hours_pipeline(crawler):
    pipeline = OpeningHoursPipeline.from_crawler(crawler)
    spec = [
        {"dayOfWeek": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
         "opens": "09:00", "closes": "17:00"},
        {"dayOfWeek": "https://schema.org/Saturday", "opens": "09:00", "closes": "12:00"},
        {"dayOfWeek": "http://schema.org/Sunday", "opens": "00:00", "closes": "00:00"},
    ]
    item = pipeline.process_item(Place(extras={"openingHoursSpecification": spec}))
    assert item["opening_hours"] == "Mo-Fr 09:00-17:00; Sa 09:00-12:00"
    assert item["extras"]["openingHoursSpecification"] == spec  # raw kept
    item = pipeline.process_item(Place(extras={"openingHours": ["Mo-Sa 09H00-12H30, 14H00-19H00"]}))
    assert item["opening_hours"] == "Mo-Sa 09:00-12:30,14:00-19:00"
    item = pipeline.process_item(Place(extras={"opening_hours_text": "Sunday: 10am - 4pm"}))
    assert item["opening_hours"] == "Su 10:00-16:00"
    item = pipeline.process_item(Place(opening_hours="Monday-Friday 9-5"))
    assert item["opening_hours"] == "Mo-Fr 09:00-17:00"
    item = pipeline.process_item(Place(opening_hours="by appointment only"))
    assert "opening_hours" not in item
    assert item["extras"] == {"opening_hours_unparsed": "by appointment only"}
    item = pipeline.process_item(Place(extras={"openingHours": "ask us"}))
    assert "opening_hours" not in item and item["extras"] == {"openingHours": "ask us"}
    item = pipeline.process_item(Place(extras={"openingHoursSpecification": [{"dayOfWeek": 5}]}))
    assert "opening_hours" not in item
    assert stats(crawler) == {
        "netcrawl/opening_hours/parsed": 4,
        "netcrawl/opening_hours/unparsed": 3,
    }
