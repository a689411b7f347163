"""Helpers of the distributed-crawl tests: a real redis-server, a generated site, workers.

``redis-server`` (Debian package ``redis-server``) is started on 127.0.0.1 with a free
port, in a temporary directory, without persistence, and killed in teardown. The site
is a static directory served by :class:`netcrawl.serving.StaticFileServer` whose access
log (logger ``netcrawl.serving``) records every GET it answers.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from conftest import free_loopback_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
SKIP_REASON = "redis-server not installed (Debian/Ubuntu: apt-get install redis-server)"

#: Pages under the index: the index links the first FAN_OUT, page i links pages
#: FAN_OUT*(i+1) .. FAN_OUT*(i+1)+FAN_OUT-1, so every page is within depth 2.
FAN_OUT = 20
HEAD_OFFICE = {"name": "Loopback Bakeries Head Office", "street": "1 Crawl Street"}


class RedisServer:
    """A throw-away redis-server process on loopback."""

    def __init__(self, directory: Path) -> None:
        if REDIS_SERVER is None:
            pytest.skip(SKIP_REASON)
        self.port = free_loopback_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(directory), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def page_name(index: int) -> str:
    return f"branch-{index:04d}.html"


def place_jsonld(name: str, street: str, index: int) -> str:
    return json.dumps({
        "@context": "https://schema.org", "@type": "Bakery", "name": name,
        "address": {"@type": "PostalAddress", "streetAddress": street,
                    "postalCode": f"{10000 + index}", "addressLocality": "Loopton",
                    "addressCountry": "NL"},
        "geo": {"@type": "GeoCoordinates", "latitude": 52.0 + index / 1000,
                "longitude": 4.0 + index / 1000},
    })


def build_site(root: Path, pages: int) -> list[str]:
    """Write ``pages`` branch pages plus an index; returns every HTML path ("/..." form)."""
    root.mkdir(parents=True, exist_ok=True)
    head_office = place_jsonld(HEAD_OFFICE["name"], HEAD_OFFICE["street"], 0)

    def links(targets: list[int]) -> str:
        return "".join(f'<a href="/{page_name(t)}">Branch {t}</a> ' for t in targets)

    def write(path: str, title: str, own: str | None, targets: list[int]) -> None:
        scripts = [head_office] + ([own] if own else [])
        blocks = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
        (root / path).write_text(
            f"<!doctype html><html><head><title>{title}</title>{blocks}</head><body>"
            f'<h1>{title}</h1><nav><a href="/">Home</a> {links(targets)}</nav></body></html>',
            encoding="utf-8",
        )

    write("index.html", "Loopback Bakeries", None, list(range(min(FAN_OUT, pages))))
    for i in range(pages):
        children = range(FAN_OUT * (i + 1), FAN_OUT * (i + 1) + FAN_OUT)
        targets = [c for c in children if c < pages] + [t for t in (i - 1, i + 1)
                                                        if 0 <= t < pages]
        own = place_jsonld(f"Loopback Bakery {i}", f"{i + 2} Crawl Street", i + 1)
        write(page_name(i), f"Branch {i}", own, targets)
    return ["/"] + [f"/{page_name(i)}" for i in range(pages)]


class AccessLog(logging.Handler):
    """Counts the GETs a StaticFileServer answers (its access log lines)."""

    LINE = re.compile(r"\"GET (\S+)\"")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.gets: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        match = self.LINE.search(record.getMessage())
        if match:
            path = match.group(1)
            self.gets["/" if path in ("/", "/index.html") else path] += 1

    def pages(self) -> Counter[str]:
        return Counter({p: n for p, n in self.gets.items() if p == "/" or p.endswith(".html")})


def worker_command(site_url: str | None, output: Path, *settings: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "places", "-O", str(output),
               "-s", "NETCRAWL_RUNS_ENABLED=False", "-s", "LOG_LEVEL=INFO",
               "-s", "NETCRAWL_FRONTIER_POLL_INTERVAL=0.1"]
    if site_url:
        command += ["-a", f"start_urls={site_url}"]
    for setting in settings:
        command += ["-s", setting]
    return command


def start_worker(command: list[str], redis_url: str, worker: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, REDIS_URL=redis_url, NETCRAWL_WORKER_ID=worker, PYTHONUNBUFFERED="1",
               PYTHONWARNINGS="default")
    handle = log.open("w", encoding="utf-8")
    try:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        handle.close()


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
