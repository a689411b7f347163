"""JSON Lines export: Scrapy's format, one place per line, with a faster field path.

The output is byte for byte what :class:`scrapy.exporters.JsonLinesItemExporter`
writes (same encoder, same field order, same options); only the reading of
fields skips :class:`~itemadapter.ItemAdapter` for dicts and Items, which is
most of the export time for a large crawl (see ``benchmarks/bench_exports.py``).
"""

from __future__ import annotations

from typing import Any

from scrapy.exporters import JsonLinesItemExporter

from netcrawl.exporters.fields import FastFieldsMixin


class PlaceJsonLinesItemExporter(FastFieldsMixin, JsonLinesItemExporter):
    """One JSON object per line; absent fields omitted."""

    def export_item(self, item: Any) -> None:
        line = self.encoder.encode(self.serialized_dict(item)) + "\n"
        self.file.write(line.encode(self.encoding or "utf-8"))
