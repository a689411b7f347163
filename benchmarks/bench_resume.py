"""Cost of the resume journal: ``scrapy crawl places`` without JOBDIR, with Scrapy's
stock JOBDIR, and with netcrawl's journal, on the same generated loopback site.

The site (default 1,000 store pages with one JSON-LD place each, ten per listing page)
is a local directory given as the start URL, so the spider serves it itself. Each crawl
runs in a child process with the project's pipelines, exporting JSON lines
(``NETCRAWL_RUNS_ENABLED=False``). Reported: crawl time (Scrapy's
``elapsed_time_seconds``), peak RSS of the child (``os.wait4``), the JOBDIR size, and
for the journal the bytes per journaled request and item, the time
``load_journal`` takes and the time of a run of the finished job (which replays every
place through the pipelines without fetching).

Usage: ``python benchmarks/bench_resume.py [--stores 1000]``
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from netcrawl.resume.journal import JOURNAL_NAME, load_journal  # noqa: E402


def build_site(root: Path, stores: int) -> None:
    listings = (stores + 9) // 10
    listing_names = [f"list-{number}.html" for number in range(listings)]
    (root / "index.html").write_text(
        "<html><body>" + "".join(f'<a href="{name}">{name}</a>' for name in listing_names)
        + "</body></html>", encoding="utf-8")
    for listing, name in enumerate(listing_names):
        numbers = range(listing * 10, min(stores, listing * 10 + 10))
        (root / name).write_text(
            "<html><body>" + "".join(f'<a href="store-{n}.html">store {n}</a>' for n in numbers)
            + "</body></html>", encoding="utf-8")
        for number in numbers:
            place = {
                "@context": "https://schema.org", "@type": "Store",
                "name": f"Bench Store {number}", "branchCode": f"B{number}",
                "address": {"@type": "PostalAddress", "streetAddress": f"Main Street {number}",
                            "addressLocality": "Benchtown", "addressCountry": "GB"},
                "geo": {"@type": "GeoCoordinates", "latitude": 51 + number * 0.001,
                        "longitude": -1 + number * 0.001},
            }
            (root / f"store-{number}.html").write_text(
                f'<html><head><script type="application/ld+json">{json.dumps(place)}</script>'
                f'</head><body><a href="index.html">home</a></body></html>', encoding="utf-8")


def crawl(site: Path, output: Path, *settings: str) -> tuple[dict, float]:
    """Run one crawl; its final stats and the child's peak RSS in MiB."""
    args = [sys.executable, "-m", "scrapy", "crawl", "places", "-a", f"start_urls={site}",
            "-O", str(output), "-s", "NETCRAWL_RUNS_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
    for setting in settings:
        args += ["-s", setting]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"crawl failed:\n{text[-3000:]}")
    block = text.split("Dumping Scrapy stats:", 1)[1]
    block = block[block.index("{"): block.index("}\n") + 1]
    stats = ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "''", block))
    return stats, usage.ru_maxrss / 1024


def directory_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1, help="keep the fastest of N crawls")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        site = work / "site"
        site.mkdir()
        build_site(site, options.stores)
        rows = []
        configurations = [
            ("no JOBDIR", None, ()),
            ("stock JOBDIR", "stock", ("NETCRAWL_RESUME_JOURNAL=False",)),
            ("netcrawl journal", "journal", ()),
        ]
        for name, directory, settings in configurations:
            best = None
            for attempt in range(options.repeat):
                jobdir = work / f"{directory}-{attempt}" if directory else None
                extra = (f"JOBDIR={jobdir}",) if jobdir else ()
                stats, rss = crawl(site, work / "out.jsonl", *extra, *settings)
                size = directory_size(jobdir) if jobdir else None
                if best is None or stats["elapsed_time_seconds"] < best[1]["elapsed_time_seconds"]:
                    best = (name, stats, rss, size)
            rows.append(best)
        plain = rows[0][1]
        journal_dir = work / "journal-0"

        base = plain["elapsed_time_seconds"]
        print(f"{options.stores} store pages, {plain['item_scraped_count']} places\n")
        print(f"{'crawl':<18}{'seconds':>9}{'vs plain':>10}{'peak MiB':>10}{'JOBDIR kB':>11}")
        for name, stats, rss, size in rows:
            seconds = stats["elapsed_time_seconds"]
            size_text = f"{size / 1024:.0f}" if size is not None else "-"
            print(f"{name:<18}{seconds:>9.2f}{seconds / base:>9.2f}x{rss:>10.0f}{size_text:>11}")

        journal = journal_dir / JOURNAL_NAME
        started = time.perf_counter()
        state = load_journal(journal)
        load_seconds = time.perf_counter() - started
        lines = journal.read_bytes().split(b"\n")
        request_bytes = [len(line) + 1 for line in lines if line.startswith(b"R ")]
        item_bytes = [len(line) + 1 for line in lines if line.startswith(b"I ")]
        replay, _ = crawl(site, work / "replay.jsonl", f"JOBDIR={journal_dir}")
        print(f"\njournal: {journal.stat().st_size / 1024:.0f} kB, {state.requests} requests "
              f"({sum(request_bytes) / len(request_bytes):.0f} B each), {state.items} items "
              f"({sum(item_bytes) / len(item_bytes):.0f} B each); load_journal "
              f"{load_seconds * 1000:.0f} ms")
        print(f"finished job run again: {replay['netcrawl/resume/replayed_items']} places "
              f"replayed in {replay['elapsed_time_seconds']:.2f} s, "
              f"{replay.get('downloader/request_count', 0)} requests")


if __name__ == "__main__":
    main()
