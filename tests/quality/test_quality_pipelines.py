"""Validation, duplicates and fill-rate pipelines on a real (unstarted) Scrapy crawler."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from netcrawl.items import Place
from pipelines.duplicates import DuplicatesPipeline
from pipelines.fill_rates import FillRatePipeline
from pipelines.validation import ValidationPipeline


@pytest.fixture
def crawler():
    crawler = get_crawler(Spider)
    crawler.spider = Spider(name="places")
    return crawler


def stats(crawler, prefix="netcrawl/"):
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith(prefix)}


def test_validation_fixes_and_counts(crawler):
    pipeline = ValidationPipeline.from_crawler(crawler)
    item = Place(name="A", country="DE", lat=13.405, lon=52.52, email="bad@",
                 website="www.example.de", geo_source="page")
    assert pipeline.process_item(item) is item
    assert (item["lat"], item["lon"]) == (52.52, 13.405)
    assert "email" not in item and item["website"] == "https://www.example.de"
    assert item["extras"]["email_invalid"] == {"value": "bad@", "reason": "malformed"}
    item = Place(name="B", lat=0, lon=0, city="Berlin")
    pipeline.process_item(item)
    assert "lat" not in item and item["city"] == "Berlin"
    assert stats(crawler) == {
        "netcrawl/validation/coordinates_swapped": 1,
        "netcrawl/validation/email_invalid": 1,
        "netcrawl/validation/coordinates_null_island": 1,
    }


def test_validation_drops_places_without_location_counted_and_logged_once(crawler, caplog):
    pipeline = ValidationPipeline.from_crawler(crawler)
    caplog.set_level(logging.INFO)
    for index in range(3):
        with pytest.raises(DropItem, match="no_location") as raised:
            pipeline.process_item(Place(name=f"Person {index}", lat=0, lon=0,
                                        source_url=f"http://127.0.0.1/p{index}"))
        assert raised.value.log_level == "DEBUG"  # Scrapy's own per-item line stays quiet
    assert crawler.stats.get_value("netcrawl/dropped/no_location") == 3
    logged = [r for r in caplog.records if "no_location" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.WARNING
    assert "http://127.0.0.1/p0" in logged[0].getMessage()


def test_duplicates_pipeline_drops_repeats_and_merges_into_jsonl_feed(crawler, tmp_path, caplog):
    pipeline = DuplicatesPipeline.from_crawler(crawler)
    caplog.set_level(logging.INFO)
    first = Place(ref="1", name="A", city="Berlin", source_url="u1", spider="places")
    repeat = Place(ref="1", name="A", city="Berlin", phone="+4930901820", source_url="u2",
                   spider="places")
    other = Place(ref="2", name="B", city="Bonn", source_url="u1", spider="places")
    assert pipeline.process_item(first) is first
    assert pipeline.process_item(other) is other
    with pytest.raises(DropItem, match="duplicate"):
        pipeline.process_item(repeat)
    export = tmp_path / "out.jsonl"
    export.write_text(json.dumps(dict(first)) + "\n" + json.dumps(dict(other)) + "\n")
    pipeline.feed_slot_closed(SimpleNamespace(uri=export.as_uri(), format="jsonlines",
                                              feed_options={}))
    records = [json.loads(line) for line in export.read_text().splitlines()]
    assert records[0]["phone"] == "+4930901820"
    assert records[0]["extras"] == {"merged_from": ["u2"]}
    assert records[1] == dict(other)
    # a file that cannot be rewritten (not the exporter's layout) gets the merges next to it
    geojson = tmp_path / "out.geojson"
    geojson.write_text("{}")
    pipeline.feed_slot_closed(SimpleNamespace(uri=str(geojson), format="geojson",
                                              feed_options={}))
    side = tmp_path / "out.geojson.duplicates.jsonl"
    row = json.loads(side.read_text())
    assert row["reason"] == "ref" and row["fields"]["source_url"] == "u2"
    pipeline.engine_stopped()
    assert stats(crawler) == {
        "netcrawl/duplicates/merged": 1,
        "netcrawl/duplicates/by_ref": 1,
        "netcrawl/dropped/duplicate": 1,
        "netcrawl/duplicates/records_updated": 1,
        "netcrawl/duplicates/feeds_not_rewritten": 1,
    }
    assert len([r for r in caplog.records if "'duplicate'" in r.getMessage()]) == 1


def test_duplicates_merge_file_setting_keeps_the_side_file(tmp_path):
    merge_file = tmp_path / "merges.sqlite"
    crawler = get_crawler(Spider, {"NETCRAWL_DUPLICATES_MERGE_FILE": str(merge_file)})
    crawler.spider = Spider(name="places")
    pipeline = DuplicatesPipeline.from_crawler(crawler)
    pipeline.process_item(Place(ref="1", name="A", source_url="u1"))
    with pytest.raises(DropItem):
        pipeline.process_item(Place(ref="1", name="A", source_url="u2"))
    pipeline.engine_stopped()
    assert merge_file.exists() and merge_file.stat().st_size > 0


def test_fill_rate_pipeline_sets_stats_and_writes_report(crawler, tmp_path):
    pipeline = FillRatePipeline.from_crawler(crawler)
    pipeline.process_item(Place(name="A", city="Berlin"))
    pipeline.process_item({"name": "B"})
    pipeline.close_spider()
    assert crawler.stats.get_value("netcrawl/items_exported") == 2
    assert crawler.stats.get_value("netcrawl/fill_rate/name") == 1.0
    assert crawler.stats.get_value("netcrawl/fill_rate/city") == 0.5
    assert crawler.stats.get_value("netcrawl/fill_rate/lat") == 0.0
    export = tmp_path / "places.csv"
    pipeline.feed_slot_closed(SimpleNamespace(uri=export.as_uri(), format="csv"))
    pipeline.feed_slot_closed(SimpleNamespace(uri="s3://bucket/places.csv", format="csv"))
    assert not (tmp_path / "places.csv.fillrates.json").exists()  # once all feeds are stored
    pipeline.feed_exporter_closed()
    report = json.loads((tmp_path / "places.csv.fillrates.json").read_text())
    assert report["spider"] == "places" and report["items"] == 2
    assert report["fill_rates"]["city"] == 0.5


def test_fill_rates_recounted_after_duplicate_merges(crawler, tmp_path):
    pipeline = FillRatePipeline.from_crawler(crawler)
    pipeline.process_item({"name": "A"})
    pipeline.process_item({"name": "B"})
    pipeline.close_spider()
    assert crawler.stats.get_value("netcrawl/fill_rate/email") == 0.0
    # duplicate finalisation merged an e-mail into the first record of the file
    export = tmp_path / "places.jsonl"
    export.write_text('{"name": "A", "email": "a@example.com"}\n{"name": "B"}\n')
    crawler.stats.set_value("netcrawl/duplicates/records_updated", 1)
    pipeline.feed_slot_closed(SimpleNamespace(uri=str(export), format="jsonlines"))
    pipeline.feed_exporter_closed()
    assert crawler.stats.get_value("netcrawl/fill_rate/email") == 0.5
    report = json.loads((tmp_path / "places.jsonl.fillrates.json").read_text())
    assert report["fill_rates"]["email"] == 0.5 and report["items"] == 2


def test_unusable_merge_file_degrades_to_counted_drops(tmp_path, caplog):
    crawler = get_crawler(
        Spider, {"NETCRAWL_DUPLICATES_MERGE_FILE": str(tmp_path / "missing-dir" / "m.sqlite")}
    )
    crawler.spider = Spider(name="places")
    pipeline = DuplicatesPipeline.from_crawler(crawler)
    pipeline.process_item(Place(ref="1", name="A", source_url="u1"))
    for url in ("u2", "u3"):
        with pytest.raises(DropItem, match="duplicate"):
            pipeline.process_item(Place(ref="1", name="A", source_url=url))
    assert crawler.stats.get_value("netcrawl/duplicates/not_merged") == 2
    assert crawler.stats.get_value("netcrawl/dropped/duplicate") == 2
    assert len([r for r in caplog.records if "unusable" in r.getMessage()]) == 1
