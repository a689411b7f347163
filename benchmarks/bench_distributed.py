"""Pages/s of a Redis-shared crawl with 1 and 2 workers, against the plain single-process crawl.

Generates the tests' loopback site (``--pages`` branch pages with JSON-LD places plus an
index; tests/distributed/frontier_fixtures.py), serves it with
:class:`netcrawl.serving.StaticFileServer` in this process (its access log times every
GET), starts a throw-away ``redis-server`` on 127.0.0.1 and runs, in child processes:

(a) ``scrapy crawl places -a start_urls=URL`` without ``REDIS_URL`` (Scrapy's own
    scheduler: the baseline of the same run);
(b) one worker with ``REDIS_URL``, seeded with ``scrapy frontier push``-equivalent;
(c) two workers with ``REDIS_URL`` started together, seeded once both have joined.

Speed is pages / (last page GET - first page GET), so process start-up (imports, about
2-4 s) is left out and the figures compare crawling only. It also prints each worker's
share of the pages and checks that no page was fetched twice.

Usage: ``python benchmarks/bench_distributed.py [--pages 400] [--repeat 1]``
Needs ``redis-server`` (Debian package ``redis-server``).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "distributed"))

from frontier_fixtures import (  # noqa: E402
    REDIS_SERVER,
    AccessLog,
    RedisServer,
    build_site,
    start_worker,
    worker_command,
)

from netcrawl.distributed.frontier import Frontier  # noqa: E402
from netcrawl.distributed.keys import FrontierKeys  # noqa: E402
from netcrawl.distributed.seeds import encode_seed  # noqa: E402
from netcrawl.serving import StaticFileServer  # noqa: E402

KEYS = FrontierKeys("places")


class TimedAccessLog(AccessLog):
    """AccessLog that also notes when the first and last page GETs were answered."""

    def __init__(self) -> None:
        super().__init__()
        self.first = self.last = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        # logging.Handler.handle() already holds the handler's lock around emit().
        before = sum(self.pages().values())
        super().emit(record)
        if sum(self.pages().values()) > before:
            self.first = self.first or record.created
            self.last = record.created


def run(mode: str, workers: int, site: Path, redis: RedisServer, work: Path) -> dict:
    redis.client.flushall()
    access = TimedAccessLog()
    serving = logging.getLogger("netcrawl.serving")
    serving.addHandler(access)
    serving.setLevel(logging.DEBUG)
    server = StaticFileServer(site).start()
    try:
        logs = [work / f"{mode}-{i}.log" for i in range(workers)]
        if mode == "plain":
            command = worker_command(server.url, work / "plain.jsonl")
            processes = [start_worker(command, "", "", logs[0])]
        else:
            processes = [
                start_worker(worker_command(None, work / f"{mode}-{i}.jsonl"), redis.url,
                             f"bench-{i}", logs[i])
                for i in range(workers)
            ]
            deadline = time.monotonic() + 120
            while redis.client.scard(KEYS.workers) < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError("workers did not join the frontier")
                time.sleep(0.05)
            Frontier(redis.client, KEYS).add_seeds([encode_seed(server.url)])
        for process in processes:
            process.wait(timeout=600)
    finally:
        server.stop()
        serving.removeHandler(access)
    pages = access.pages()
    parsed = []
    for log in logs:
        match = re.search(r"'netcrawl/pages/parsed': (\d+)", log.read_text(encoding="utf-8"))
        parsed.append(int(match.group(1)) if match else 0)
    window = max(access.last - access.first, 1e-6)
    return {
        "pages": sum(pages.values()),
        "twice": sum(1 for n in pages.values() if n > 1),
        "seconds": window,
        "rate": sum(pages.values()) / window,
        "shares": [n / max(sum(parsed), 1) for n in parsed],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if REDIS_SERVER is None:
        sys.exit("redis-server not found (Debian/Ubuntu: apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as temp:
        work = Path(temp)
        site = work / "site"
        build_site(site, args.pages)
        (work / "redis").mkdir()
        redis = RedisServer(work / "redis")
        try:
            rows = []
            for label, mode, workers in (("scrapy crawl, no Redis", "plain", 1),
                                         ("Redis frontier, 1 worker", "one", 1),
                                         ("Redis frontier, 2 workers", "two", 2)):
                best = max((run(mode, workers, site, redis, work) for _ in range(args.repeat)),
                           key=lambda result: result["rate"])
                rows.append((label, best))
        finally:
            redis.stop()
    baseline = rows[0][1]["rate"]
    print(f"{'run':<28}{'pages':>7}{'twice':>7}{'crawl s':>9}{'pages/s':>9}{'ratio':>7}  share")
    for label, result in rows:
        shares = " / ".join(f"{share:.0%}" for share in result["shares"])
        print(f"{label:<28}{result['pages']:>7}{result['twice']:>7}{result['seconds']:>9.2f}"
              f"{result['rate']:>9.1f}{result['rate'] / baseline:>7.2f}  {shares}")


if __name__ == "__main__":
    main()
