"""Write DataFrame chunks to CSV, JSON Lines, GeoJSON or Parquet, streamed and atomically.

The crawl's item exporters (:mod:`netcrawl.exporters`) handle one item at a time, which
is right during a crawl but costs tens of microseconds per place: a million places from
a run folder would take most of a minute and, with a naive ``json.dump`` of a whole
FeatureCollection, gigabytes of memory. These writers take pandas chunks (as read from
Parquet record batches) and encode a whole chunk at once with pandas' C JSON/CSV
encoders, holding one chunk in memory. The output has the same shape as the item
exporters' (same GeoJSON header, one feature per line, ``geometry: null`` without valid
coordinates, absent values omitted, ``extras`` as a nested object in JSON formats and
JSON text in tables) and goes through the same :class:`~netcrawl.exporters.AtomicFile`
(temporary name, then rename), so a failed export leaves the target untouched.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from netcrawl.exporters import AtomicFile, format_for_path
from netcrawl.exporters.fields import cell_text

EXPORT_FORMATS = ("csv", "jsonl", "geojson", "parquet")
#: Columns holding JSON text in tables; spliced into JSON formats as nested values.
JSON_TEXT_COLUMNS = frozenset({"extras"})
GEOJSON_HEADER = '{"type":"FeatureCollection","features":['
GEOJSON_FOOTER = "\n]}\n"

# A member whose value is null, in compact JSON: ``,"key":null`` or ``{"key":null,``.
# A quote right after ``{`` or ``,`` always opens a key (quotes inside strings are
# escaped), so these never match inside string values.
_NULL_AFTER_COMMA = re.compile(r',"(?:[^"\\]|\\.)*":null(?=[,}])')
_NULL_AFTER_BRACE = re.compile(r'(?<=\{)"(?:[^"\\]|\\.)*":null,?')


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """One compact JSON object per row, absent (null) members left out."""
    if frame.shape[1] == 0 or len(frame) == 0:
        return ["{}"] * len(frame)
    text = frame.to_json(orient="records", lines=True, force_ascii=False, double_precision=15)
    # pandas escapes every "/" as "\/"; a literal backslash is "\\", so this is exact.
    text = text.replace("\\/", "/")
    if frame.isna().to_numpy().any():
        text = _NULL_AFTER_COMMA.sub("", text)
        text = _NULL_AFTER_BRACE.sub("", text)
    # Not splitlines(): it also splits on U+2028 and friends, which JSON leaves raw.
    return text.rstrip("\n").split("\n")


def _is_text_column(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series) and not series.map(
        lambda v: isinstance(v, dict | list), na_action="ignore"
    ).any()


def _records(frame: pd.DataFrame) -> list[str]:
    """JSON objects of the rows; JSON-text columns (``extras``) become nested values."""
    spliced = [c for c in frame.columns if c in JSON_TEXT_COLUMNS and _is_text_column(frame[c])]
    lines = _json_lines(frame.drop(columns=spliced))
    for column in spliced:
        values = frame[column].to_numpy(dtype=object, na_value=None)
        lines = [
            line if value is None or value == ""
            else (f'{line[:-1]},"{column}":{value}}}' if line != "{}" else
                  f'{{"{column}":{value}}}')
            for line, value in zip(lines, values, strict=True)
        ]
    return lines


def _table_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Containers (dicts, lists) as JSON text, as the crawl's CSV/Parquet exporters do."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(cell_text, na_action="ignore")
    return frame


class _Writer:
    def __init__(self, file: IO[bytes], columns: Sequence[str]) -> None:
        self.file = file
        self.columns = list(columns)
        self.text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)

    def start(self) -> None:
        """Write what comes before the first row."""

    def write(self, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.text.flush()
        self.text.detach()


class _JsonLinesWriter(_Writer):
    def write(self, frame: pd.DataFrame) -> None:
        lines = _records(frame)
        if lines:
            self.text.write("\n".join(lines) + "\n")


class _CsvWriter(_Writer):
    def start(self) -> None:
        self.text.write(",".join(pd.Series(self.columns).map(_csv_quote)) + "\r\n")

    def write(self, frame: pd.DataFrame) -> None:
        _table_cells(frame).to_csv(self.text, header=False, index=False, lineterminator="\r\n")


def _csv_quote(name: str) -> str:
    return f'"{name.replace(chr(34), chr(34) * 2)}"' if re.search(r'[",\r\n]', name) else name


class _GeoJsonWriter(_Writer):
    def start(self) -> None:
        self.text.write(GEOJSON_HEADER)
        self.first = True

    def write(self, frame: pd.DataFrame) -> None:
        if not len(frame):
            return
        lat = _numbers(frame, "lat")
        lon = _numbers(frame, "lon")
        valid = (np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90)
                 & (np.abs(lon) <= 180))
        properties = frame.copy()
        for name, values in (("lat", lat), ("lon", lon)):
            if name in properties.columns:
                # Valid coordinates go to the geometry; others stay as properties if numbers.
                properties[name] = np.where(valid | ~np.isfinite(values), np.nan, values)
        geometries = [
            f'{{"type":"Point","coordinates":[{x!r},{y!r}]}}' if ok else "null"
            for ok, x, y in zip(valid.tolist(), lon.tolist(), lat.tolist(), strict=True)
        ]
        features = [
            f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}'
            for geometry, props in zip(geometries, _records(properties), strict=True)
        ]
        separator = "\n" if self.first else ",\n"
        self.text.write(separator + ",\n".join(features))
        self.first = False

    def finish(self) -> None:
        self.text.write(GEOJSON_FOOTER)
        super().finish()


def _numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


class _ParquetWriter(_Writer):
    def start(self) -> None:
        self.writer: pq.ParquetWriter | None = None

    def write(self, frame: pd.DataFrame) -> None:
        frame = _table_cells(frame)
        if self.writer is None:
            self.schema = _parquet_schema(frame)
            self.writer = pq.ParquetWriter(self.file, self.schema, compression="zstd")
        arrays = []
        for field in self.schema:
            values = frame[field.name]
            if pa.types.is_string(field.type):
                values = values.astype("string")
            arrays.append(pa.array(values, type=field.type, from_pandas=True))
        self.writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def finish(self) -> None:
        if self.writer is None:
            self.schema = _parquet_schema(pd.DataFrame(columns=self.columns))
            self.writer = pq.ParquetWriter(self.file, self.schema, compression="zstd")
        self.writer.close()
        self.text.detach()


def _parquet_schema(frame: pd.DataFrame) -> pa.Schema:
    """float64 for coordinates and numeric columns, nullable strings otherwise."""
    fields = []
    for name in frame.columns:
        numeric = name in {"lat", "lon"} or (
            pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(
                frame[name])
        )
        fields.append(pa.field(name, pa.float64() if numeric else pa.string()))
    return pa.schema(fields, metadata={b"netcrawl.extras_encoding": b"json"})


_WRITERS: dict[str, type[_Writer]] = {
    "csv": _CsvWriter,
    "jsonl": _JsonLinesWriter,
    "geojson": _GeoJsonWriter,
    "parquet": _ParquetWriter,
}


def write_frames(
    frames: Iterable[pd.DataFrame],
    path: str | Path,
    *,
    format: str | None = None,
    columns: Sequence[str] | None = None,
) -> int:
    """Stream DataFrame chunks into ``path`` atomically; returns the rows written.

    ``columns`` fixes the columns and their order (missing ones are empty); by default
    they are those of the first chunk.
    """
    format_name = format or format_for_path(path)
    if format_name not in _WRITERS:
        raise ValueError(f"unknown export format {format_name!r}; choose one of {EXPORT_FORMATS}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic = AtomicFile(path)
    file = atomic.open()
    rows = 0
    try:
        iterator = iter(frames)
        first = next(iterator, None)
        fixed = list(columns) if columns is not None else (
            list(first.columns) if first is not None else []
        )
        writer = _WRITERS[format_name](file, fixed)
        writer.start()
        if first is not None:
            for frame in _chain(first, iterator):
                frame = frame.reindex(columns=fixed)
                writer.write(frame)
                rows += len(frame)
        writer.finish()
        atomic.commit(file)
    except BaseException:
        atomic.discard()
        raise
    return rows


def _chain(first: pd.DataFrame, rest: Iterable[pd.DataFrame]) -> Iterable[pd.DataFrame]:
    yield first
    yield from rest


def feature_collection(frame: pd.DataFrame) -> dict[str, Any]:
    """A small frame as a GeoJSON dict (for reports and tests), same encoding as files."""
    buffer = io.BytesIO()
    writer = _GeoJsonWriter(buffer, list(frame.columns))
    writer.start()
    writer.write(frame)
    writer.finish()
    return json.loads(buffer.getvalue())
