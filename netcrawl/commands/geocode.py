"""``scrapy geocode IN -o OUT``: batch geocoding of CSV, JSON Lines or Parquet files."""

from __future__ import annotations

import argparse
import sys
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from netcrawl.geocoding.batch import file_format, geocode_file
from netcrawl.geocoding.service import GeocodingService


class Command(ScrapyCommand):
    requires_project = False
    default_settings: ClassVar[dict[str, str]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[options] INPUT -o OUTPUT"

    def short_desc(self) -> str:
        return "Geocode a CSV / JSON Lines / Parquet file (forward, or --reverse)"

    def long_desc(self) -> str:
        return (
            "Forward: reads an 'address' column (or --address-column, or address-part columns "
            "street/housenumber/city/postcode/state/country) and adds lat, lon, geo_precision, "
            "geo_source and geocode_error. --reverse: reads lat/lon and adds addr_full, street, "
            "city, state, postcode, country. Formats come from the file extensions "
            "(.csv, .jsonl, .parquet). The provider, index and cache are the pipeline's "
            "settings (GEOCODER, GEOCODER_DB, GEOCODER_KWARGS, GEOCODER_MIN_DELAY...; use -s). "
            "OUTPUT appears only when complete."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", required=True, help="output file")
        parser.add_argument("--reverse", action="store_true", help="reverse geocode lat/lon")
        parser.add_argument("--address-column", metavar="NAME", help="column with the address")
        parser.add_argument(
            "--chunk-rows",
            metavar="N",
            type=int,
            default=10_000,
            help="rows per chunk (memory bound), default 10000",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="forward: geocode rows that already have lat/lon too",
        )
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("geocode takes exactly one INPUT file")
        try:
            file_format(args[0])
            file_format(opts.output)
        except ValueError as error:
            raise UsageError(str(error), print_help=False) from None
        assert self.settings is not None
        service = GeocodingService.from_settings(self.settings)
        try:
            report = geocode_file(
                args[0],
                opts.output,
                service,
                reverse=opts.reverse,
                address_column=opts.address_column,
                chunk_rows=opts.chunk_rows,
                overwrite=opts.overwrite,
                progress=not opts.quiet,
            )
        except (ValueError, FileNotFoundError) as error:
            print(f"error: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        finally:
            service.close()
        failures = ", ".join(f"{k}={v}" for k, v in sorted(report.failures.items())) or "none"
        print(
            f"{report.rows} rows, {report.geocoded} geocoded, failures: {failures}"
            f" -> {opts.output}",
            file=sys.stderr,
        )
