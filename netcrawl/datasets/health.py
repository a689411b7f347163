"""Health checks of a finished crawl, in the spirit of spidermon's monitors.

A crawl can "succeed" while producing a broken dataset: the site changed its markup
and yields half the places, a field stopped being filled, requests errored. These
checks compare a run's stats with thresholds and with the previous complete run, so
cron jobs and CI can stop a bad dataset from being published
(``scrapy crawl --fail-on-health``).

Checks (each ``passed``, ``failed`` or ``skipped``):

- ``item_count``: at least ``min_items`` places, and at least ``min_item_ratio`` times
  the previous complete run's count (skipped without a previous run).
- ``fill_rate/<field>``: the share of places with ``field`` at least the required rate.
- ``errors``: ``log_count/ERROR`` at most ``max_errors``.
- ``finish_reason``: the crawl ended with ``finished`` (not a shutdown or a timeout).
- ``feed_exports``: no feed failed to be stored (``feedexport/failed_count/*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_MIN_ITEM_RATIO = 0.5
DEFAULT_MIN_ITEMS = 1
DEFAULT_MAX_ERRORS = 0
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
STATS_PREFIX = "netcrawl/health"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str


@dataclass
class HealthReport:
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.status != FAILED for check in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [check for check in self.checks if check.status == FAILED]

    def to_stats(self) -> dict[str, Any]:
        """Stats entries (``netcrawl/health/...``) that end up in ``stats.json``."""
        stats: dict[str, Any] = {
            f"{STATS_PREFIX}/status": PASSED if self.passed else FAILED,
            f"{STATS_PREFIX}/failed_count": len(self.failures),
            f"{STATS_PREFIX}/checks": [asdict(check) for check in self.checks],
        }
        for check in self.checks:
            stats[f"{STATS_PREFIX}/check/{check.name}"] = check.status
        return stats


@dataclass(frozen=True)
class HealthThresholds:
    """What a healthy run looks like (from ``NETCRAWL_HEALTH_*`` settings)."""

    min_item_ratio: float = DEFAULT_MIN_ITEM_RATIO
    min_items: int = DEFAULT_MIN_ITEMS
    required_fields: Mapping[str, float] = field(default_factory=dict)
    max_errors: int = DEFAULT_MAX_ERRORS


def item_count(stats: Mapping[str, Any]) -> int:
    """Places the run produced: exported count if the pipelines counted it, else scraped."""
    for key in ("netcrawl/items_exported", "item_scraped_count"):
        if stats.get(key) is not None:
            return int(stats[key])
    return 0


def evaluate_health(
    stats: Mapping[str, Any],
    thresholds: HealthThresholds,
    previous_stats: Mapping[str, Any] | None = None,
    fill_rates: Mapping[str, float] | None = None,
) -> HealthReport:
    """Run every check; ``fill_rates`` is a fallback for fields without a fill-rate stat."""
    report = HealthReport()
    add = report.checks.append
    count = item_count(stats)

    if count < thresholds.min_items:
        add(CheckResult("item_count", FAILED,
                        f"{count} places, fewer than the minimum {thresholds.min_items}"))
    elif not previous_stats:
        add(CheckResult("item_count", PASSED, f"{count} places (no previous run to compare)"))
    else:
        previous = item_count(previous_stats)
        needed = previous * thresholds.min_item_ratio
        ratio = f"{count / previous:.0%}" if previous else "n/a"
        status = PASSED if count >= needed else FAILED
        add(CheckResult("item_count", status,
                        f"{count} places, {ratio} of the previous run's {previous} "
                        f"(minimum {thresholds.min_item_ratio:.0%})"))

    for name, required in thresholds.required_fields.items():
        rate = stats.get(f"netcrawl/fill_rate/{name}")
        if rate is None and fill_rates is not None:
            rate = fill_rates.get(name)
        if rate is None:
            add(CheckResult(f"fill_rate/{name}", SKIPPED, f"no fill rate known for {name!r}"))
            continue
        status = PASSED if float(rate) >= float(required) else FAILED
        add(CheckResult(f"fill_rate/{name}", status,
                        f"{name!r} filled in {float(rate):.1%} of places "
                        f"(minimum {float(required):.1%})"))

    errors = int(stats.get("log_count/ERROR", 0) or 0)
    add(CheckResult("errors", PASSED if errors <= thresholds.max_errors else FAILED,
                    f"{errors} errors logged (maximum {thresholds.max_errors})"))

    reason = stats.get("finish_reason")
    add(CheckResult("finish_reason", PASSED if reason == "finished" else FAILED,
                    f"finish reason {reason!r}"))

    failed_feeds = {key.split("/", 2)[-1]: value for key, value in stats.items()
                    if key.startswith("feedexport/failed_count/") and value}
    if failed_feeds:
        add(CheckResult("feed_exports", FAILED, f"feeds not stored: {failed_feeds}"))
    else:
        add(CheckResult("feed_exports", PASSED, "every feed stored"))
    return report
