"""Health checks on stats dicts: item count vs previous run, fill rates, errors, finish."""

from __future__ import annotations

from netcrawl.datasets.health import HealthThresholds, evaluate_health

GOOD = {"item_scraped_count": 100, "finish_reason": "finished", "log_count/ERROR": 0,
        "netcrawl/fill_rate/name": 0.99, "feedexport/success_count/FileFeedStorage": 2}


def statuses(report):
    return {check.name: check.status for check in report.checks}


def test_healthy_run_passes_and_records_stats():
    report = evaluate_health(GOOD, HealthThresholds(required_fields={"name": 0.9}),
                             previous_stats={"item_scraped_count": 120})
    assert report.passed
    assert statuses(report) == {"item_count": "passed", "fill_rate/name": "passed",
                                "errors": "passed", "finish_reason": "passed",
                                "feed_exports": "passed"}
    stats = report.to_stats()
    assert stats["netcrawl/health/status"] == "passed"
    assert stats["netcrawl/health/failed_count"] == 0
    assert stats["netcrawl/health/check/item_count"] == "passed"
    assert "83% of the previous run's 120" in stats["netcrawl/health/checks"][0]["detail"]


def test_item_count_below_ratio_of_previous_fails():
    report = evaluate_health({**GOOD, "item_scraped_count": 49}, HealthThresholds(),
                             previous_stats={"item_scraped_count": 100})
    assert statuses(report)["item_count"] == "failed"
    assert not report.passed
    assert evaluate_health({**GOOD, "item_scraped_count": 50}, HealthThresholds(),
                           previous_stats={"item_scraped_count": 100}).passed
    lenient = HealthThresholds(min_item_ratio=0.4)
    assert evaluate_health({**GOOD, "item_scraped_count": 45}, lenient,
                           previous_stats={"item_scraped_count": 100}).passed


def test_exported_count_preferred_and_zero_items_fail():
    stats = {**GOOD, "netcrawl/items_exported": 10}
    report = evaluate_health(stats, HealthThresholds(), previous_stats={"item_scraped_count": 100})
    assert statuses(report)["item_count"] == "failed"
    empty = evaluate_health({"finish_reason": "finished"}, HealthThresholds())
    assert statuses(empty)["item_count"] == "failed"


def test_fill_rates_errors_finish_reason_and_feeds():
    stats = {**GOOD, "netcrawl/fill_rate/name": 0.5, "log_count/ERROR": 3,
             "finish_reason": "closespider_timeout",
             "feedexport/failed_count/FileFeedStorage": 1}
    report = evaluate_health(stats, HealthThresholds(required_fields={"name": 0.9, "lat": 0.8},
                                                     max_errors=2),
                             fill_rates={"lat": 0.85, "name": 1.0})
    assert statuses(report) == {"item_count": "passed", "fill_rate/name": "failed",
                                "fill_rate/lat": "passed", "errors": "failed",
                                "finish_reason": "failed", "feed_exports": "failed"}
    assert [c.name for c in report.failures] == ["fill_rate/name", "errors", "finish_reason",
                                                  "feed_exports"]


def test_unknown_fill_rate_is_skipped_not_guessed():
    report = evaluate_health(GOOD, HealthThresholds(required_fields={"phone": 0.5}))
    assert statuses(report)["fill_rate/phone"] == "skipped"
    assert report.passed
