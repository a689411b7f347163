"""``scrapy geodata``: manage the embedded geocoder's index (import address points, info, build)."""

from __future__ import annotations

import argparse
import sys
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from netcrawl.geocoding.importer import FORMATS, import_addresses, parse_column_mapping
from netcrawl.geocoding.store import connect, ensure_index


class Command(ScrapyCommand):
    requires_project = False
    default_settings: ClassVar[dict[str, str]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "import FILE [--format openaddresses|csv] [--columns lat=y,...] | info | build"

    def short_desc(self) -> str:
        return "Import address points into the offline geocoder's index, or show it"

    def long_desc(self) -> str:
        return (
            "import FILE: load address points (OpenAddresses CSV: LON, LAT, NUMBER, STREET, UNIT, "
            "CITY, DISTRICT, REGION, POSTCODE; or any CSV with --format csv --columns "
            "lat=y,lon=x,number=hnr,street=...) into GEOCODER_DB, then refresh street and "
            "postcode centroids. info: counts of what the index holds. build: build the "
            "gazetteer now (it is otherwise built on first use)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="openaddresses")
        parser.add_argument(
            "--columns",
            metavar="FIELD=COLUMN,...",
            help="map our fields (lat, lon, number, street, unit, city, district, "
            "region, postcode) to the file's columns; join columns with + "
            "(number=huisnummer+huisletter)",
        )
        parser.add_argument(
            "--country",
            metavar="CC",
            help="country of the addresses (default: inferred from coordinates)",
        )
        parser.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default ,)")
        parser.add_argument("--chunk-rows", metavar="N", type=int, default=100_000)
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        db = self.settings.get("GEOCODER_DB") or None
        if not args:
            raise UsageError("geodata needs an action: import FILE, info or build")
        action = args[0]
        if action == "import":
            if len(args) != 2:
                raise UsageError("usage: scrapy geodata import FILE")
            try:
                columns = parse_column_mapping(opts.columns)
                report = import_addresses(
                    args[1], db, fmt=opts.fmt, columns=columns, country=opts.country,
                    chunk_rows=opts.chunk_rows, progress=not opts.quiet, delimiter=opts.delimiter,
                )  # fmt: skip
            except (ValueError, FileNotFoundError) as error:
                print(f"error: {error}", file=sys.stderr)
                self.exitcode = 1
                return
            per_country = ", ".join(f"{k or '?'}: {v}" for k, v in report.countries.items())
            skipped = ", ".join(f"{k}={v}" for k, v in sorted(report.skipped.items())) or "none"
            print(
                f"imported {report.imported} of {report.rows_read} rows "
                f"({report.rows_per_second:,.0f} rows/s; skipped: {skipped}); "
                f"index has {report.streets} streets ({per_country}), "
                f"{report.postcodes} postcodes",
                file=sys.stderr,
            )
        elif action in ("info", "build"):
            path = ensure_index(db)
            conn = connect(path)
            try:
                counts = {
                    table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                    for table in ("places", "addresses", "streets", "postcodes", "geocode_cache")
                }
            finally:
                conn.close()
            print(f"{path}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
        else:
            raise UsageError(f"unknown action {action!r}: use import, info or build")
