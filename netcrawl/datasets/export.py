"""Write places in chunks to CSV, JSON Lines, GeoJSON or Parquet, streamed and atomically.

The crawl's item exporters (:mod:`netcrawl.exporters`) handle one item at a time, which
is right during a crawl but costs tens of microseconds per place: a million places from
a run folder would take a minute and, with a naive ``json.dump`` of a whole
FeatureCollection, gigabytes of memory. These writers take chunks (Arrow record
batches, or pandas DataFrames after a ``--where`` filter) and encode whole columns at
once with Arrow compute kernels: JSON strings are escaped column-wise, each column
becomes ``"key":value`` members that are null where the value is absent, and the
members are joined per row skipping the nulls, so absent values are omitted exactly as
the item exporters omit them. Only one chunk is in memory at a time.

The output has the same shape as the item exporters' (same GeoJSON header, one feature
per line, ``geometry: null`` without valid coordinates, ``extras`` as a nested object
in JSON formats and JSON text in tables) and goes through the same
:class:`~netcrawl.exporters.AtomicFile` (temporary name, then rename), so a failed
export leaves the target untouched.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from netcrawl.exporters import AtomicFile, format_for_path
from netcrawl.exporters.fields import json_text

EXPORT_FORMATS = ("csv", "jsonl", "geojson", "parquet")
#: Columns holding JSON text in tables; written as nested values in JSON formats.
JSON_TEXT_COLUMNS = frozenset({"extras"})
COORDINATE_COLUMNS = ("lat", "lon")
GEOJSON_HEADER = b'{"type":"FeatureCollection","features":['
GEOJSON_FOOTER = b"\n]}\n"
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}

Chunk = pa.RecordBatch | pa.Table | pd.DataFrame


# --- column encoding -------------------------------------------------------------


def _join(*parts: Any, null_handling: str = "emit_null") -> pa.Array:
    """Concatenate strings element-wise (scalars broadcast); null in, null out by default."""
    return pc.binary_join_element_wise(*parts, "", null_handling=null_handling)


def _special_bytes(values: pa.Array) -> list[int]:
    """The quote, backslash and control bytes that occur in a string column.

    Read from the raw UTF-8 buffer with numpy (a fraction of a millisecond per column),
    so the escaping kernels run only on the rare columns, and for the characters, that
    need them; bytes of sliced-off values can only cause a harmless extra replacement.
    """
    data = values.buffers()[2]
    if data is None:
        return []
    raw = np.frombuffer(data, dtype=np.uint8)
    special = raw[(raw < 0x20) | (raw == 0x22) | (raw == 0x5C)]
    return np.unique(special).tolist() if len(special) else []


def _escape_json(values: pa.Array, special: list[int]) -> pa.Array:
    """Escape a string column's contents for use inside JSON string literals."""
    if 0x5C in special:  # backslashes first, or the escapes below would be doubled
        values = pc.replace_substring(values, "\\", "\\\\")
    for code in special:
        if code == 0x5C:
            continue
        char = chr(code)
        escape = '\\"' if code == 0x22 else _SHORT_ESCAPES.get(char, f"\\u{code:04x}")
        values = pc.replace_substring(values, char, escape)
    return values


def _json_number_values(values: pa.Array) -> pa.Array:
    """Numbers as JSON numbers; NaN and infinities (not JSON) become absent."""
    floats = values.cast(pa.float64())
    text = floats.cast(pa.string())
    if pc.all(pc.is_finite(floats)).as_py() is False:
        text = pc.if_else(pc.is_finite(floats), text, pa.scalar(None, pa.string()))
    return text


def _is_raw_json(values: pa.Array) -> pa.Array:
    """True where a JSON-text cell holds an object or array that can be spliced in as is."""
    stripped = pc.utf8_ltrim_whitespace(values)
    return pc.or_(pc.starts_with(stripped, "{"), pc.starts_with(stripped, "["))


def _member_values(name: str, key: str, values: pa.Array) -> pa.Array | None:
    """``"key":<JSON value>`` per row, null where the value is absent (None if all are)."""
    kind = values.type
    if values.null_count == len(values) or pa.types.is_null(kind):
        return None
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return _join(key, _json_number_values(values))
    if pa.types.is_boolean(kind):
        return _join(key, values.cast(pa.string()))
    values = values.cast(pa.string())
    # Empty strings are absent values, as for the item exporters' "omit absent".
    values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    special = _special_bytes(values)
    escaped = _escape_json(values, special) if special else values
    member = _join(key + '"', escaped, '"')
    if name in JSON_TEXT_COLUMNS:
        raw = pc.fill_null(_is_raw_json(values), False)
        member = pc.if_else(raw, _join(key, values), member)
    return member


