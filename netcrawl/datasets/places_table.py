"""Read a run's places as pandas DataFrames, whole or in bounded-memory chunks.

Parquet is the run format of choice because it is columnar: a diff of two million-place
runs reads only the dozen columns it compares, and an export streams record batches
instead of materialising the file. JSON Lines and GeoJSON are read too, so that runs
written without the Parquet exporter, or files from elsewhere, still work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_BATCH_SIZE = 16_384


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if suffix in {".jsonl", ".jsonlines", ".ndjson"}:
        return "jsonl"
    if suffix in {".geojson", ".json"}:
        return "geojson"
    raise ValueError(f"cannot read places from {path}: unknown format {suffix!r}")


def available_columns(path: str | Path) -> list[str]:
    """Column names of a places file (Parquet: from the footer, without reading data)."""
    path = Path(path)
    if _format_of(path) == "parquet":
        return list(pq.read_schema(path).names)
    columns: dict[str, None] = {}
    for chunk in iter_place_frames(path):
        columns.update(dict.fromkeys(chunk.columns))
    return list(columns)


def read_places(path: str | Path, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """All places of a file; ``columns`` limits what is read (missing ones are skipped)."""
    path = Path(path)
    wanted = list(columns) if columns is not None else None
    if _format_of(path) == "parquet":
        present = set(pq.read_schema(path).names)
        selected = [c for c in wanted if c in present] if wanted is not None else None
        return pd.read_parquet(path, columns=selected)
    frames = list(iter_place_frames(path, wanted))
    if not frames:
        return pd.DataFrame(columns=wanted or [])
    return pd.concat(frames, ignore_index=True)


def iter_place_batches(
    path: str | Path,
    columns: Iterable[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[pa.RecordBatch]:
    """Places as Arrow record batches: Parquet is streamed without going through pandas."""
    path = Path(path)
    wanted = list(columns) if columns is not None else None
    if _format_of(path) == "parquet":
        parquet = pq.ParquetFile(path)
        present = set(parquet.schema_arrow.names)
        selected = [c for c in wanted if c in present] if wanted is not None else None
        yield from parquet.iter_batches(batch_size=batch_size, columns=selected)
        return
    for frame in iter_place_frames(path, wanted, batch_size):
        yield pa.RecordBatch.from_pandas(frame, preserve_index=False)


def iter_place_frames(
    path: str | Path,
    columns: Iterable[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[pd.DataFrame]:
    """Places in chunks of at most ``batch_size`` rows, so memory stays bounded."""
    path = Path(path)
    wanted = list(columns) if columns is not None else None
    kind = _format_of(path)
    if kind == "parquet":
        parquet = pq.ParquetFile(path)
        present = set(parquet.schema_arrow.names)
        selected = [c for c in wanted if c in present] if wanted is not None else None
        for batch in parquet.iter_batches(batch_size=batch_size, columns=selected):
            yield batch.to_pandas()
    elif kind == "jsonl":
        if path.stat().st_size == 0:
            return
        with pd.read_json(path, lines=True, chunksize=batch_size, dtype=False) as reader:
            for chunk in reader:
                yield _select(chunk, wanted)
    else:
        yield from _iter_geojson(path, wanted, batch_size)


def _select(frame: pd.DataFrame, wanted: list[str] | None) -> pd.DataFrame:
    if wanted is None:
        return frame
    return frame[[c for c in wanted if c in frame.columns]]


def _iter_geojson(path: Path, wanted: list[str] | None, batch_size: int) -> Iterator[pd.DataFrame]:
    """GeoJSON is one JSON document, so it is parsed whole; Parquet is the fast path."""
    with path.open(encoding="utf-8") as handle:
        document = json.load(handle)
    features = document.get("features", []) if isinstance(document, dict) else []
    for start in range(0, len(features), batch_size):
        rows = []
        for feature in features[start : start + batch_size]:
            row = dict(feature.get("properties") or {})
            geometry = feature.get("geometry") or {}
            coordinates = geometry.get("coordinates")
            if geometry.get("type") == "Point" and coordinates and len(coordinates) >= 2:
                row.setdefault("lon", coordinates[0])
                row.setdefault("lat", coordinates[1])
            rows.append(row)
        yield _select(pd.DataFrame(rows), wanted)
