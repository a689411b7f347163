"""Two real `scrapy crawl places` workers sharing a real Redis frontier over a 400-page site."""

from __future__ import annotations

import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from frontier_fixtures import (
    PROJECT_ROOT,
    AccessLog,
    RedisServer,
    build_site,
    read_jsonl,
    start_worker,
    worker_command,
)

from netcrawl.distributed.keys import FrontierKeys
from netcrawl.serving import StaticFileServer

PAGES = 400
KEYS = FrontierKeys("places")


@pytest.fixture
def redis_server(tmp_path):
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def site(tmp_path):
    """The generated site, served on loopback, with its access log; yields (url, log, paths)."""
    paths = build_site(tmp_path / "site", PAGES)
    access = AccessLog()
    serving = logging.getLogger("netcrawl.serving")
    previous_level = serving.level
    serving.addHandler(access)
    serving.setLevel(logging.DEBUG)
    server = StaticFileServer(tmp_path / "site").start()
    try:
        yield server.url, access, paths
    finally:
        server.stop()
        serving.removeHandler(access)
        serving.setLevel(previous_level)


def _wait(processes: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    try:
        for process in processes:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _stat(log_text: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", log_text)
    return int(match.group(1)) if match else 0


def _push(redis_url: str, url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, REDIS_URL=redis_url)
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "frontier", "push", "places", url],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_two_workers_share_the_frontier(tmp_path, redis_server, site):
    url, access, paths = site
    outputs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    # Workers first, then the seed (the several-machines recipe): both start on an empty
    # frontier and wait for it, so the test does not depend on which one starts faster.
    workers = [
        start_worker(worker_command(None, output), redis_server.url, name, log)
        for name, output, log in zip(("worker-a", "worker-b"), outputs, logs, strict=True)
    ]
    try:
        _wait_for(lambda: redis_server.client.scard(KEYS.workers) == 2, 60, "two workers")
        pushed = _push(redis_server.url, url)
        assert pushed.returncode == 0, pushed.stderr
        assert "1 new start URL" in pushed.stdout
    finally:
        _wait(workers, 75)
    texts = [log.read_text(encoding="utf-8") for log in logs]
    for worker, text in zip(workers, texts, strict=True):
        assert worker.returncode == 0, text[-3000:]
        assert "Spider closed (finished)" in text

    # Every page fetched exactly once, across both workers (the seed page included:
    # every branch page links back to it).
    pages = access.pages()
    assert set(pages) == set(paths)
    assert {path: n for path, n in pages.items() if n != 1} == {}

    # Each worker did a fair share.
    parsed = [_stat(text, "netcrawl/pages/parsed") for text in texts]
    assert sum(parsed) == len(paths)
    assert min(parsed) >= 0.25 * len(paths), parsed

    # Every place exported exactly once across the two outputs (the head office is on
    # every page: each worker's local pipeline sees it, only one exports it).
    items = read_jsonl(outputs[0]) + read_jsonl(outputs[1])
    names = Counter(item["name"] for item in items)
    assert {name: n for name, n in names.items() if n > 1} == {}
    assert len(names) == PAGES + 1
    assert sum(_stat(text, "netcrawl/distributed/duplicates/by_ref")
               + _stat(text, "netcrawl/distributed/duplicates/by_name_address")
               + _stat(text, "netcrawl/distributed/duplicates/by_name_distance")
               for text in texts) >= 1

    # Only the last worker to leave cleared the shared keys; none warned about
    # deprecated APIs (scrapy-redis's Spider.log, stats spider argument, string seeds).
    assert sum("Last worker of the finished crawl: cleared" in text for text in texts) == 1
    assert redis_server.client.keys(f"{KEYS.base}:*") == []
    for text in texts:
        assert "DeprecationWarning" not in text
        assert "deprecated" not in text.lower()
        assert "Traceback" not in text


def test_killed_worker_loses_no_page(tmp_path, redis_server, site):
    url, access, paths = site
    settings = ("NETCRAWL_FRONTIER_HEARTBEAT_TTL=2", "CONCURRENT_REQUESTS=4")
    killed = start_worker(
        worker_command(url, tmp_path / "killed.jsonl", *settings),
        redis_server.url, "worker-killed", tmp_path / "killed.log",
    )
    survivor = start_worker(
        worker_command(None, tmp_path / "survivor.jsonl", *settings),
        redis_server.url, "worker-survivor", tmp_path / "survivor.log",
    )
    client = redis_server.client
    try:
        _wait_for(lambda: int(client.hget(KEYS.done, "worker-killed") or 0) >= 30
                  and client.zcard(KEYS.inflight("worker-killed")) > 0,
                  60, "the first worker to be mid-crawl")
        # Freeze it, note exactly what it holds, then kill it: only these may be fetched twice.
        killed.send_signal(signal.SIGSTOP)
        held = {
            pickle.loads(raw)["url"]
            for raw in client.zrange(KEYS.inflight("worker-killed"), 0, -1)
        }
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        done_before_kill = int(client.hget(KEYS.done, "worker-killed") or 0)
    finally:
        _wait([killed, survivor], 75)
    survivor_log = (tmp_path / "survivor.log").read_text(encoding="utf-8")
    assert survivor.returncode == 0, survivor_log[-3000:]
    assert killed.returncode == -signal.SIGKILL
    assert done_before_kill < len(paths)  # it really was killed mid-crawl
    assert held, "the killed worker had nothing in flight"
    assert "stopped renewing its heartbeat" in survivor_log

    pages = access.pages()
    assert set(pages) == set(paths), "pages lost with the killed worker"
    fetched_twice = {path for path, n in pages.items() if n > 1}
    assert fetched_twice <= {urlsplit(url).path for url in held}
    assert max(pages.values()) <= 2


def test_worker_without_work_waits_then_gives_up_after_the_idle_timeout(tmp_path, redis_server):
    log = tmp_path / "idle.log"
    started = time.monotonic()
    worker = start_worker(
        worker_command(None, tmp_path / "idle.jsonl", "NETCRAWL_FRONTIER_IDLE_TIMEOUT=1.5"),
        redis_server.url, "worker-idle", log,
    )
    _wait([worker], 60)
    text = log.read_text(encoding="utf-8")
    assert worker.returncode == 0, text[-3000:]
    assert "No start URLs in the shared frontier yet" in text
    assert "Waiting for work from the shared frontier" in text
    assert "Spider closed (frontier_idle_timeout)" in text
    assert time.monotonic() - started < 45
    # It left the frontier (deregistered) without deleting anything of the crawl.
    assert redis_server.client.smembers(KEYS.workers) == set()
    assert redis_server.client.exists(KEYS.heartbeat("worker-idle")) == 0


@pytest.mark.parametrize("restart", ["before_its_heartbeat_expires", "after_it_was_reaped"])
def test_killed_worker_restarted_with_its_jobdir_loses_no_place(tmp_path, redis_server, site,
                                                               restart):
    """Worker A is SIGKILLed mid-crawl (its -O file dies with it), B carries on, A is
    started again with the same NETCRAWL_WORKER_ID, JOBDIR and -O file: every page is
    fetched (twice at most for what A held in flight) and A's final file plus B's hold
    every place exactly once.

    ``before_its_heartbeat_expires``: A's restart itself takes its in-flight requests back
    and releases the places its dead run claimed. ``after_it_was_reaped``: B does both
    first; the frontier is kept when B finishes (NETCRAWL_FRONTIER_CLEAR_ON_FINISH=False)
    so that A may come back after the end of the crawl.
    """
    url, access, paths = site
    settings = ["CONCURRENT_REQUESTS=4"]
    if restart == "after_it_was_reaped":
        settings += ["NETCRAWL_FRONTIER_HEARTBEAT_TTL=1", "NETCRAWL_FRONTIER_CLEAR_ON_FINISH=False"]
    outputs = {name: tmp_path / f"{name}.jsonl" for name in ("a", "b")}

    def command(name: str) -> list[str]:
        return worker_command(url if name == "a" else None, outputs[name], *settings,
                              f"JOBDIR={tmp_path / f'job-{name}'}")

    client = redis_server.client
    first_a = start_worker(command("a"), redis_server.url, "worker-a", tmp_path / "a1.log")
    b = start_worker(command("b"), redis_server.url, "worker-b", tmp_path / "b.log")
    processes = [first_a, b]
    try:
        _wait_for(lambda: int(client.hget(KEYS.done, "worker-a") or 0) >= 30
                  and client.zcard(KEYS.inflight("worker-a")) > 0
                  and client.llen(KEYS.place_claims("worker-a")) > 0,
                  60, "worker A to be mid-crawl with places exported")
        first_a.send_signal(signal.SIGSTOP)
        held = {
            urlsplit(pickle.loads(raw)["url"]).path
            for raw in client.zrange(KEYS.inflight("worker-a"), 0, -1)
        }
        claimed_by_dead_run = client.llen(KEYS.place_claims("worker-a"))
        first_a.send_signal(signal.SIGKILL)
        first_a.wait(timeout=10)
        if restart == "after_it_was_reaped":
            _wait_for(lambda: not client.sismember(KEYS.workers, "worker-a"), 30,
                      "worker B to reap worker A")
            assert not client.exists(KEYS.place_claims("worker-a"))
        second_a = start_worker(command("a"), redis_server.url, "worker-a", tmp_path / "a2.log")
        processes.append(second_a)
    finally:
        _wait(processes, 90)
    logs = {name: (tmp_path / f"{name}.log").read_text(encoding="utf-8")
            for name in ("a1", "a2", "b")}
    assert first_a.returncode == -signal.SIGKILL
    assert held, "worker A had nothing in flight when it was killed"
    for name, process in (("a2", second_a), ("b", b)):
        assert process.returncode == 0, logs[name][-3000:]
        assert "Spider closed (finished)" in logs[name], logs[name][-3000:]
        assert "Traceback" not in logs[name]

    # No page lost; only what A held in flight may have been fetched a second time. That
    # is its downloads (<= CONCURRENT_REQUESTS) plus responses being parsed or finished but
    # not yet acknowledged (acknowledgements wait for the engine's next request): 5-6 here.
    pages = access.pages()
    assert set(pages) == set(paths), "pages lost with the killed worker"
    fetched_twice = {path for path, n in pages.items() if n > 1}
    assert fetched_twice <= held
    assert max(pages.values()) <= 2

    # A's restart rebuilt its -O file from its journal ...
    assert "Resuming the crawl journaled in" in logs["a2"]
    assert _stat(logs["a2"], "netcrawl/resume/replayed_items") >= 30
    # ... after the places its dead run claimed were released, by itself or by B.
    released = (_stat(logs["a2"], "netcrawl/distributed/places_released/own")
                if restart == "before_its_heartbeat_expires"
                else _stat(logs["b"], "netcrawl/distributed/places_released/dead_worker"))
    assert released == claimed_by_dead_run

    # Every place exactly once across A's final file and B's file.
    items = read_jsonl(outputs["a"]) + read_jsonl(outputs["b"])
    names = Counter(item["name"] for item in items)
    assert {name: n for name, n in names.items() if n > 1} == {}
    assert len(names) == PAGES + 1
    assert read_jsonl(outputs["a"]) and read_jsonl(outputs["b"])
