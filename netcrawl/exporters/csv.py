"""CSV export with a fixed header, so every run's files have the same columns.

Scrapy's ``CsvItemExporter`` takes its columns from the first item (a place
without coordinates would drop ``lat``/``lon`` for the whole file), writes no
header for an empty crawl, writes a second header in the middle of a file it
appends to, and joins lists with commas. This subclass keeps Scrapy's
encoding and ``csv`` options but fixes the columns to ``PLACE_FIELDS`` (or
``FEED_EXPORT_FIELDS``), writes the header up front unless the file already
has content, and stores ``extras`` as a JSON object in one cell.
"""

from __future__ import annotations

from typing import IO, Any

from scrapy.exporters import CsvItemExporter

from netcrawl.exporters.fields import (
    FastFieldsMixin,
    UnexportedFieldsWarning,
    cell_text,
    export_columns,
    export_fields,
    source_fields,
)


def _position(file: IO[bytes]) -> int:
    try:
        return file.tell()
    except (AttributeError, OSError, ValueError):  # unseekable stream: treat as new
        return 0


class PlaceCsvItemExporter(FastFieldsMixin, CsvItemExporter):
    """CSV rows of places in fixed columns; empty cells for absent values."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self._columns = export_columns(self.fields_to_export)
        self._unexported = UnexportedFieldsWarning("CSV", source_fields(self.fields_to_export))
        self.fields_to_export = export_fields(self.fields_to_export)
        # Appending (-o) to a file that already has rows: it has its header too.
        self._file_had_content = _position(file) > 0

    def start_exporting(self) -> None:
        if self.include_headers_line and not self._file_had_content and self._headers_not_written:
            self.csv_writer.writerow(self._columns)
        self._headers_not_written = False

    strings_are_final = True

    def export_value(self, name: str, value: Any) -> Any:
        # FastFieldsMixin.serialize_field comes first in the MRO, so lists are
        # JSON text here, not CsvItemExporter's comma-joined strings.
        text = cell_text(value)
        return "" if text is None else text

    def export_item(self, item: Any) -> None:
        if self._headers_not_written:  # export_item() without start_exporting()
            self.start_exporting()
        self._unexported.check(item)
        self.csv_writer.writerow(self.serialized_row(item, default_value=""))
