"""Cost of rendering pages in headless Chromium against plain requests on the same pages.

Generates a loopback site of JavaScript-built store pages (each draws two stores from
an inline script and fetches two more as JSON), serves it from a separate process
(Twisted's static file server), then runs ``scrapy crawl places`` in child processes
on the same page list (``urls_file``), with the project's settings but no item
pipelines (they cost the same whichever way a page was fetched):

- ``plain``: ``render=none`` (Scrapy's HTTP handler; finds none of the stores);
- ``browser c=1`` / ``browser c=4``: ``render=browser`` with
  ``NETCRAWL_BROWSER_CONCURRENCY`` 1 and 4 (finds all of them);
- ``memory``: ``render=browser``, c=4, on ``--memory-pages`` pages (default 200),
  once in one context throughout and once renewing it every ``--context-pages``
  pages (``NETCRAWL_BROWSER_CONTEXT_PAGES``; off in the settings by default).

Pages/s is measured between the first and the last response (so the browser's
start-up, reported separately, is not spread over the pages). Browser memory is the
sum over the crawl's Chromium and Playwright-driver processes, sampled every 0.2 s
from /proc: RSS (counts memory the Chromium processes share once per process, so
it overstates) and PSS (shares split between processes: the better total). For
the memory run it prints the PSS after the first 10% of pages and at the end.

Usage: ``python benchmarks/bench_rendering.py [--pages 40] [--memory-pages 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

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

#: The child: one crawl of the places spider, timing responses and sampling the browser.
CHILD = textwrap.dedent(
    '''
    import json, os, resource, sys, threading, time
    from pathlib import Path
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    urls_file, render, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("places")
    times, samples, done = [], [], threading.Event()

    def on_response(response, request, spider):
        if response.url.endswith(".html"):
            times.append(time.perf_counter())

    crawler.signals.connect(on_response, signal=signals.response_received)

    def browser_pids():
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, frontier = set(), {os.getpid()}
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
            found |= frontier
        return found

    def memory_kib(pid):
        rss = pss = 0
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
        except (OSError, ValueError):
            pass
        return rss, pss

    def sample():
        while not done.wait(0.2):
            pids = browser_pids()
            if not pids:
                continue
            rss = pss = 0
            for pid in pids:
                r, p = memory_kib(pid)
                rss, pss = rss + r, pss + p
            samples.append((time.perf_counter(), len(times), len(pids), rss, pss))

    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    process.crawl(crawler, urls_file=urls_file, render=render)
    process.start()
    done.set()
    stats = crawler.stats.get_stats()
    print("RESULT " + json.dumps({
        "pages": len(times),
        "first": times[0] - started if times else None,
        "span": times[-1] - times[0] if len(times) > 1 else None,
        "items": stats.get("item_scraped_count", 0),
        "rendered": stats.get("netcrawl/render/browser/pages", 0),
        "contexts": stats.get("playwright/context_count", 0),
        "pages_open": stats.get("playwright/page_count", 0)
                      - stats.get("playwright/page_count/closed", 0),
        "max_pages": stats.get("playwright/page_count/max_concurrent", 0),
        "samples": samples,
        "python_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    '''
)

SETTINGS = {
    "LOG_LEVEL": "WARNING",
    "NETCRAWL_RUNS_ENABLED": False,
    "HTTPCACHE_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": False,
    "LOGSTATS_INTERVAL": 600,
    "NETCRAWL_HEALTH_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    # Rendering's cost only: the pipelines (the geocoder's index is loaded once places
    # arrive, and only rendered runs find any) would blur the crawler's memory figures.
    "ITEM_PIPELINES": {},
}

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Stores, region {n}</title></head>
<body><h1>Our stores in region {n}</h1><div id="root"></div><ul id="fetched"></ul>
<script>
  const rows = [["B{n}-1", "Bench Store {n}-1", "{n} High Street", "Leeds", 53.8, -1.55],
                ["B{n}-2", "Bench Store {n}-2", "{n} Low Street", "Hull", 53.74, -0.33]];
  document.getElementById("root").innerHTML = rows.map(([ref, name, street, city, lat, lon]) =>
    `<div itemscope itemtype="https://schema.org/Store"><h2 itemprop="name">${{name}}</h2>` +
    `<p itemprop="address">${{street}}, ${{city}}</p>` +
    `<meta itemprop="latitude" content="${{lat}}"><meta itemprop="longitude" content="${{lon}}">` +
    `</div>`).join("");
  fetch(["", "data", "region-{n}"].join("/") + ".json").then((r) => r.json()).then((data) => {{
    document.getElementById("fetched").innerHTML =
      data.stores.map((s) => `<li>${{s.name}}</li>`).join("");
  }});
</script></body></html>
"""


def build_site(root: Path, pages: int) -> list[str]:
    """``pages`` script-built store pages and their JSON; returns their paths."""
    (root / "data").mkdir(parents=True)
    paths = []
    for n in range(pages):
        (root / f"region-{n}.html").write_text(PAGE.format(n=n), encoding="utf-8")
        stores = [
            {"id": f"J{n}-{k}", "name": f"Fetched Store {n}-{k}", "street": f"{k} Quay",
             "city": "York", "lat": 53.96, "lng": -1.08 - k / 100}
            for k in (1, 2)
        ]
        (root / "data" / f"region-{n}.json").write_text(json.dumps({"stores": stores}))
        paths.append(f"region-{n}.html")
    return paths


