"""Stream generated places through every exporter: seconds and peak extra memory.

Each measurement runs in its own child process so that one format's memory
peak cannot hide another's: the child records its resident memory after
imports (the baseline) and the peak (``ru_maxrss``) after the export. Two
baselines run the same items through Scrapy's own JSON Lines and CSV
exporters into a plain file, so the table shows what netcrawl's formats and
atomic writing cost on top of plain Scrapy on this machine, in this run.

    python benchmarks/bench_exports.py [--items 1000000] [--formats jsonl,csv,geojson,parquet]

Goal: every format under 15 s and under 200 MB extra for 1,000,000 places.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

FORMATS = ("jsonl", "csv", "geojson", "parquet")
#: Reference rows: creating the items only, and Scrapy's own exporters into a plain file.
BASELINES = ("generate", "scrapy-jsonl", "scrapy-csv")


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def reset_peak_rss() -> None:
    """Make the kernel's peak-RSS counter start again from the current RSS (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # then the peak includes the imports: an over-estimate, never an under-estimate


def peak_rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def generated_places(count: int) -> Iterator:
    """Realistic places: most fields set, one in ten without coordinates, extras in all."""
    from netcrawl.items import Place

    countries = ("GB", "FR", "DE", "US", "JP", "NL")
    for i in range(count):
        place = Place(
            ref=f"store-{i}",
            name=f"Copperleaf Café n°{i}",
            brand="Copperleaf",
            street_address=f"{i % 400 + 1} Long Street",
            city="Springfield",
            postcode=f"{10000 + i % 89999}",
            country=countries[i % len(countries)],
            phone=f"+4420794{i % 100000:05d}",
            website=f"https://shops.example/stores/{i}",
            opening_hours="Mo-Fr 08:00-18:00; Sa 09:00-13:00",
            source_url=f"https://shops.example/stores/{i}",
            source_format="jsonld",
            spider="bench",
            extras={"openingHours": "Mo-Fr 08:00-18:00", "branch": i},
        )
        if i % 10:
            place["lat"] = 51.0 + (i % 1000) / 10_000
            place["lon"] = -0.1 - (i % 1000) / 10_000
            place["geo_source"] = "page"
        yield place


def run_child(kind: str, count: int, directory: Path) -> dict:
    """Export ``count`` places as ``kind``; runs inside the child process."""
    import pyarrow  # noqa: F401 - imported by every child alike, outside the measurement
    from scrapy.exporters import CsvItemExporter, JsonLinesItemExporter

    from netcrawl.exporters import write_places

    reset_peak_rss()
    baseline = rss_kib()
    start = time.perf_counter()
    cpu_start = time.process_time()
    path = directory / f"places.{kind}"
    if kind == "generate":
        for _ in generated_places(count):
            pass
        path.write_bytes(b"")
    elif kind in BASELINES:
        exporter_class = JsonLinesItemExporter if kind == "scrapy-jsonl" else CsvItemExporter
        with path.open("wb") as handle:
            exporter = exporter_class(handle, encoding="utf-8")
            exporter.start_exporting()
            for place in generated_places(count):
                exporter.export_item(place)
            exporter.finish_exporting()
    else:
        written = write_places(generated_places(count), path)
        assert written == count
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    peak = peak_rss_kib()
    return {
        "kind": kind,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "extra_mb": max(peak - baseline, 0) / 1024,
        "file_mb": path.stat().st_size / 1024 / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_child(args.child, args.items, Path(args.dir))))
        return

    kinds = [*BASELINES, *args.formats.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as directory:
        for kind in kinds:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    kind,
                    "--items",
                    str(args.items),
                    "--dir",
                    directory,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            results[kind] = json.loads(child.stdout.strip().splitlines()[-1])
            Path(directory, f"places.{kind}").unlink()

    # "export s" leaves out the time spent creating the items (the "generate" row),
    # which a crawl spends in spiders, not in exporters.
    # "export" columns leave out the time spent creating the items (the "generate"
    # row), which a crawl spends in spiders, not in exporters. CPU seconds are the
    # fair measure on a shared machine; wall seconds grow with other processes' load.
    generate = results["generate"]
    reference = results["scrapy-jsonl"]["cpu_seconds"] - generate["cpu_seconds"]
    print(
        f"{args.items:,} places per export; items created in {generate['cpu_seconds']:.2f} s CPU;"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'format':<14}{'wall s':>8}{'CPU s':>8}{'export CPU s':>14}{'vs scrapy jsonl':>17}"
        f"{'extra MB':>10}{'file MB':>9}  goal (export < 15 s, < 200 MB)"
    )
    for kind in kinds:
        r = results[kind]
        export_cpu = r["cpu_seconds"] - generate["cpu_seconds"] if kind != "generate" else 0.0
        goal = (
            ""
            if kind in BASELINES
            else ("ok" if export_cpu < 15 and r["extra_mb"] < 200 else "MISSED")
        )
        print(
            f"{kind:<14}{r['seconds']:>8.2f}{r['cpu_seconds']:>8.2f}{export_cpu:>14.2f}"
            f"{export_cpu / reference:>16.2f}x{r['extra_mb']:>10.1f}"
            f"{r['file_mb']:>9.1f}  {goal}"
        )


if __name__ == "__main__":
    main()
