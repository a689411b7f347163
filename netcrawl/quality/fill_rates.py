"""Fill rates: the share of records that carry each field.

A data team judges a dataset first by its coverage ("92 % have coordinates,
40 % opening hours"); computing it while the records pass costs one counter
per field and needs no second reading of the export.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from netcrawl.exporters.storage import atomic_text
from netcrawl.items import PLACE_FIELDS


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | dict | tuple | set):
        return bool(value)
    return True


class FillRateCounter:
    """Counts records and, per field, the records where it has a value."""

    def __init__(self, fields: Iterable[str] = PLACE_FIELDS) -> None:
        self.fields = tuple(fields)
        self.records = 0
        self.filled: Counter[str] = Counter()

    def add(self, record: Mapping) -> None:
        self.records += 1
        for name in self.fields:
            if _present(record.get(name)):
                self.filled[name] += 1

    def rates(self) -> dict[str, float]:
        """Field -> share of records having it (0.0 for every field when there are none)."""
        if not self.records:
            return dict.fromkeys(self.fields, 0.0)
        return {name: round(self.filled[name] / self.records, 6) for name in self.fields}

    def report(self, spider: str | None = None) -> dict:
        """The JSON document written next to an export."""
        document: dict[str, object] = {"items": self.records, "fill_rates": self.rates()}
        if spider:
            document = {"spider": spider, **document}
        return document


def fill_rates_path(export_path: str | Path) -> Path:
    """``<export name>.fillrates.json`` next to the export."""
    export_path = Path(export_path)
    return export_path.with_name(export_path.name + ".fillrates.json")


def write_fill_rates(export_path: str | Path, document: Mapping) -> Path:
    """Write the report next to the export atomically (temporary name, then rename)."""
    target = fill_rates_path(export_path)
    with atomic_text(target) as out:
        json.dump(document, out, ensure_ascii=False, indent=2, sort_keys=False)
        out.write("\n")
    return target


def count_export(
    path: str | Path, fmt: str | None = None, fields: Iterable[str] = PLACE_FIELDS
) -> FillRateCounter:
    """Fill rates of an export file, read one record at a time.

    Used after duplicate finalisation rewrote the file: merged fields then
    count, which the pipeline's running counter could not know.
    """
    from netcrawl.quality.duplicates import iter_records

    counter = FillRateCounter(fields)
    for record in iter_records(path, fmt):
        counter.add(record)
    return counter
