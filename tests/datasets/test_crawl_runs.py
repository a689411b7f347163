"""Real ``scrapy crawl places`` child processes writing run folders, then the commands.

A loopback store-locator site is crawled, changed (a store added, one removed, one
moved 1.1 km, one renamed, one nudged 11 m, which is below the 50 m threshold) and
crawled again; the diff must list exactly those changes. A third crawl is killed with
SIGKILL and must not move ``latest``; a fourth yields far fewer places and must fail
the health checks with ``--fail-on-health``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import time
from pathlib import Path

import lxml.html
import pytest
from conftest import run_scrapy
from datasets_site import build_site, render, scrapy_popen, screenshot

V1 = {
    "alpha": ("Alpha Books", "1 Rue Mercière", "Lyon", "69002", "FR", 45.7620, 4.8320),
    "beta": ("Beta Bakery", "2 Rue Mercière", "Lyon", "69002", "FR", 45.7630, 4.8330),
    "gamma": ("Gamma Games", "3 Rue Mercière", "Lyon", "69002", "FR", 45.7640, 4.8340),
    "delta": ("Delta Deli", "4 Rue Mercière", "Lyon", "69002", "FR", 45.7650, 4.8350),
    "epsilon": ("Epsilon Eyewear", "5 Rue Mercière", "Lyon", "69002", "FR", 45.7660, 4.8360),
}
V2 = {
    "alpha": V1["alpha"],
    "beta": ("Beta Bakery", "2 Rue Mercière", "Lyon", "69002", "FR", 45.7730, 4.8330),  # moved
    "gamma": ("Gamma Game Store", *V1["gamma"][1:]),  # renamed
    "delta": ("Delta Deli", "4 Rue Mercière", "Lyon", "69002", "FR", 45.7651, 4.8350),  # 11 m
    "zeta": ("Zeta Zoo Shop", "6 Rue Mercière", "Lyon", "69002", "FR", 45.7670, 4.8370),  # new
}  # epsilon removed


def crawl(site: Path, runs: Path, *extra: str):
    result = run_scrapy("crawl", "places", "-a", f"start_urls={site}",
                        "-s", f"NETCRAWL_RUNS_DIR={runs}", *extra)
    return result


def dataset(runs: Path, *args: str):
    return run_scrapy("dataset", *args, "--runs-dir", str(runs))


def complete_runs(runs: Path) -> list[Path]:
    return sorted(p for p in (runs / "places").iterdir()
                  if p.is_dir() and not p.is_symlink() and not p.name.endswith(".partial"))


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    base = tmp_path_factory.mktemp("datasets-crawl")
    site, runs = base / "site", base / "runs"
    build_site(site, V1)
    first = crawl(site, runs)
    assert first.returncode == 0, first.stderr[-3000:]
    build_site(site, V2)
    second = crawl(site, runs, "--fail-on-health")  # healthy: must still exit 0
    assert second.returncode == 0, second.stderr[-3000:]
    old, new = complete_runs(runs)
    return runs, old, new


def test_run_folders_and_latest(two_crawls):
    runs, old, new = two_crawls
    assert os.readlink(runs / "places" / "latest") == new.name
    for run in (old, new):
        names = {p.name for p in run.iterdir()}
        assert {"places.parquet", "places.geojson", "stats.json", "crawl.log",
                "report.html"} <= names
        assert not [n for n in names if n.startswith(".")]  # no temporary files left
    stats = json.loads((new / "stats.json").read_text())
    assert stats["finish_reason"] == "finished"
    assert stats["item_scraped_count"] == 5
    assert stats["start_time"].endswith("+00:00")  # datetimes as ISO strings
    assert stats["netcrawl/health/status"] == "passed"
    assert stats["netcrawl/health/check/item_count"] == "passed"
    features = json.loads((new / "places.geojson").read_text())["features"]
    assert sorted(f["properties"]["ref"] for f in features) == sorted(V2)
    log = (new / "crawl.log").read_text()
    assert "Spider closed (finished)" in log and "Health checks passed" in log


def test_diff_lists_exactly_the_changes(two_crawls):
    runs, old, new = two_crawls
    result = dataset(runs, "diff", "--spider", "places")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "added: 1, removed: 1, moved: 1, changed: 1" in result.stdout
    with (new / "diff.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["change"], r["ref"], r["field"], r["old"], r["new"]) for r in rows) == [
        ("added", "zeta", "", "", ""),
        ("changed", "gamma", "name", "Gamma Games", "Gamma Game Store"),
        ("moved", "beta", "coordinates", "45.763000,4.833000", "45.773000,4.833000"),
        ("removed", "epsilon", "", "", ""),
    ]
    moved = next(r for r in rows if r["change"] == "moved")
    assert 1100 < float(moved["distance_m"]) < 1125
    features = json.loads((new / "diff.geojson").read_text())["features"]
    assert {f["properties"]["ref"]: f["geometry"]["coordinates"] for f in features}["beta"] == [
        4.833, 45.773]

    out = two_crawls[0].parent / "diff-out"
    explicit = dataset(runs, "diff", f"places/{old.name}", f"places/{new.name}", "-o", str(out))
    assert explicit.returncode == 0, explicit.stderr[-3000:]
    assert (out / "diff.csv").read_text() == (new / "diff.csv").read_text()


def test_report_in_chromium_shows_one_marker_per_place(two_crawls, tmp_path):
    _, _, new = two_crawls
    report = new / "report.html"
    dom = render(report.as_uri(), "--dump-dom", profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    document = lxml.html.fromstring(dom.stdout)
    markers = document.xpath("//*[contains(concat(' ', @class, ' '), ' place-marker ')]")
    assert len(markers) == len(V2)
    assert sorted(m.findtext("title").split(" · ")[0] for m in markers) == sorted(
        store[0] for store in V2.values())
    result, shot = screenshot(report.as_uri(), "datasets-report-crawl.png", height=1800,
                              profile=tmp_path / "profile")
    assert result.returncode == 0 and shot.stat().st_size > 10_000


def test_list_show_export_report_commands(two_crawls, tmp_path):
    runs, old, new = two_crawls
    listing = dataset(runs, "list", "--json")
    assert listing.returncode == 0, listing.stderr[-3000:]
    rows = json.loads(listing.stdout)
    assert [(r["run"], r["places"], r["finish_reason"], r["latest"]) for r in rows] == [
        (old.name, 5, "finished", ""), (new.name, 5, "finished", "*")]
    shown = dataset(runs, "show", "places")
    assert shown.returncode == 0 and new.name in shown.stdout and "health" in shown.stdout

    out = tmp_path / "moved-north.csv"
    export = dataset(runs, "export", "--format", "csv", "--where", "lat > 45.766", "-o", str(out))
    assert export.returncode == 0, export.stderr[-3000:]
    with out.open(newline="", encoding="utf-8") as handle:
        assert sorted(r["ref"] for r in csv.DictReader(handle)) == ["beta", "zeta"]

    bad = dataset(runs, "export", "--where", "lat >", "-o", str(tmp_path / "x.jsonl"))
    assert bad.returncode == 1 and "cannot apply --where 'lat >'" in bad.stderr

    report = dataset(runs, "report", f"places/{old.name}", "-o", str(tmp_path / "old.html"))
    assert report.returncode == 0, report.stderr[-3000:]
    assert (tmp_path / "old.html").read_text().count('class="place-marker"') == len(V1)


def test_sigkill_leaves_latest_on_previous_complete_run(two_crawls, tmp_path):
    source_runs, _, new = two_crawls
    runs = tmp_path / "runs"
    shutil.copytree(source_runs, runs, symlinks=True)
    site = build_site(tmp_path / "site", {
        f"s{i:03d}": (f"Slow Shop {i}", f"{i} Quai", "Lyon", "69001", "FR", 45.7 + i / 1000, 4.8)
        for i in range(60)
    })
    process = scrapy_popen("crawl", "places", "-a", f"start_urls={site}",
                           "-s", f"NETCRAWL_RUNS_DIR={runs}", "-s", "DOWNLOAD_DELAY=0.3",
                           "-s", "CONCURRENT_REQUESTS=1", "-s", "LOG_LEVEL=DEBUG")
    try:
        deadline = time.monotonic() + 120
        log = None
        while time.monotonic() < deadline:
            partial = [p for p in (runs / "places").iterdir() if p.name.endswith(".partial")]
            if partial and (partial[0] / "crawl.log").exists():
                log = partial[0] / "crawl.log"
                if log.read_text(errors="replace").count("Scraped from") >= 3:
                    break
            assert process.poll() is None, process.stdout.read()[-3000:]
            time.sleep(0.2)
        else:
            pytest.fail("the crawl never scraped places")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert os.readlink(runs / "places" / "latest") == new.name
    killed = log.parent
    assert killed.is_dir() and not (killed / "stats.json").exists()
    assert not (killed / "places.parquet").exists()  # feeds are atomic: no half file
    listing = dataset(runs, "list", "--json")
    assert killed.name.removesuffix(".partial") not in listing.stdout
    with_partial = dataset(runs, "list", "--all", "--json")
    assert killed.name in with_partial.stdout
    diff = dataset(runs, "diff", "--spider", "places", "-o", str(tmp_path / "diff"))
    assert diff.returncode == 0 and "added: 1, removed: 1, moved: 1, changed: 1" in diff.stdout


def test_fail_on_health_exits_non_zero(two_crawls, tmp_path):
    source_runs, _, _new = two_crawls
    runs = tmp_path / "runs"
    shutil.copytree(source_runs, runs, symlinks=True)
    site = build_site(tmp_path / "site", {"alpha": V1["alpha"]})  # 1 place instead of 5
    own_feed = tmp_path / "mine.jsonl"
    result = crawl(site, runs, "--fail-on-health", "-O", str(own_feed))
    assert result.returncode == 3, result.stderr[-3000:]
    assert len(own_feed.read_text().splitlines()) == 1  # the user's feeds are kept
    assert "Health checks FAILED: item_count: 1 places, 20% of the previous run's 5" in (
        result.stderr)
    latest_run = runs / "places" / os.readlink(runs / "places" / "latest")
    stats = json.loads((latest_run / "stats.json").read_text())
    assert stats["netcrawl/health/status"] == "failed"
    assert stats["netcrawl/health/check/item_count"] == "failed"
