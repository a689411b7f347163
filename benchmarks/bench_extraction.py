"""Throughput of netcrawl's extract_places vs extruct on real fixture pages.

Pages: every ``.html`` of the shared fixtures' extruct samples and
microformats test suite, plus the sample site when present. Measured in the
same run, best of several rounds:

- ``extract_places(response)`` on an already parsed Scrapy ``HtmlResponse``
  (what the spider does: Scrapy parsed the page for link extraction anyway);
- ``extract_places(bytes, url)`` from raw bytes (parsing included);
- ``extruct.extract(html, base_url, syntaxes=[all five])`` (parsing included),
  the usual way to get the same markup out of a page.

Run: ``python benchmarks/bench_extraction.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import extruct
from scrapy.http import HtmlResponse

from netcrawl.extraction import extract_places

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(
    os.environ.get("NETCRAWL_SHARED_FIXTURES", PROJECT_ROOT.parent / "shared" / "fixtures")
)
SAMPLE_SITE = PROJECT_ROOT / "data" / "sample-site"
SYNTAXES = ["json-ld", "microdata", "rdfa", "microformat", "opengraph"]


def collect_pages() -> list[tuple[str, bytes]]:
    """(url, body) of every benchmark page; explains what is missing."""
    pages: list[tuple[str, bytes]] = []
    for folder in (FIXTURES / "extruct-samples", FIXTURES / "microformats-tests", SAMPLE_SITE):
        if not folder.is_dir():
            print(f"skipping {folder}: not present", file=sys.stderr)
            continue
        for path in sorted(folder.rglob("*.html")):
            url = "http://127.0.0.1:8000/" + path.relative_to(folder).as_posix()
            pages.append((url, path.read_bytes()))
    return pages


def best_of(rounds: int, run) -> float:
    """Fastest wall time of ``rounds`` runs (least disturbed by other processes)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pages = collect_pages()
    if not pages:
        print("no benchmark pages found (shared fixtures and sample site absent)")
        return 0
    responses = [HtmlResponse(url, body=body) for url, body in pages]
    texts = [(url, response.text) for (url, _), response in zip(pages, responses, strict=True)]
    for response in responses:
        _ = response.selector  # parse once up front: the spider's response is already parsed

    places = sum(len(extract_places(response).places) for response in responses)

    def on_responses():
        for response in responses:
            extract_places(response)

    def from_bytes():
        for url, body in pages:
            extract_places(body, url)

    def with_extruct():
        for url, text in texts:
            extruct.extract(text, base_url=url, syntaxes=SYNTAXES, errors="ignore")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        timings = {
            "extract_places(parsed HtmlResponse)": best_of(args.rounds, on_responses),
            "extract_places(raw bytes)": best_of(args.rounds, from_bytes),
            "extruct.extract(5 syntaxes)": best_of(max(1, args.rounds // 2), with_extruct),
        }
    baseline = len(pages) / timings["extruct.extract(5 syntaxes)"]
    print(
        f"{len(pages)} pages, {sum(len(b) for _, b in pages) / 1e6:.2f} MB, "
        f"{places} places found by extract_places"
    )
    print(f"{'method':40} {'pages/s':>10} {'ms/page':>9} {'vs extruct':>11}")
    for name, seconds in timings.items():
        rate = len(pages) / seconds
        print(f"{name:40} {rate:10.1f} {1000 * seconds / len(pages):9.2f} {rate / baseline:10.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
