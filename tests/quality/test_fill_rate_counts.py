"""Fill-rate counting and the report file next to an export."""

from __future__ import annotations

import json

from netcrawl.items import PLACE_FIELDS, Place
from netcrawl.quality.feeds import local_feed_path
from netcrawl.quality.fill_rates import FillRateCounter, fill_rates_path, write_fill_rates


def test_rates_per_field():
    counter = FillRateCounter()
    counter.add({"name": "A", "city": "Berlin", "extras": {}})
    counter.add(Place(name="B", phone="+4930901820", lat=0.0, lon=1.0))
    counter.add({"name": "", "city": "Bonn", "opening_hours": None})
    counter.add({"name": "D", "extras": {"x": 1}})
    rates = counter.rates()
    assert set(rates) == set(PLACE_FIELDS)
    assert rates["name"] == 0.75  # "" is not a value
    assert rates["city"] == 0.5
    assert rates["phone"] == 0.25
    assert rates["lat"] == 0.25  # 0.0 is a value
    assert rates["extras"] == 0.25  # {} is not
    assert rates["opening_hours"] == 0.0
    assert counter.records == 4


def test_no_records_gives_zero_rates():
    assert set(FillRateCounter().rates().values()) == {0.0}


def test_report_written_atomically_next_to_export(tmp_path):
    counter = FillRateCounter(["name", "city"])
    counter.add({"name": "A"})
    export = tmp_path / "sub" / "places.jsonl"
    target = write_fill_rates(export, counter.report("places"))
    assert target == fill_rates_path(export) == tmp_path / "sub" / "places.jsonl.fillrates.json"
    assert json.loads(target.read_text()) == {
        "spider": "places", "items": 1, "fill_rates": {"name": 1.0, "city": 0.0},
    }
    assert [p.name for p in target.parent.iterdir()] == ["places.jsonl.fillrates.json"]


def test_local_feed_path():
    assert str(local_feed_path("file:///tmp/out%20put.jsonl")) == "/tmp/out put.jsonl"
    assert str(local_feed_path("out/places.csv")) == "out/places.csv"
    assert local_feed_path("s3://bucket/places.jsonl") is None
    assert local_feed_path("ftp://host/places.jsonl") is None
