"""Datasets across crawls: run history, diffs, health checks, exports and reports.

Every crawl of a tracked spider leaves a run folder (:mod:`~netcrawl.datasets.runs`);
the modules here work on those folders without a running crawl:
:mod:`~netcrawl.datasets.diff` (what changed), :mod:`~netcrawl.datasets.health` (is
the run good enough to publish), :mod:`~netcrawl.datasets.merge` and
:mod:`~netcrawl.datasets.export` (one file from several spiders, streamed),
:mod:`~netcrawl.datasets.report` (an offline HTML page with an SVG map).
"""

from netcrawl.datasets.diff import DiffResult, diff_files, diff_places
from netcrawl.datasets.export import write_frames
from netcrawl.datasets.health import HealthReport, HealthThresholds, evaluate_health
from netcrawl.datasets.merge import export_latest
from netcrawl.datasets.report import build_report, write_report
from netcrawl.datasets.runs import Run, RunNotFoundError, RunStore

__all__ = [
    "DiffResult",
    "HealthReport",
    "HealthThresholds",
    "Run",
    "RunNotFoundError",
    "RunStore",
    "build_report",
    "diff_files",
    "diff_places",
    "evaluate_health",
    "export_latest",
    "write_frames",
    "write_report",
]
