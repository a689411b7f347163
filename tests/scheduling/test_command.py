"""``scrapy schedule`` end to end: real ``scrapy crawl`` children, loopback sites only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, run_scrapy


class SlowEndlessSite(BaseHTTPRequestHandler):
    """Every page answers after a pause and links to two more: a crawl that never ends."""

    delay = 0.5
    #: Set once a page (not robots.txt) was asked for: the crawl is under way.
    page_requested = threading.Event()

    def do_GET(self) -> None:
        if self.path != "/robots.txt":
            self.page_requested.set()
        if self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
            content_type = "text/plain"
        else:
            time.sleep(self.delay)
            number = abs(hash(self.path)) % 10**9
            body = (f'<html><body><a href="/p/{number}a">a</a> <a href="/p/{number}b">b</a>'
                    f"</body></html>").encode()
            content_type = "text/html"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_site():
    SlowEndlessSite.page_requested = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowEndlessSite)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def write_schedule(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run_scrapy_together(*commands: list[str]) -> list[subprocess.CompletedProcess]:
    """Like ``run_scrapy`` for several commands at once (they must not depend on each other)."""
    processes = [
        subprocess.Popen([sys.executable, "-m", "scrapy", *command], cwd=PROJECT_ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for command in commands
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode,
                                                   stdout, stderr))
    return results


def load_state(state_dir: Path, name: str) -> dict:
    return json.loads((state_dir / "state" / f"{name}.json").read_text(encoding="utf-8"))


def test_once_runs_due_crawls_records_them_and_survives_failures(tmp_path, slow_site):
    runs_dir, state_dir = tmp_path / "runs", tmp_path / "state"
    schedule = write_schedule(tmp_path / "schedule.toml", f"""
        [defaults]
        spider = "places"
        cron = "0 4 * * *"

        [crawls.sample]
        args = {{ start_urls = "data/sample-site" }}

        [crawls.broken]
        args = {{ start_urls = "{tmp_path / 'no-such-folder'}" }}

        [crawls.endless]
        args = {{ start_urls = "{slow_site}" }}
        settings = {{ DEPTH_LIMIT = 0 }}  # no depth limit: the site never ends
        max_runtime = "8s"
        stop_grace = "20s"
    """)
    started = time.monotonic()
    result = run_scrapy("schedule", str(schedule), "--once", "--state-dir", str(state_dir),
                        "-s", f"NETCRAWL_RUNS_DIR={runs_dir}", timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr  # one crawl failed, one timed out
    assert elapsed < 60

    # The due crawl produced a complete run folder with places in the temp run history.
    sample = load_state(state_dir, "sample")["last_run"]
    assert (sample["outcome"], sample["exit_code"]) == ("ok", 0), result.stdout
    run_dir = Path(sample["run_dir"])
    assert run_dir.parent == runs_dir / "places" and not run_dir.name.endswith(".partial")
    assert (runs_dir / "places" / "latest").resolve() == run_dir.resolve()
    stats = json.loads((run_dir / "stats.json").read_text())
    assert stats["finish_reason"] == "finished"
    features = json.loads((run_dir / "places.geojson").read_text())["features"]
    assert len(features) >= 5
    assert {"name"} <= set(features[0]["properties"])
    log = Path(sample["log"]).read_text()
    assert "[scrapy.core.engine] INFO: Spider opened" in log
    assert "exit status 0: outcome ok" in log

    # The crashing crawl is recorded with the reason from its log; the others still ran.
    broken = load_state(state_dir, "broken")["last_run"]
    assert broken["outcome"] == "failed" and broken["exit_code"] not in (0, None)
    assert "no-such-folder" in broken["message"]
    assert "is neither an http(s) URL nor an existing directory" in broken["message"]

    # max_runtime: SIGTERM, Scrapy closes the spider cleanly, the run folder is closed.
    endless = load_state(state_dir, "endless")["last_run"]
    assert endless["outcome"] == "timed_out"
    took = datetime.fromisoformat(endless["ended"]) - datetime.fromisoformat(endless["started"])
    assert 8 <= took.total_seconds() < 8 + 20
    endless_log = Path(endless["log"]).read_text()
    assert "sending SIGTERM (max_runtime reached)" in endless_log
    assert f"-a start_urls={slow_site} -s NETCRAWL_RUNS_ENABLED=True" in endless_log
    assert f"-s NETCRAWL_RUNS_DIR={runs_dir} -s DEPTH_LIMIT=0" in endless_log
    assert "Closing spider (shutdown)" in endless_log
    assert "sending SIGKILL" not in endless_log
    endless_stats = json.loads((Path(endless["run_dir"]) / "stats.json").read_text())
    assert endless_stats["finish_reason"] == "shutdown"

    for name in ("sample", "broken", "endless"):
        assert f"{name}: " in result.stdout

    # Nothing is due any more: a second --once (cron one minute later) runs nothing.
    # (Started together with --list: each scrapy process takes seconds to start.)
    again, listing = run_scrapy_together(
        ["schedule", str(schedule), "--once", "--state-dir", str(state_dir),
         "-s", f"NETCRAWL_RUNS_DIR={runs_dir}"],
        ["schedule", str(schedule), "--list", "--state-dir", str(state_dir)],
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "Nothing due"
    assert listing.returncode == 0, listing.stderr
    assert 'sample (spider places, cron "0 4 * * *", UTC, on_health_failure ignore)' in (
        listing.stdout)
    assert "  last run: ok, exit 0, started " in listing.stdout
    assert "  last run: timed_out, exit " in listing.stdout
    assert listing.stdout.count("  next:     ") == 3
    assert "04:00 UTC" in listing.stdout


def test_the_daemon_stops_its_crawls_on_sigterm(tmp_path, slow_site):
    state_dir = tmp_path / "state"
    schedule = write_schedule(tmp_path / "schedule.toml", f"""
        [crawls.endless]
        spider = "places"
        cron = "*/5 * * * *"
        stop_grace = "20s"
        args = {{ start_urls = "{slow_site}" }}
        settings = {{ NETCRAWL_RUNS_ENABLED = false, DEPTH_LIMIT = 0 }}
    """)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "schedule", str(schedule), "--state-dir",
         str(state_dir)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        deadline = time.monotonic() + 60
        log = None
        while time.monotonic() < deadline:
            current = (load_state(state_dir, "endless").get("current")
                       if (state_dir / "state" / "endless.json").exists() else None)
            if current and SlowEndlessSite.page_requested.is_set():
                log = Path(current["log"])
                break
            assert daemon.poll() is None, daemon.communicate()
            time.sleep(0.2)
        assert log is not None, "the scheduled crawl did not start"
        daemon.send_signal(signal.SIGTERM)
        stdout, stderr = daemon.communicate(timeout=40)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, stderr
    assert "Scheduling 1 crawl(s) from" in stdout
    assert stdout.rstrip().endswith("Scheduler stopped")
    state = load_state(state_dir, "endless")
    assert state["current"] is None
    assert state["last_run"]["outcome"] == "stopped"
    assert state["last_fire"] is None  # a stopped run is caught up after a restart
    assert "sending SIGTERM (the scheduler is stopping)" in log.read_text()
    assert "Closing spider (shutdown)" in log.read_text()


def test_a_bad_schedule_file_is_refused_with_every_problem(tmp_path):
    schedule = write_schedule(tmp_path / "schedule.toml", """
        [crawls.typo]
        spider = "plcaes"
        cron = "0 4 * * *"
        [crawls.fine]
        spider = "places"
        cron = "0 4 * * *"
        [crawls.unknown]
        spider = "nothing-like-it"
        cron = "0 4 * * *"
    """)
    result = run_scrapy("schedule", str(schedule), "--once")
    assert result.returncode == 2
    message = result.stderr[result.stderr.index("invalid schedule file"):].strip()
    first, typo, unknown = message.splitlines()
    assert first == f"invalid schedule file {schedule}:"
    assert typo == '  - [crawls.typo] spider: unknown spider "plcaes" (did you mean "places"?)'
    assert unknown.startswith(
        '  - [crawls.unknown] spider: unknown spider "nothing-like-it" (spiders in this '
        "project: ")
    assert ", places" in unknown
    assert not (tmp_path / "state").exists()
