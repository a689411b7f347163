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
import pyarrow as pa
import pyarrow.compute as pc

from netcrawl.datasets.export import write_frames
from netcrawl.datasets.places_table import DEFAULT_BATCH_SIZE, available_columns, iter_place_batches
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
) -> Iterator[pa.RecordBatch | pd.DataFrame]:
    """Chunks of places of all ``runs``, filtered by the ``where`` query expression.

    Without a filter the chunks stay Arrow record batches (no pandas round trip); with
    one they become DataFrames for ``DataFrame.query``.
    """
    for run in runs:
        assert run.places_path is not None
        for batch in iter_place_batches(run.places_path, batch_size=batch_size):
            batch = _with_spider(batch, run.spider)
            if where:
                frame = apply_filter(batch.to_pandas(), where)
                if len(frame):
                    yield frame
            elif batch.num_rows:
                yield batch


def _with_spider(batch: pa.RecordBatch, spider: str) -> pa.RecordBatch:
    """Fill ``spider`` from the run where the file lacks it, so merged rows say their source."""
    names = batch.schema.names
    if "spider" not in names:
        return batch.append_column("spider", pa.array([spider] * batch.num_rows, pa.string()))
    column = batch.column("spider")
    if column.null_count == 0:
        return batch
    filled = pc.fill_null(column.cast(pa.string()), spider)
    return batch.set_column(names.index("spider"), "spider", filled)


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
