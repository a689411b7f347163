"""Crawl speed and memory of ``scrapy crawl places`` against a plain Scrapy link follower.

Generates a loopback site (default 2,000 pages of ~20 kB, each linking to a few
others, one in ten a store page with JSON-LD, a robots.txt and a sitemap),
serves it from a separate process with Twisted's static file resource (fast,
and not competing with the crawler for its GIL), then runs in child processes,
with the same settings (LOG_LEVEL=INFO, same concurrency, AutoThrottle and
HTTP cache off):

(a) ``scrapy runspider`` of a plain spider that follows every link with one
    ``LinkExtractor`` and yields nothing;
(b) ``scrapy crawl places`` with the project's pipelines, exporting to JSONL
    (the run recorder, ``NETCRAWL_RUNS_ENABLED``, is off for both).

It prints pages/s (responses / elapsed crawl time from Scrapy's stats) and peak
RSS (``ru_maxrss`` of each child from ``os.wait4``) and the ratios. Goals:
places >= 80% of plain pages/s and <= 1.5x its peak RSS.

Usage: ``python benchmarks/bench_crawl.py [--pages 2000] [--page-kb 20] [--repeat 1]``
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "coffee",
    "bakery",
    "fresh",
    "bread",
    "morning",
    "street",
    "corner",
    "city",
    "market",
    "open",
    "daily",
    "local",
    "roast",
    "pastry",
    "counter",
    "friendly",
    "staff",
    "seasonal",
    "menu",
    "window",
    "garden",
]
SETTINGS = {
    "LOG_LEVEL": "INFO",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "AUTOTHROTTLE_ENABLED": "False",
    "HTTPCACHE_ENABLED": "False",
    "DEPTH_LIMIT": "4",
    "LOGSTATS_INTERVAL": "600",
    # The run recorder (extra Parquet/GeoJSON exports and a report per `places` run)
    # is bookkeeping, not crawling; it would also leave runs in data/runs.
    "NETCRAWL_RUNS_ENABLED": "False",
}

PLAIN_SPIDER = textwrap.dedent(
    '''
    """Follow every same-site link with one LinkExtractor; yield nothing else."""
    import scrapy
    from scrapy.linkextractors import LinkExtractor


    class PlainSpider(scrapy.Spider):
        name = "plain"

        def __init__(self, start_url, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.start_urls = [start_url]
            self.allowed_domains = ["127.0.0.1"]
            self.link_extractor = LinkExtractor()

        def parse(self, response):
            for link in self.link_extractor.extract_links(response):
                yield scrapy.Request(link.url, callback=self.parse)
    '''
)

SERVER = textwrap.dedent(
    """
    import sys
    from twisted.internet import reactor
    from twisted.web.server import Site
    from twisted.web.static import File

    port = reactor.listenTCP(0, Site(File(sys.argv[1])), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()
    """
)


def _jsonld(number: int) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "CafeOrCoffeeShop",
        "name": f"Bench Coffee {number}",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": f"{number} Market Street",
            "addressLocality": "Springfield",
            "postalCode": f"{10000 + number}",
            "addressCountry": "US",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 40 + number / 1e4, "longitude": -75.0},
        "telephone": f"+1 555 01{number % 100:02d}",
        "openingHours": "Mo-Fr 07:00-19:00",
    }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _path(number: int) -> str:
    return f"stores/store-{number}.html" if number % 10 == 0 else f"pages/page-{number}.html"


def build_site(root: Path, pages: int, page_kb: int, seed: int = 7) -> None:
    """Write ``pages`` linked pages of about ``page_kb`` kB, a robots.txt and a sitemap."""
    rng = random.Random(seed)
    (root / "stores").mkdir(parents=True)
    (root / "pages").mkdir()
    sections = max(1, pages // 40)
    paragraph_count = max(1, page_kb * 1024 // 700)
    for number in range(pages):
        links = [f"/{_path(rng.randrange(pages))}" for _ in range(8)]
        section_start = (number % sections) * 40
        links += [f"/{_path(n)}" for n in range(section_start, min(section_start + 4, pages))]
        nav = "".join(f'<li><a href="{href}">Link {href[-12:]}</a></li>' for href in links)
        body = "".join(
            f"<p>{' '.join(rng.choice(WORDS) for _ in range(100))}</p>"
            for _ in range(paragraph_count)
        )
        head = _jsonld(number) if number % 10 == 0 else ""
        html = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Page {number}</title>'
            f"{head}</head><body><nav><ul>{nav}</ul></nav><main>{body}</main>"
            '<footer><a href="/css/site.css">css</a> <a href="/img/logo.png">logo</a></footer>'
            "</body></html>"
        )
        (root / _path(number)).write_text(html, encoding="utf-8")
    index_links = "".join(
        f'<li><a href="/{_path(s * 40 + i)}">Section {s}</a></li>'
        for s in range(sections)
        for i in range(min(40, pages - s * 40))
    )
    (root / "index.html").write_text(
        f"<!DOCTYPE html><html><head><title>Bench</title></head><body><ul>{index_links}</ul>"
        "</body></html>",
        encoding="utf-8",
    )
    (root / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\nSitemap: /sitemap.xml\n", encoding="utf-8"
    )
    locs = "".join(f"<url><loc>/{_path(n)}</loc></url>" for n in range(pages))
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>',
        encoding="utf-8",
    )


def _stats(log: str) -> dict:
    block = log.split("Dumping Scrapy stats:", 1)[1]
    block = block[block.index("{") : block.index("}\n") + 1]
    return ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "''", block))


def run_child(args: list[str], log_path: Path) -> dict:
    """Run ``scrapy <args>``; return its stats, wall time and peak RSS (MiB)."""
    command = [sys.executable, "-m", "scrapy", *args]
    for key, value in SETTINGS.items():
        command += ["-s", f"{key}={value}"]
    started = time.perf_counter()
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log_file, stderr=log_file)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    log = log_path.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{log[-3000:]}")
    stats = _stats(log)
    pages = stats.get("response_received_count", 0)
    return {
        "pages": pages,
        "items": stats.get("item_scraped_count", 0),
        "elapsed": stats["elapsed_time_seconds"],
        "pages_per_s": pages / stats["elapsed_time_seconds"],
        "wall": wall,
        "rss_mib": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "memusage_mib": stats.get("memusage/max", 0) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--page-kb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each spider (best kept)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        tmp_path = Path(tmp)
        site = tmp_path / "site"
        build_site(site, options.pages, options.page_kb)
        spider_file = tmp_path / "plain_spider.py"
        spider_file.write_text(PLAIN_SPIDER, encoding="utf-8")
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(site)], stdout=subprocess.PIPE, text=True
        )
        try:
            port = int(server.stdout.readline())
            url = f"http://127.0.0.1:{port}/"
            output = tmp_path / "out.jsonl"
            runs: dict[str, list[dict]] = {"plain": [], "places": []}
            for _ in range(options.repeat):  # alternate, so load changes hit both alike
                runs["plain"].append(
                    run_child(
                        ["runspider", str(spider_file), "-a", f"start_url={url}"],
                        tmp_path / "plain.log",
                    )
                )
                runs["places"].append(
                    run_child(
                        ["crawl", "places", "-a", f"start_urls={url}", "-O", str(output)],
                        tmp_path / "places.log",
                    )
                )
            # Best of the repeats: the run least disturbed by other processes.
            plain = max(runs["plain"], key=lambda run: run["pages_per_s"])
            places = max(runs["places"], key=lambda run: run["pages_per_s"])
        finally:
            server.terminate()
            server.wait()

    size_kb = options.page_kb
    print(
        f"site: {options.pages} pages of ~{size_kb} kB, loopback, Twisted static server;"
        f" best of {options.repeat} run(s) each"
    )
    print(
        f"{'run':<10}{'pages':>7}{'items':>7}{'crawl s':>9}{'pages/s':>9}"
        f"{'peak RSS MiB':>14}{'memusage MiB':>14}"
    )
    for name, result in (("plain", plain), ("places", places)):
        print(
            f"{name:<10}{result['pages']:>7}{result['items']:>7}{result['elapsed']:>9.2f}"
            f"{result['pages_per_s']:>9.1f}{result['rss_mib']:>14.1f}"
            f"{result['memusage_mib']:>14.1f}"
        )
    speed = places["pages_per_s"] / plain["pages_per_s"]
    memory = places["rss_mib"] / plain["rss_mib"]
    print(f"places/plain speed  {speed:6.2f}  (goal >= 0.80) {'OK' if speed >= 0.8 else 'MISSED'}")
    print(
        f"places/plain memory {memory:6.2f}  (goal <= 1.50) {'OK' if memory <= 1.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