def run(urls_file: Path, render: str, overrides: dict) -> dict:
    settings = {**SETTINGS, **overrides}
    process = subprocess.run(
        [sys.executable, "-c", CHILD, str(urls_file), render, json.dumps(settings)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900,
    )
    for line in process.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise SystemExit(f"crawl failed ({process.returncode}):\n{process.stderr[-3000:]}")


def pages_per_s(result: dict) -> float:
    return (result["pages"] - 1) / result["span"] if result["span"] else float("nan")


def peak(result: dict, index: int) -> float:
    return max((sample[index] for sample in result["samples"]), default=0) / 1024


def _peak_between(samples: list, low: int, high: int) -> list:
    """The sample of highest PSS taken while ``low``..``high`` pages had been received."""
    window = [sample for sample in samples if low <= sample[1] <= high] or samples
    return max(window, key=lambda sample: sample[4])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--memory-pages", type=int, default=200)
    parser.add_argument("--context-pages", type=int, default=100,
                        help="NETCRAWL_BROWSER_CONTEXT_PAGES of the second memory run")
    options = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"{CHROMIUM} missing: apt-get install chromium")

    with tempfile.TemporaryDirectory(prefix="bench-rendering-") as tmp:
        tmp_path = Path(tmp)
        site = tmp_path / "site"
        paths = build_site(site, max(options.pages, options.memory_pages))
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(site)], stdout=subprocess.PIPE, text=True
        )
        try:
            base = f"http://127.0.0.1:{int(server.stdout.readline())}/"
            speed_urls = tmp_path / "speed.txt"
            speed_urls.write_text("".join(base + p + "\n" for p in paths[: options.pages]))
            memory_urls = tmp_path / "memory.txt"
            memory_urls.write_text("".join(base + p + "\n" for p in paths[: options.memory_pages]))
            results = {
                "plain": run(speed_urls, "none", {}),
                "browser c=1": run(speed_urls, "browser", {"NETCRAWL_BROWSER_CONCURRENCY": 1}),
                "browser c=4": run(speed_urls, "browser", {"NETCRAWL_BROWSER_CONCURRENCY": 4}),
            }
            memory_runs = {
                renew: run(memory_urls, "browser", {"NETCRAWL_BROWSER_CONCURRENCY": 4,
                                                    "NETCRAWL_BROWSER_CONTEXT_PAGES": renew})
                for renew in (0, options.context_pages)
            }
        finally:
            server.terminate()
            server.wait()

    plain_rate = pages_per_s(results["plain"])
    print(f"site: {options.pages} script-built store pages (2 inline + 2 fetched stores each),"
          " loopback; places spider, no pipelines")
    print(f"{'run':<13}{'pages':>6}{'places':>7}{'pages/s':>9}{'x plain':>9}{'1st resp s':>11}"
          f"{'browser RSS MiB':>16}{'PSS MiB':>9}{'procs':>6}{'crawler RSS':>12}")
    for name, result in results.items():
        rate = pages_per_s(result)
        procs = max((sample[2] for sample in result["samples"]), default=0)
        print(f"{name:<13}{result['pages']:>6}{result['items']:>7}{rate:>9.1f}"
              f"{rate / plain_rate:>9.3f}{result['first']:>11.2f}"
              f"{peak(result, 3):>16.0f}{peak(result, 4):>9.0f}{procs:>6}"
              f"{result['python_rss_mib']:>12.0f}")
    for renew, memory in memory_runs.items():
        # Peak browser memory over the second tenth of the pages (the browser warmed up)
        # and over the last tenth (before the crawl closes it): equal when bounded.
        total = memory["pages"]
        early = _peak_between(memory["samples"], total // 10, total // 5)
        late = _peak_between(memory["samples"], total * 9 // 10, total - 1)
        label = f"a new context every {renew} pages" if renew else "one context throughout"
        print(
            f"\nmemory run, {label}: {memory['pages']} rendered pages, {memory['items']} "
            f"places, {pages_per_s(memory):.1f} pages/s, contexts opened {memory['contexts']}, "
            f"pages left open {memory['pages_open']}, max pages at once {memory['max_pages']}"
        )
        print(f"  browser peak PSS, pages {total // 10}-{total // 5}: {early[4] / 1024:.0f} MiB "
              f"(RSS {early[3] / 1024:.0f}); pages {total * 9 // 10}-{total}: "
              f"{late[4] / 1024:.0f} MiB (RSS {late[3] / 1024:.0f}); "
              f"crawler peak RSS {memory['python_rss_mib']:.0f} MiB")
        growth = (late[4] - early[4]) / max(1, late[1] - early[1])
        print(f"  growth: {growth:.0f} KiB PSS per page from the second to the last tenth")


if __name__ == "__main__":
    main()
