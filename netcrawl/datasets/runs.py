"""Run history: one folder per crawl under ``<runs dir>/<spider>/<UTC timestamp>/``.

Layout (see docs/datasets.md)::

    data/runs/<spider>/20261124T211433Z/          a closed run
        places.parquet  places.geojson  stats.json  crawl.log  report.html
    data/runs/<spider>/20261124T220000Z.partial/  a run in progress, or one that was killed
    data/runs/<spider>/latest -> 20261124T211433Z the newest run that finished cleanly

A crawl writes into ``<timestamp>.partial/`` and the folder is renamed to its final
name only when the engine stops, so a killed crawl (SIGKILL, power loss) leaves an
obviously unfinished folder behind and never looks complete. ``latest`` is moved only
for runs whose ``finish_reason`` is ``finished``; the swap is atomic (a temporary
symlink renamed over the old one with :func:`os.replace`), so readers never see a
missing or half-written pointer.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from netcrawl.exporters.storage import atomic_text
from netcrawl.locations import writable_data_dir

#: Where runs go when ``NETCRAWL_RUNS_DIR`` is not set: the checkout's data/runs, else the
#: user data folder, e.g. under Scrapyd where the code is a zipped egg (netcrawl.locations).
DEFAULT_RUNS_DIR = writable_data_dir() / "runs"
PARTIAL_SUFFIX = ".partial"
LATEST_LINK = "latest"
#: Used instead of the symlink where the file system cannot make symlinks.
LATEST_FILE = "LATEST"
STATS_FILE = "stats.json"
LOG_FILE = "crawl.log"
REPORT_FILE = "report.html"
#: Files a run's places may be stored in, in order of preference for reading.
PLACES_FILES = ("places.parquet", "places.jsonl", "places.geojson")
CLEAN_FINISH = "finished"

_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_RUN_NAME = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<seq>\d+))?$")


class RunNotFoundError(LookupError):
    """A run reference that names no run; the message says what was looked for."""


def run_timestamp(now: datetime | None = None) -> str:
    """UTC timestamp used as a run's folder name: sortable and free of ``:`` (Windows)."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def to_jsonable(value: Any) -> Any:
    """Turn Scrapy stats values into JSON types (datetimes as ISO 8601 strings)."""
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary sibling then rename it, so readers see old or new."""
    with atomic_text(path) as handle:
        json.dump(to_jsonable(data), handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


@dataclass(frozen=True)
class Run:
    """One crawl's folder; stats are read lazily from ``stats.json``."""

    path: Path
    spider: str = field(compare=False)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_partial(self) -> bool:
        """True while the crawl runs, and forever for a crawl that was killed."""
        return self.name.endswith(PARTIAL_SUFFIX)

    @property
    def started(self) -> datetime | None:
        match = _RUN_NAME.match(self.name.removesuffix(PARTIAL_SUFFIX))
        if not match:
            return None
        return datetime.strptime(match["stamp"], _TIMESTAMP_FORMAT).replace(tzinfo=UTC)

    @cached_property
    def stats(self) -> dict[str, Any]:
        """The run's ``stats.json`` (empty for runs that never closed)."""
        path = self.path / STATS_FILE
        if not path.exists():
            return {}
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)

    @property
    def finish_reason(self) -> str | None:
        return self.stats.get("finish_reason")

    @property
    def is_complete(self) -> bool:
        """A run that closed with ``finish_reason == "finished"``: eligible for ``latest``."""
        return not self.is_partial and self.finish_reason == CLEAN_FINISH

    @property
    def item_count(self) -> int | None:
        stats = self.stats
        for key in ("netcrawl/items_exported", "item_scraped_count"):
            if key in stats:
                return int(stats[key])
        return 0 if stats else None

    @property
    def duration_seconds(self) -> float | None:
        value = self.stats.get("elapsed_time_seconds")
        return float(value) if value is not None else None

    @property
    def places_path(self) -> Path | None:
        """The file to read the run's places from (Parquet preferred: columnar, fast)."""
        for name in PLACES_FILES:
            candidate = self.path / name
            if candidate.exists():
                return candidate
        return None

    @property
    def ref(self) -> str:
        """``<spider>/<run>``: how commands name this run."""
        return f"{self.spider}/{self.name}"


