"""Merge the latest complete run of several spiders into one stream of places.

Data teams want one file for "all shops we crawl", not one per spider: this reads each
spider's ``latest`` run chunk by chunk (Parquet record batches), fills in ``spider``
where the files lack it, filters with a pandas ``DataFrame.query`` expression, and
hands the chunks to :func:`netcrawl.datasets.export.write_frames`, so the merge never
holds more than one chunk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from netcrawl.datasets.export import write_frames
from netcrawl.datasets.places_table import DEFAULT_BATCH_SIZE, available_columns, iter_place_frames
from netcrawl.datasets.runs import Run, RunNotFoundError, RunStore
from netcrawl.items import PLACE_FIELDS


class InvalidFilterError(ValueError):
    """A ``--where`` expression pandas cannot evaluate; the message says why."""


def latest_runs(store: RunStore, spiders: Sequence[str] | None = None) -> list[Run]:
    """The ``latest`` run of each spider (all spiders with one by default)."""
    runs = []
    for spider in spiders or store.spiders():
        run = store.latest(spider)
        if run is None:
            if spiders:
                raise RunNotFoundError(f"spider {spider!r} has no finished run under {store.root}")
            continue
        if run.places_path is None:
            raise RunNotFoundError(f"run {run.ref} has no places file")
        runs.append(run)
    return runs


def merged_columns(runs: Sequence[Run]) -> list[str]:
    """Union of the runs' columns: ``PLACE_FIELDS`` order first, then any others."""
    seen: dict[str, None] = {"spider": None}
    for run in runs:
        assert run.places_path is not None
        seen.update(dict.fromkeys(available_columns(run.places_path)))
    ordered = [name for name in PLACE_FIELDS if name in seen]
    return ordered + [name for name in seen if name not in PLACE_FIELDS]


def iter_merged(
    runs: Sequence[Run],
    where: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[pd.DataFrame]:
    """Chunks of places of all ``runs``, filtered by the ``where`` query expression."""
    for run in runs:
        assert run.places_path is not None
        for frame in iter_place_frames(run.places_path, batch_size=batch_size):
            if "spider" not in frame.columns:
                frame["spider"] = run.spider
            else:
                frame["spider"] = frame["spider"].fillna(run.spider)
            if where:
                frame = apply_filter(frame, where)
            if len(frame):
                yield frame


def apply_filter(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """``frame.query(where)`` with a clear error naming the expression and the columns."""
    try:
        result = frame.query(where, engine="python")
    except Exception as error:  # pandas raises many types (SyntaxError, UndefinedVariable...)
        raise InvalidFilterError(
            f"cannot apply --where {where!r}: {error} (columns: {', '.join(frame.columns)})"
        ) from error
    if not isinstance(result, pd.DataFrame):
        raise InvalidFilterError(f"--where {where!r} must be a condition on rows")
    return result


def export_latest(
    store: RunStore,
    path: str | Path,
    *,
    format: str | None = None,
    spiders: Sequence[str] | None = None,
    where: str | None = None,
) -> int:
    """Write the merged latest runs to ``path``; returns the number of places written."""
    runs = latest_runs(store, spiders)
    if not runs:
        raise RunNotFoundError(f"no finished runs under {store.root}")
    columns = merged_columns(runs)
    return write_frames(iter_merged(runs, where), path, format=format, columns=columns)