def _members(batch: pa.RecordBatch, skip: Sequence[str] = ()) -> list[pa.Array]:
    members = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if name in skip:
            continue
        member = _member_values(name, json.dumps(name, ensure_ascii=False) + ":", column)
        if member is not None:
            members.append(member)
    return members


def _objects(members: list[pa.Array], length: int) -> pa.Array:
    """``{member,member,...}`` per row with absent (null) members left out."""
    if not members:
        return pa.array(["{}"] * length, pa.string())
    body = pc.binary_join_element_wise(*members, ",", null_handling="skip")
    return _join("{", body, "}")


def json_objects(batch: pa.RecordBatch) -> pa.Array:
    """One compact JSON object per row (absent values omitted), as an Arrow string array."""
    return _objects(_members(batch), batch.num_rows)


def geojson_features(batch: pa.RecordBatch) -> pa.Array:
    """One GeoJSON Feature per row: a Point from valid lat/lon, other fields as properties."""
    lat = _coordinate(batch, "lat")
    lon = _coordinate(batch, "lon")
    valid = pc.and_(
        pc.and_(pc.is_finite(lat), pc.is_finite(lon)),
        pc.and_(pc.less_equal(pc.abs(lat), 90.0), pc.less_equal(pc.abs(lon), 180.0)),
    )
    valid = pc.fill_null(valid, False)
    point = _join('{"type":"Point","coordinates":[', lon.cast(pa.string()), ",",
                  lat.cast(pa.string()), "]}")
    geometry = pc.if_else(valid, point, pa.scalar("null", pa.string()))
    members = _members(batch, skip=COORDINATE_COLUMNS)
    if not pc.all(valid).as_py():
        for name in COORDINATE_COLUMNS:
            # Coordinates that make no valid Point stay as properties (if they are numbers).
            member = _member_values(name, f'"{name}":', _coordinate(batch, name))
            if member is not None:
                members.append(pc.if_else(valid, pa.scalar(None, pa.string()), member))
    properties = _objects(members, batch.num_rows)
    return _join('{"type":"Feature","geometry":', geometry, ',"properties":', properties, "}")


def _coordinate(batch: pa.RecordBatch, name: str) -> pa.Array:
    if name not in batch.schema.names:
        return pa.nulls(batch.num_rows, pa.float64())
    column = batch.column(name)
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        return column.cast(pa.float64())
    if pa.types.is_null(column.type):
        return pa.nulls(batch.num_rows, pa.float64())
    return pc.cast(column.cast(pa.string()), pa.float64(), safe=False)


def _write_strings(file: IO[bytes], values: pa.Array) -> None:
    """Write the concatenated UTF-8 bytes of a null-free string array without copying."""
    if len(values) == 0:
        return
    offsets_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    _, offsets, data = values.buffers()
    offset_values = np.frombuffer(offsets, dtype=offsets_type)
    start = int(offset_values[values.offset])
    end = int(offset_values[values.offset + len(values)])
    file.write(memoryview(data)[start:end])


# --- chunks ------------------------------------------------------------------------


def _json_cell(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list | tuple | set):
        return json_text(value)
    if isinstance(value, float) and value != value:
        return None
    return str(value)


