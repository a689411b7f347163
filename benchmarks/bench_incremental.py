"""Bytes and time of a repeat crawl with ``NETCRAWL_INCREMENTAL`` against a plain crawl.

Two loopback sites, each served by netcrawl's StaticFileServer (strong ETags,
Last-Modified, gzip) from this process while the crawls run in child
processes (``scrapy crawl places``, run history off):

- ``sample``: a copy of data/sample-site (the project's demo shop site);
- ``generated``: ``--pages`` pages of about ``--page-kb`` kB of varied text,
  each linking to a few others, one in ten a store page with JSON-LD.

For each site, three crawls: (a) plain (incremental off), (b) incremental,
first run (records the page store), (c) incremental, repeat run on the
unchanged site. Printed per crawl: responses, 304s, response bytes (Scrapy's
``downloader/response_bytes``: headers and bodies as received, compressed),
places exported, elapsed seconds, and the ratios to the plain crawl.

Usage: ``python benchmarks/bench_incremental.py [--pages 500] [--page-kb 20]``
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from netcrawl.serving import StaticFileServer  # noqa: E402

WORDS = ("coffee", "bakery", "fresh", "bread", "morning", "street", "corner", "city", "market",
         "open", "daily", "local", "roast", "pastry", "counter", "friendly", "staff", "menu")


def build_generated_site(root: Path, pages: int, page_kb: int) -> None:
    rng = random.Random(7)
    root.mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    for number in range(pages):
        links = "".join(f'<a href="/p{rng.randrange(pages)}.html">more</a>\n' for _ in range(4))
        links += f'<a href="/p{(number + 1) % pages}.html">next</a>\n'
        text = " ".join(rng.choice(WORDS) for _ in range(page_kb * 1024 // 7))
        markup = ""
        if number % 10 == 0:
            markup = ('<script type="application/ld+json">' + json.dumps({
                "@context": "https://schema.org", "@type": "Store", "name": f"Shop {number}",
                "address": {"@type": "PostalAddress", "streetAddress": f"{number} Main Street",
                            "addressLocality": "Springfield", "addressCountry": "US"},
            }) + "</script>")
        name = "index.html" if number == 0 else f"p{number}.html"
        (root / name).write_text(
            f"<!DOCTYPE html><html><head><title>Page {number}</title>{markup}</head>"
            f"<body><p>{text}</p>{links}</body></html>", encoding="utf-8")


def final_stats(log: str) -> dict:
    block = log.split("Dumping Scrapy stats:", 1)[1]
    block = block[block.index("{"): block.index("}\n") + 1]
    return ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "''", block))


def crawl(url: str, work: Path, label: str, incremental: bool) -> dict:
    output = work / f"{label}.jsonl"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "places", "-a", f"start_urls={url}",
        "-O", str(output), "-s", "NETCRAWL_RUNS_ENABLED=False", "-s", "DEPTH_LIMIT=0",
        "-s", f"NETCRAWL_INCREMENTAL={incremental}",
        "-s", f"NETCRAWL_INCREMENTAL_DIR={work / 'store'}",
        "-s", f"NETCRAWL_RUNS_DIR={work / 'runs'}",
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                            check=False)
    if "Dumping Scrapy stats:" not in result.stderr:
        raise SystemExit(result.stderr[-3000:])
    stats = final_stats(result.stderr)
    places = len(output.read_text(encoding="utf-8").splitlines())
    return {
        "crawl": label,
        "responses": stats.get("response_received_count", 0),
        "304": stats.get("downloader/response_status_count/304", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "places": places,
        "seconds": float(stats.get("elapsed_time_seconds", 0.0)),
    }


def run_site(name: str, root: Path, work: Path) -> list[dict]:
    with StaticFileServer(root) as server:
        rows = [
            crawl(server.url, work, f"{name}: plain", incremental=False),
            crawl(server.url, work, f"{name}: incremental 1st", incremental=True),
            crawl(server.url, work, f"{name}: incremental repeat", incremental=True),
        ]
    plain = rows[0]
    for row in rows:
        row["bytes ratio"] = row["bytes"] / plain["bytes"] if plain["bytes"] else 0.0
        row["time ratio"] = row["seconds"] / plain["seconds"] if plain["seconds"] else 0.0
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--page-kb", type=int, default=20)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as temporary:
        base = Path(temporary)
        shutil.copytree(PROJECT_ROOT / "data" / "sample-site", base / "sample-site")
        rows += run_site("sample", base / "sample-site", base / "sample-work")
        build_generated_site(base / "generated-site", args.pages, args.page_kb)
        rows += run_site("generated", base / "generated-site", base / "generated-work")
    columns = ["crawl", "responses", "304", "bytes", "places", "seconds", "bytes ratio",
               "time ratio"]
    print(" | ".join(f"{column:>30}" if column == "crawl" else f"{column:>11}"
                     for column in columns))
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if column == "crawl":
                cells.append(f"{value:>30}")
            elif isinstance(value, float):
                cells.append(f"{value:>11.2f}")
            else:
                cells.append(f"{value:>11}")
        print(" | ".join(cells))


if __name__ == "__main__":
    main()
