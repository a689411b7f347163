"""Shared test fixtures: the project root, the shared real-world fixtures, loopback servers."""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from netcrawl.serving import StaticFileServer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SITE = PROJECT_ROOT / "data" / "sample-site"
#: Real-world fixture files kept outside the repository (see its SOURCES.md).
SHARED_FIXTURES = Path(
    os.environ.get("NETCRAWL_SHARED_FIXTURES", PROJECT_ROOT.parent / "shared" / "fixtures")
)


def shared_fixture(*parts: str) -> Path:
    """Path of a shared fixture; skips the test, saying why, when it is absent."""
    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture {path} not present (checkout without ../shared/fixtures)")
    return path


@pytest.fixture
def serve_dir():
    """Start a loopback static server on a directory; returns its base URL."""
    servers: list[StaticFileServer] = []

    def start(root: str | Path) -> str:
        server = StaticFileServer(root).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_scrapy(
    *args: str, cwd: Path = PROJECT_ROOT, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run ``scrapy <args>`` in a child process (a Twisted reactor cannot restart)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args and args[0] == "crawl" and not any("NETCRAWL_RUNS" in arg for arg in args):
        # Keep test crawls out of the checkout's run history (data/runs/).
        args = (*args, "-s", "NETCRAWL_RUNS_ENABLED=False")
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def crawl_stats(log: str) -> dict[str, object]:
    """The "Dumping Scrapy stats" block of a crawl's log, as a dict.

    Scrapy pprints plain values; datetimes become empty strings so that
    :func:`ast.literal_eval` can read the block.
    """
    marker = "Dumping Scrapy stats:"
    assert marker in log, log[-3000:]
    block = log.split(marker, 1)[1]
    block = block[block.index("{") : block.index("}\n") + 1]
    return ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "''", block))
