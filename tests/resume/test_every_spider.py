"""Every spider of the project (``scrapy list``) runs with ``-s JOBDIR=...``: all its
requests and items are journaled (picklable) and read back.

Replaying itself is covered by test_kill_and_resume.py; here the journal is read in
the test process, which saves a second crawl per spider.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT, SAMPLE_SITE, crawl_stats
from resume_site import read_places
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from netcrawl.items import Place
from netcrawl.resume.journal import JOURNAL_NAME, load_journal

QUIET = ("-s", "NETCRAWL_RUNS_ENABLED=False", "-s", "LOG_LEVEL=INFO")


def _spider_loader() -> SpiderLoader:
    previous = os.getcwd()
    os.chdir(PROJECT_ROOT)  # the project settings are found from the working directory
    try:
        return SpiderLoader.from_settings(get_project_settings())
    finally:
        os.chdir(previous)


def _arguments(loader: SpiderLoader, name: str) -> tuple[str, ...]:
    """Spiders without their own start URLs crawl the sample site."""
    spider_class = loader.load(name)
    return () if getattr(spider_class, "start_urls", None) else ("-a", f"start_urls={SAMPLE_SITE}")


def _crawl_all(names: list[str], tmp_path, run: str) -> dict[str, subprocess.CompletedProcess]:
    """Crawl every spider at once (separate processes), each with its own JOBDIR."""
    loader = _spider_loader()
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", name, *_arguments(loader, name),
             "-s", f"JOBDIR={tmp_path / name / 'job'}",
             "-O", str(tmp_path / name / f"{run}.jsonl"), *QUIET],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        for name in names
    }
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=180)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode,
                                                    stdout, stderr)
    return results


@pytest.fixture(scope="module")
def first_crawls(tmp_path_factory) -> tuple[dict[str, subprocess.CompletedProcess], object]:
    names = _spider_loader().list()  # what `scrapy list` prints
    assert "places" in names
    tmp_path = tmp_path_factory.mktemp("spiders")
    return _crawl_all(names, tmp_path, "first"), tmp_path


def test_every_spider_journals_all_its_requests_and_items(first_crawls):
    results, tmp_path = first_crawls
    for name, result in results.items():
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
        stats = crawl_stats(result.stderr)
        assert stats["finish_reason"] == "finished", name
        assert stats["netcrawl/resume/journaled_requests"] > 0, name
        assert "netcrawl/resume/unserializable_requests" not in stats, name
        assert "netcrawl/resume/unpicklable_items" not in stats, name
        exported = read_places(tmp_path / name / "first.jsonl")
        assert stats.get("netcrawl/resume/journaled_items", 0) == len(exported), name

        state = load_journal(tmp_path / name / "job" / JOURNAL_NAME)
        assert state.spider == name and not state.pending and state.bad_lines == 0, name
        assert state.requests == stats["scheduler/enqueued"], name
        # What a resumed crawl would replay: every item, readable again.
        items = [pickle.loads(payload) for payload in state.committed_payloads()]
        assert len(items) == len(exported), name
        assert all(isinstance(item, Place) and item.get("spider") == name for item in items)
