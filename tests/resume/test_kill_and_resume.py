"""A crawl killed with SIGKILL (twice) and resumed with its JOBDIR exports exactly
the places of an uninterrupted crawl: none lost, none twice, the file whole.

The site is a local directory given as the start URL, so the spider serves it
itself: the resumed runs must serve it on the same port (netcrawl.resume.ports)
for the journaled URLs to stay valid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, crawl_stats, run_scrapy
from resume_site import PLACES, build_site, read_places

from netcrawl.resume.journal import JOURNAL_NAME, load_journal
from netcrawl.resume.ports import PORTS_FILE, read_ports

# Slow enough to be killed mid-crawl, fast enough for the test budget.
SLOW = ("-s", "CONCURRENT_REQUESTS=2", "-s", "DOWNLOAD_DELAY=0.03")
QUIET = ("-s", "NETCRAWL_RUNS_ENABLED=False", "-s", "LOG_LEVEL=INFO")


def _count_records(journal: Path, kind: bytes) -> int:
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        return 0
    return sum(1 for line in data.split(b"\n") if line.startswith(kind + b" "))


def _crawl_and_kill(site: Path, jobdir: Path, output: Path, log: Path, done_at_least: int) -> None:
    """Start a crawl, SIGKILL it once the journal holds ``done_at_least`` finished pages."""
    journal = jobdir / JOURNAL_NAME
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "places", "-a", f"start_urls={site}",
             "-s", f"JOBDIR={jobdir}", "-O", str(output), *SLOW, *QUIET],
            cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONUNBUFFERED="1"), start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while _count_records(journal, b"D") < done_at_least:
                assert process.poll() is None, (
                    f"the crawl ended before it could be killed:\n{log.read_text()[-3000:]}"
                )
                assert time.monotonic() < deadline, "the crawl made no progress"
                time.sleep(0.02)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("resume-site"))


def _start_uninterrupted(site: Path, output: Path) -> subprocess.Popen:
    """The reference: the same site crawled without JOBDIR and without a kill.

    It runs while the first crawl to be killed runs, which saves a crawl's time.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "places", "-a", f"start_urls={site}",
         "-O", str(output), *QUIET],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def _finish_uninterrupted(process: subprocess.Popen, output: Path) -> tuple[list[str], dict]:
    _, log = process.communicate(timeout=180)
    assert process.returncode == 0, log[-3000:]
    places = read_places(output)
    assert len(places) == PLACES
    return places, crawl_stats(log)


def test_killed_twice_then_resumed_gives_the_uninterrupted_places(site, tmp_path):
    jobdir, output = tmp_path / "job", tmp_path / "out" / "places.jsonl"
    journal = jobdir / JOURNAL_NAME
    reference = _start_uninterrupted(site, tmp_path / "uninterrupted.jsonl")

    _crawl_and_kill(site, jobdir, output, tmp_path / "run1.log", done_at_least=40)
    uninterrupted, uninterrupted_stats = _finish_uninterrupted(
        reference, tmp_path / "uninterrupted.jsonl")
    first = load_journal(journal)
    assert not output.exists(), "a killed crawl must not leave a final export"
    port = read_ports(jobdir)[str(site.resolve())]
    assert first.pending and first.committed_items > 0

    _crawl_and_kill(site, jobdir, output, tmp_path / "run2.log",
                    done_at_least=len(first.done) + 40)
    second_log = (tmp_path / "run2.log").read_text()
    assert "Resuming the crawl journaled in" in second_log
    assert f"127.0.0.1:{port}/" in second_log, "the directory must be served on the same port"
    second = load_journal(journal)
    assert second.committed_items > first.committed_items

    result = run_scrapy("crawl", "places", "-a", f"start_urls={site}", "-s", f"JOBDIR={jobdir}",
                        "-O", str(output), *QUIET, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = crawl_stats(result.stderr)
    assert stats["finish_reason"] == "finished"
    assert stats["netcrawl/resume/resumed"] == 1
    assert stats["netcrawl/resume/replayed_items"] == second.committed_items
    assert stats["netcrawl/resume/replayed_requests"] == len(second.pending)
    assert stats["netcrawl/resume/skipped_start_requests"] >= 1
    assert stats["item_scraped_count"] == PLACES

    places = read_places(output)
    assert len(places) == len(set(places)) == PLACES, "a place exported twice or lost"
    assert places == uninterrupted
    assert not list(output.parent.glob(".*.part")), "the killed runs' temporary exports remain"

    final = load_journal(journal)
    assert not final.pending, "every journaled request is finished"
    assert final.committed_items == PLACES
    assert PORTS_FILE in os.listdir(jobdir)
    # The same requests as the uninterrupted crawl, none journaled twice across the runs.
    assert final.requests == uninterrupted_stats["scheduler/enqueued"]
    assert not (jobdir / "requests.queue").exists(), "Scrapy's disk queues are not used"
    assert not (jobdir / "requests.seen").exists()

    # Crawling a finished job again fetches nothing and exports the same places.
    again = tmp_path / "again.jsonl"
    result = run_scrapy("crawl", "places", "-a", f"start_urls={site}", "-s", f"JOBDIR={jobdir}",
                        "-O", str(again), *QUIET, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = crawl_stats(result.stderr)
    assert stats["netcrawl/resume/replayed_items"] == PLACES
    assert "downloader/request_count" not in stats, "nothing is fetched again"
    assert read_places(again) == uninterrupted
