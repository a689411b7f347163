"""Crawls of real-world pages and unreachable hosts must stay free of ERROR lines.

- Every HTML page of the shared fixtures (extruct's samples and the
  microformats test suite: real sites' markup, odd and broken on purpose) is
  copied at test time into a temporary site with an index linking them all and
  crawled by a real ``scrapy crawl places`` with all pipelines: exit 0, no
  ERROR line, no traceback, and places found.
- A host whose port is closed: robots.txt and the start URL are both
  unreachable; that is a counted WARNING each, never an ERROR traceback.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import socket
from pathlib import Path

from conftest import run_scrapy, shared_fixture

FIXTURE_SETS = ("extruct-samples", "microformats-tests")
_STATS_LINE = re.compile(r"'(netcrawl/[^']+|robotstxt/[^']+|item_scraped_count)': (\d+)")


def _crawl(start: str, output: Path, *settings: str) -> tuple[int, str, list[dict]]:
    result = run_scrapy(
        "crawl",
        "places",
        "-a",
        f"start_urls={start}",
        "-O",
        str(output),
        "-s",
        "NETCRAWL_RUNS_ENABLED=False",
        "-s",
        "HTTPCACHE_ENABLED=False",
        *settings,
    )
    items = []
    if output.exists():
        items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    return result.returncode, result.stderr, items


def _crawl_finding_nothing(start: str, output: Path, *settings: str) -> str:
    """The log of a crawl that must end cleanly (status 0, no ERROR) with no item."""
    code, log, items = _crawl(start, output, *settings)
    assert code == 0, log[-4000:]
    assert not _error_lines(log), _error_lines(log)
    assert items == []
    return log


def _error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if " ERROR:" in line or "Traceback" in line]


def _stats(log: str) -> dict[str, int]:
    return {key: int(value) for key, value in _STATS_LINE.findall(log)}


def _build_fixture_site(root: Path) -> int:
    """Copy every fixture page under ``root`` (keeping sub-paths) and write an index."""
    links = []
    for name in FIXTURE_SETS:
        source = shared_fixture(name)
        for page in sorted(source.rglob("*.html")):
            relative = Path(name) / page.relative_to(source)
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
            href = html.escape(relative.as_posix(), quote=True)
            links.append(f'<li><a href="{href}">{html.escape(relative.as_posix())}</a></li>')
    (root / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Fixtures</title></head>"
        f"<body><ul>{''.join(links)}</ul></body></html>",
        encoding="utf-8",
    )
    return len(links)


def test_crawl_of_real_fixture_pages_is_clean(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    page_count = _build_fixture_site(site)
    assert page_count >= 50

    code, log, items = _crawl(str(site), tmp_path / "out.jsonl", "-s", "DEPTH_LIMIT=3")

    assert code == 0, log[-4000:]
    assert not _error_lines(log), _error_lines(log)[:20]
    stats = _stats(log)
    assert stats.get("netcrawl/pages/parsed", 0) >= page_count, stats
    # The samples hold a few dozen places (restaurants, shops, venues, cards with addresses).
    assert 20 <= len(items) <= 400, len(items)
    for item in items:
        assert item["spider"] == "places"
        assert (
            item.get("name")
            or item.get("street_address")
            or item.get("addr_full")
            or ("lat" in item)
        ), item


def _closed_port() -> int:
    """A loopback port nothing listens on (bound once to pick it, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_host_is_a_counted_warning_not_an_error(tmp_path):
    port = _closed_port()
    start = f"http://127.0.0.1:{port}/stores/"

    log = _crawl_finding_nothing(
        start, tmp_path / "out.jsonl", "-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_TIMEOUT=5"
    )

    warnings = [line for line in log.splitlines() if " WARNING:" in line]
    robots = [w for w in warnings if f"robots.txt unreachable at http://127.0.0.1:{port}" in w]
    assert len(robots) == 1, warnings
    assert any("response/download_error" in w and start in w for w in warnings), warnings
    # Tried once, by the middleware: the spider does not request robots.txt itself.
    assert not [w for w in warnings if "download_error" in w and "robots.txt" in w], warnings
    stats = _stats(log)
    assert stats.get("netcrawl/robotstxt/unreachable") == 1, stats
    # The start URL and the sitemap probe of the host (robots.txt is the middleware's
    # counted WARNING above, fetched once: the spider reads its sitemaps from it).
    assert stats.get("netcrawl/response/download_error", 0) >= 1, stats


def test_silent_host_times_out_with_warnings_only(tmp_path):
    """A host that accepts connections but never answers: robots.txt times out."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections queue in the backlog; nothing ever replies
        port = silent.getsockname()[1]
        start = f"http://127.0.0.1:{port}/"

        log = _crawl_finding_nothing(
            start, tmp_path / "out.jsonl", "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=2"
        )

    robots = [
        line
        for line in log.splitlines()
        if " WARNING:" in line and f"robots.txt unreachable at http://127.0.0.1:{port}" in line
    ]
    assert len(robots) == 1 and "Timeout" in robots[0], robots
    assert _stats(log).get("netcrawl/robotstxt/unreachable") == 1
