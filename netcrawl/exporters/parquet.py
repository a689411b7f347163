"""Parquet export with a fixed schema, written in row groups as items arrive.

The schema comes from the exported columns (``PLACE_FIELDS`` unless
``FEED_EXPORT_FIELDS`` says otherwise), never from the data: every run gives
the same column names and types, and a column exists even if no place had a
value for it, so files from different runs and sites can be read as one
dataset. ``lat``/``lon`` are ``float64``; every other column is a nullable
string, ``extras`` holding a JSON object.

Rows are buffered column by column and flushed as one row group every
``row_group_size`` items (``NETCRAWL_PARQUET_ROW_GROUP_SIZE``, default
10,000): memory stays bounded by one row group however long the crawl runs.
"""

from __future__ import annotations

import contextlib
import logging
import math
from typing import IO, TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.exporters import BaseItemExporter

from netcrawl.exporters.fields import (
    FastFieldsMixin,
    UnexportedFieldsWarning,
    cell_text,
    export_columns,
    export_fields,
    source_fields,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DEFAULT_ROW_GROUP_SIZE = 10_000
#: Columns stored as numbers; every other column is a string.
FLOAT_COLUMNS: frozenset[str] = frozenset({"lat", "lon"})


def place_schema(columns: list[str], sources: list[str] | None = None) -> pa.Schema:
    """The Arrow schema of the exported columns (see the module docstring).

    ``sources`` are the item fields the columns are read from, when columns are
    renamed (a ``FEED_EXPORT_FIELDS`` mapping); the type follows the field.
    """
    sources = sources or columns
    fields = [
        pa.field(column, pa.float64() if source in FLOAT_COLUMNS else pa.string(), nullable=True)
        for column, source in zip(columns, sources, strict=True)
    ]
    return pa.schema(fields, metadata={b"netcrawl.extras_encoding": b"json"})


def _as_float(value: Any) -> float | None:
    """A coordinate as a float; ``ValueError`` with the value when it is not a number."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"coordinate {value!r} is not a number") from None
    return number if math.isfinite(number) else None


class ParquetItemExporter(FastFieldsMixin, BaseItemExporter):
    """Write places into a Parquet file, one row group per ``row_group_size`` items."""

    def __init__(
        self,
        file: IO[bytes],
        *,
        row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
        compression: str = "zstd",
        **kwargs: Any,
    ) -> None:
        super().__init__(dont_fail=True, **kwargs)
        if row_group_size < 1:
            raise ValueError(f"row_group_size must be at least 1, got {row_group_size}")
        self.file = file
        self.row_group_size = row_group_size
        self.compression = compression
        self.columns = export_columns(self.fields_to_export)
        sources = source_fields(self.fields_to_export)
        self.fields_to_export = export_fields(self.fields_to_export)
        self.schema = place_schema(self.columns, sources)
        # serialize_field() is given output column names: these hold numbers.
        self._float_columns = frozenset(
            column
            for column, source in zip(self.columns, sources, strict=True)
            if source in FLOAT_COLUMNS
        )
        self._rows: list[list[Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._unexported = UnexportedFieldsWarning("Parquet", sources)
        self.row_groups_written = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> Self:
        settings = crawler.settings
        kwargs.setdefault(
            "row_group_size",
            settings.getint("NETCRAWL_PARQUET_ROW_GROUP_SIZE", DEFAULT_ROW_GROUP_SIZE),
        )
        kwargs.setdefault("compression", settings.get("NETCRAWL_PARQUET_COMPRESSION", "zstd"))
        return cls(file, **kwargs)

    def start_exporting(self) -> None:
        self._writer = pq.ParquetWriter(self.file, self.schema, compression=self.compression)

    def export_item(self, item: Any) -> None:
        if self._writer is None:
            self.start_exporting()
        self._unexported.check(item)
        # The whole row is built before it is buffered: a bad value raises
        # without leaving a partial row behind.
        self._rows.append(self.serialized_row(item, default_value=None))
        if len(self._rows) >= self.row_group_size:
            self._flush()

    def export_value(self, name: str, value: Any) -> Any:
        if name in self._float_columns:
            return _as_float(value)
        return cell_text(value)

    def _flush(self) -> None:
        if not self._rows:
            return
        assert self._writer is not None
        columns = list(zip(*self._rows, strict=True))
        arrays = [
            pa.array(column, type=field.type)
            for column, field in zip(columns, self.schema, strict=True)
        ]
        batch = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self._writer.write_batch(batch, row_group_size=self.row_group_size)
        self.row_groups_written += 1
        self._rows = []

    def finish_exporting(self) -> None:
        if self._writer is None:
            self.start_exporting()
        assert self._writer is not None
        self._flush()
        # Writes the footer; pyarrow leaves a file object it did not open open.
        self._writer.close()

    def abandon(self) -> None:
        """Release the writer of an export that failed (its file is being discarded).

        Without this pyarrow would try to write the footer when the writer is
        garbage-collected, after the file was closed.
        """
        if self._writer is not None:
            writer, self._writer = self._writer, None
            with contextlib.suppress(Exception):
                writer.close()