class RunStore:
    """The run history below one runs directory."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root else DEFAULT_RUNS_DIR

    def spider_dir(self, spider: str) -> Path:
        if not spider or "/" in spider or spider in {".", ".."}:
            raise ValueError(f"invalid spider name for a run folder: {spider!r}")
        return self.root / spider

    def spiders(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.is_symlink())

    def runs(self, spider: str, *, include_partial: bool = False) -> list[Run]:
        """A spider's runs, oldest first (folder names sort chronologically)."""
        directory = self.spider_dir(spider)
        if not directory.is_dir():
            return []
        runs = []
        for path in directory.iterdir():
            if path.is_symlink() or not path.is_dir():
                continue
            run = Run(path, spider)
            if run.started is None or (run.is_partial and not include_partial):
                continue
            runs.append(run)
        return sorted(runs, key=lambda run: run.name.removesuffix(PARTIAL_SUFFIX))

    def complete_runs(self, spider: str) -> list[Run]:
        return [run for run in self.runs(spider) if run.is_complete]

    def latest(self, spider: str) -> Run | None:
        """The run ``latest`` points to, or None before the first clean finish."""
        directory = self.spider_dir(spider)
        link = directory / LATEST_LINK
        if link.is_symlink():
            target = directory / os.readlink(link)
        elif (directory / LATEST_FILE).is_file():
            target = directory / (directory / LATEST_FILE).read_text(encoding="utf-8").strip()
        else:
            return None
        return Run(target, spider) if target.is_dir() else None

    def previous_complete(self, run: Run) -> Run | None:
        """The newest cleanly finished run of the same spider started before ``run``."""
        key = run.name.removesuffix(PARTIAL_SUFFIX)
        earlier = [r for r in self.complete_runs(run.spider) if r.name < key]
        return earlier[-1] if earlier else None

    def resolve(self, reference: str | os.PathLike[str]) -> Run:
        """Find a run by folder path, ``<spider>/<run>``, ``<spider>/latest`` or ``<spider>``."""
        text = os.fspath(reference)
        path = Path(text)
        if path.is_absolute() or (path.is_dir() and (path / STATS_FILE).exists()):
            if not path.is_dir():
                raise RunNotFoundError(f"no run folder at {path}")
            path = path.resolve()
            return Run(path, path.parent.name)
        spider, _, name = text.strip("/").partition("/")
        if not name or name == LATEST_LINK:
            run = self.latest(spider)
            if run is None:
                raise RunNotFoundError(
                    f"spider {spider!r} has no finished run under {self.root}"
                )
            return run
        run = Run(self.spider_dir(spider) / name, spider)
        if not run.path.is_dir():
            raise RunNotFoundError(f"no run {name!r} for spider {spider!r} under {self.root}")
        return run

    # --- writing --------------------------------------------------------------

    def create_partial(self, spider: str, now: datetime | None = None) -> Path:
        """Make a fresh ``<timestamp>.partial`` folder; adds ``-N`` if the second is taken."""
        directory = self.spider_dir(spider)
        directory.mkdir(parents=True, exist_ok=True)
        stamp = run_timestamp(now)
        for sequence in range(1000):
            name = stamp if sequence == 0 else f"{stamp}-{sequence}"
            if (directory / name).exists():
                continue
            try:
                (directory / f"{name}{PARTIAL_SUFFIX}").mkdir()
            except FileExistsError:
                continue
            return directory / f"{name}{PARTIAL_SUFFIX}"
        raise RuntimeError(f"could not allocate a run folder in {directory}")

    def finalise(self, partial_dir: Path) -> Run:
        """Rename a closed run's ``.partial`` folder to its final name."""
        final = partial_dir.with_name(partial_dir.name.removesuffix(PARTIAL_SUFFIX))
        if final != partial_dir:
            os.replace(partial_dir, final)
        return Run(final, final.parent.name)

    def set_latest(self, run: Run) -> None:
        """Point ``latest`` at ``run`` atomically (temp symlink renamed over the old one)."""
        directory = run.path.parent
        tmp = directory / f".{LATEST_LINK}.{os.getpid()}.tmp"
        try:
            if tmp.is_symlink() or tmp.exists():
                tmp.unlink()
            os.symlink(run.name, tmp, target_is_directory=True)
        except OSError:
            # No symlinks here (some Windows setups): a small file, also swapped atomically.
            (directory / f".{LATEST_FILE}.tmp").write_text(run.name + "\n", encoding="utf-8")
            os.replace(directory / f".{LATEST_FILE}.tmp", directory / LATEST_FILE)
            return
        os.replace(tmp, directory / LATEST_LINK)
