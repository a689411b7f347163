"""Which crawls get a run folder, and how health thresholds are read from settings."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from netcrawl import settings as project_settings
from netcrawl.extensions.health import thresholds_from_settings
from netcrawl.extensions.runs import runs_enabled


def project(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.update(overrides, priority="cmdline")
    return settings


def test_runs_on_by_default_only_for_tracked_spiders_under_scrapy_crawl():
    crawl = {"NETCRAWL_RUNS_AUTO": True}  # what netcrawl's crawl command sets
    assert runs_enabled(project(**crawl), "places")
    assert not runs_enabled(project(**crawl), "other")
    assert not runs_enabled(project(), "places")  # scrapy parse / shell / check
    assert runs_enabled(project(NETCRAWL_RUNS_ENABLED="True"), "other")  # the scheduler
    assert not runs_enabled(project(NETCRAWL_RUNS_ENABLED="0", **crawl), "places")
    assert runs_enabled(project(NETCRAWL_RUNS_SPIDERS="places,other", **crawl), "other")


def test_health_thresholds_from_settings():
    thresholds = thresholds_from_settings(project(
        NETCRAWL_HEALTH_REQUIRED_FIELDS='{"name": 0.9, "lat": "0.5"}',
        NETCRAWL_HEALTH_MIN_ITEM_RATIO="0.25", NETCRAWL_HEALTH_MAX_ERRORS="3"))
    assert thresholds.required_fields == {"name": 0.9, "lat": 0.5}
    assert (thresholds.min_item_ratio, thresholds.max_errors, thresholds.min_items) == (
        0.25, 3, 1)
    with pytest.raises(ValueError, match="NETCRAWL_HEALTH_REQUIRED_FIELDS must map"):
        thresholds_from_settings(project(NETCRAWL_HEALTH_REQUIRED_FIELDS='{"name": "high"}'))