def to_record_batch(chunk: Chunk, columns: Sequence[str]) -> pa.RecordBatch:
    """A chunk as an Arrow batch with exactly ``columns`` (missing ones all null).

    Python containers (``extras`` read from JSON Lines) become JSON text, as in the
    crawl's tabular exports; the JSON writers splice that text back as nested values.
    """
    if isinstance(chunk, pd.DataFrame):
        frame = chunk.copy(deep=False)
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].map(_json_cell)
        table = pa.Table.from_pandas(frame, preserve_index=False)
    elif isinstance(chunk, pa.RecordBatch):
        table = pa.Table.from_batches([chunk])
    else:
        table = chunk
    arrays = []
    for name in columns:
        if name in table.column_names:
            arrays.append(table.column(name).combine_chunks())
        else:
            arrays.append(pa.nulls(table.num_rows, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=list(columns))


# --- writers -------------------------------------------------------------------------


class _Writer:
    def __init__(self, file: IO[bytes], columns: Sequence[str]) -> None:
        self.file = file
        self.columns = list(columns)

    def start(self) -> None:
        """Write what comes before the first row."""

    def write(self, batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Write what comes after the last row."""


class _JsonLinesWriter(_Writer):
    def write(self, batch: pa.RecordBatch) -> None:
        _write_strings(self.file, _join(json_objects(batch), "\n"))


class _GeoJsonWriter(_Writer):
    def start(self) -> None:
        self.file.write(GEOJSON_HEADER)
        self.first = True

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        separator: Any = ",\n"
        if self.first:  # the first feature follows the header's newline, without a comma
            separator = pa.array(["\n"] + [",\n"] * (batch.num_rows - 1), pa.string())
            self.first = False
        _write_strings(self.file, _join(separator, geojson_features(batch)))

    def finish(self) -> None:
        self.file.write(GEOJSON_FOOTER)


class _CsvWriter(_Writer):
    def start(self) -> None:
        header = io.StringIO()
        csv.writer(header, lineterminator="\r\n").writerow(self.columns)
        self.file.write(header.getvalue().encode("utf-8"))
        self.options = pa_csv.WriteOptions(include_header=False, eol="\r\n")

    def write(self, batch: pa.RecordBatch) -> None:
        arrays = [
            column.cast(pa.string()) if pa.types.is_null(column.type) else column
            for column in batch.columns
        ]
        pa_csv.write_csv(pa.RecordBatch.from_arrays(arrays, names=batch.schema.names),
                         self.file, self.options)


class _ParquetWriter(_Writer):
    def start(self) -> None:
        self.schema = parquet_schema(self.columns)
        self.writer = pq.ParquetWriter(self.file, self.schema, compression="zstd")

    def write(self, batch: pa.RecordBatch) -> None:
        arrays = [
            _coordinate(batch, field.name) if pa.types.is_floating(field.type)
            else batch.column(field.name).cast(pa.string())
            for field in self.schema
        ]
        self.writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def finish(self) -> None:
        self.writer.close()


#: Columns stored as numbers in Parquet (the crawl's Parquet exporter does the same).
FLOAT_COLUMNS = frozenset({"lat", "lon", "distance_m", "old_lat", "old_lon"})


def parquet_schema(columns: Sequence[str]) -> pa.Schema:
    """float64 for coordinates and distances, nullable strings for everything else."""
    fields = [pa.field(name, pa.float64() if name in FLOAT_COLUMNS else pa.string())
              for name in columns]
    return pa.schema(fields, metadata={b"netcrawl.extras_encoding": b"json"})


_WRITERS: dict[str, type[_Writer]] = {
    "csv": _CsvWriter,
    "jsonl": _JsonLinesWriter,
    "geojson": _GeoJsonWriter,
    "parquet": _ParquetWriter,
}


def _columns_of(chunk: Chunk) -> list[str]:
    if isinstance(chunk, pd.DataFrame):
        return [str(name) for name in chunk.columns]
    return list(chunk.schema.names)


def write_frames(
    chunks: Iterable[Chunk],
    path: str | Path,
    *,
    format: str | None = None,
    columns: Sequence[str] | None = None,
) -> int:
    """Stream chunks (Arrow batches/tables or DataFrames) into ``path`` atomically.

    ``columns`` fixes the columns and their order (missing ones are empty); by default
    they are those of the first chunk. Returns the number of rows written.
    """
    format_name = format or format_for_path(path)
    if format_name not in _WRITERS:
        raise ValueError(f"unknown export format {format_name!r}; choose one of {EXPORT_FORMATS}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic = AtomicFile(path)
    file = atomic.open()
    rows = 0
    try:
        iterator = iter(chunks)
        first = next(iterator, None)
        fixed = list(columns) if columns is not None else (
            _columns_of(first) if first is not None else []
        )
        writer = _WRITERS[format_name](file, fixed)
        writer.start()
        if first is not None:
            for chunk in itertools.chain((first,), iterator):
                batch = to_record_batch(chunk, fixed)
                writer.write(batch)
                rows += batch.num_rows
        writer.finish()
        atomic.commit(file)
    except BaseException:
        atomic.discard()
        raise
    return rows
