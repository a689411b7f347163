"""``scrapy download`` end to end: real crawls in a child process against loopback servers."""

from __future__ import annotations

import hashlib
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import run_scrapy  # tests/conftest.py
from scripted_http import ScriptedServer, running_scripted_server, send_body, send_range

from netcrawl.serving import StaticFileServer

DATA = bytes(range(256)) * 1024  # 256 KiB
DATA_SHA256 = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def scripted_server():
    with running_scripted_server() as server:
        yield server


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if ".part" in path.name)


def test_falls_back_from_503_and_truncated_mirrors(tmp_path: Path,
                                                   scripted_server: ScriptedServer) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "places.parquet").write_bytes(DATA)
    scripted_server.routes["/unavailable"] = lambda handler, n: send_body(
        handler, 503, b"try later")
    scripted_server.routes["/truncated"] = lambda handler, n: send_body(
        handler, 200, DATA, declared_length=len(DATA), cut_after=len(DATA) // 3)
    output = tmp_path / "out" / "places.parquet"
    output.parent.mkdir()
    with StaticFileServer(served) as good:
        result = run_scrapy(
            "download", scripted_server.url("/unavailable"),
            "--mirror", scripted_server.url("/truncated"),
            "--mirror", f"{good.url}places.parquet",
            "-o", str(output), "--sha256", DATA_SHA256, timeout=120,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert output.read_bytes() == DATA
    assert leftovers(output.parent) == []
    assert re.search(r"/unavailable failed: HTTP 503 Service Unavailable; trying the next",
                     result.stderr)
    assert re.search(r"/truncated failed: truncated body: received \d+ of 262144 bytes",
                     result.stderr)
    assert f"sha256 {DATA_SHA256}" in result.stderr
    # Scrapy's retry middleware applied (RETRY_TIMES=2): three requests to the 503 source.
    assert len(scripted_server.requests_for("/unavailable")) == 3
    # The project's user agent was used.
    assert scripted_server.seen[0].headers["User-Agent"].startswith("netcrawl/")


def test_wrong_checksum_leaves_no_file(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "data.bin").write_bytes(DATA)
    output = tmp_path / "data.bin"
    with StaticFileServer(served) as good:
        result = run_scrapy("download", f"{good.url}data.bin", "-o", str(output),
                            "--sha256", "0" * 64, timeout=120)
    assert result.returncode == 1
    assert not output.exists()
    assert leftovers(tmp_path) == []
    assert f"checksum mismatch: expected sha256 {'0' * 64}, got {DATA_SHA256}" in result.stderr


def test_every_source_failing_exits_1_with_each_reason(tmp_path: Path,
                                                       scripted_server: ScriptedServer) -> None:
    scripted_server.routes["/gone"] = lambda handler, n: send_body(handler, 410, b"gone")
    output = tmp_path / "x.csv"
    result = run_scrapy("download", "http://127.0.0.1:9/x.csv",
                        "--mirror", scripted_server.url("/gone"),
                        "--mirror", scripted_server.url("/missing"),
                        "-o", str(output), "-s", "RETRY_TIMES=0", timeout=120)
    assert result.returncode == 1
    assert not output.exists() and leftovers(tmp_path) == []
    assert "http://127.0.0.1:9/x.csv: connection refused" in result.stderr
    assert "/gone: HTTP 410 Gone" in result.stderr
    assert "/missing: HTTP 404 Not Found" in result.stderr
    assert "Traceback" not in result.stderr


def test_resumes_with_range_after_a_dropped_connection(tmp_path: Path,
                                                       scripted_server: ScriptedServer) -> None:
    half = len(DATA) // 2

    def flaky(handler: BaseHTTPRequestHandler, number: int) -> None:
        if number == 1:
            send_body(handler, 200, DATA, headers={"Accept-Ranges": "bytes", "ETag": '"v1"'},
                      cut_after=half)
            return
        assert handler.headers.get("If-Range") == '"v1"'
        send_range(handler, DATA)

    scripted_server.routes["/flaky.jsonl"] = flaky
    output = tmp_path / "flaky.jsonl"
    result = run_scrapy("download", scripted_server.url("/flaky.jsonl"), "-o", str(output),
                        "--sha256", DATA_SHA256, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert output.read_bytes() == DATA
    requests = scripted_server.requests_for("/flaky.jsonl")
    assert len(requests) == 2
    assert requests[0].headers["Range"] == "bytes=0-67108863"  # default --chunk-size 64M
    assert requests[1].headers["Range"] == f"bytes={half}-{half + 64 * 1024 * 1024 - 1}"
    assert f"resuming from byte {half}" in result.stderr
    assert leftovers(tmp_path) == []


def test_chunked_range_requests_and_a_cut_in_the_middle(
        tmp_path: Path, scripted_server: ScriptedServer) -> None:
    def chunks(handler: BaseHTTPRequestHandler, number: int) -> None:
        # The third request is cut after 1000 bytes; the rest resumes from there.
        send_range(handler, DATA, cut_after=1000 if number == 3 else None)

    scripted_server.routes["/chunks.bin"] = chunks
    output = tmp_path / "chunks.bin"
    # 32 KiB chunks: more requests than the project's DEPTH_LIMIT (4) would allow.
    result = run_scrapy("download", scripted_server.url("/chunks.bin"), "-o", str(output),
                        "--chunk-size", "32K", "--sha256", DATA_SHA256, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert output.read_bytes() == DATA
    ranges = [seen.headers["Range"] for seen in scripted_server.requests_for("/chunks.bin")]
    k = 32 * 1024
    starts = [0, k, 2 * k, 2 * k + 1000, *range(3 * k + 1000, len(DATA), k)]
    assert ranges == [f"bytes={start}-{start + k - 1}" for start in starts]
    assert all(seen.headers.get("If-Range") == '"v1"'
               for seen in scripted_server.requests_for("/chunks.bin")[1:])


def test_static_server_as_a_source_and_a_stale_part(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "data.bin").write_bytes(DATA)
    output = tmp_path / "data.bin"
    # A .part of unknown origin (no sidecar) must not be glued to the download.
    (tmp_path / "data.bin.part").write_bytes(b"garbage")
    with StaticFileServer(served) as good:
        result = run_scrapy("download", f"{good.url}data.bin", "-o", str(output),
                            "--chunk-size", "100K", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert output.read_bytes() == DATA
    assert leftovers(tmp_path) == []


def test_resume_against_the_static_server_and_bad_content_range(
        tmp_path: Path, scripted_server: ScriptedServer) -> None:
    half = len(DATA) // 2

    def lying(handler: BaseHTTPRequestHandler, number: int) -> None:
        if number == 1:
            send_body(handler, 200, DATA, cut_after=half)
        else:  # claims a range that does not continue our file
            send_body(handler, 206, DATA[:10], headers={
                "Content-Range": f"bytes 0-9/{len(DATA)}"})

    scripted_server.routes["/lying"] = lying
    output = tmp_path / "lying.bin"
    result = run_scrapy("download", scripted_server.url("/lying"), "-o", str(output),
                        timeout=120)
    assert result.returncode == 1
    assert "bad Content-Range 'bytes 0-9/262144' for a request starting at byte 131072" \
        in result.stderr
    assert not output.exists() and leftovers(tmp_path) == []


def test_query_parameters_are_encoded(tmp_path: Path, scripted_server: ScriptedServer) -> None:
    scripted_server.routes["/export"] = lambda handler, n: send_body(handler, 200, b"ok")
    output = tmp_path / "export.csv"
    result = run_scrapy("download", scripted_server.url("/export?format=csv&page=1"),
                        "-p", "q=café & bar", "-p", "page=2", "-p", "tag=a/b",
                        "-o", str(output), "--quiet", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert output.read_bytes() == b"ok"
    assert scripted_server.seen[0].path == (
        "/export?format=csv&q=caf%C3%A9%20%26%20bar&page=2&tag=a%2Fb")
    assert "INFO" not in result.stderr  # --quiet lowers the log level


def test_usage_errors(tmp_path: Path) -> None:
    result = run_scrapy("download", "ftp://127.0.0.1/x", "-o", str(tmp_path / "x"))
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr
    result = run_scrapy("download", "http://127.0.0.1/x", "-o", str(tmp_path / "x"),
                        "--sha256", "abc")
    assert result.returncode == 2 and "64 hexadecimal digits" in result.stderr
    result = run_scrapy("download", "--help")
    assert result.returncode == 0 and "--mirror URL" in result.stdout


def test_a_later_run_resumes_the_part_file(tmp_path: Path,
                                           scripted_server: ScriptedServer) -> None:
    scripted_server.routes["/again.bin"] = lambda handler, n: send_range(handler, DATA)
    url = scripted_server.url("/again.bin")
    output = tmp_path / "again.bin"
    third = len(DATA) // 3
    (tmp_path / "again.bin.part").write_bytes(DATA[:third])
    (tmp_path / "again.bin.part.json").write_text(
        f'{{"url": "{url}", "etag": "\\"v1\\"", "last_modified": null, "total": {len(DATA)}}}')
    (tmp_path / "again.bin.part.segment").write_bytes(b"half-received, unverified")
    result = run_scrapy("download", url, "-o", str(output), "--sha256", DATA_SHA256,
                        timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert output.read_bytes() == DATA
    (first,) = scripted_server.requests_for("/again.bin")
    assert first.headers["Range"].startswith(f"bytes={third}-")
    assert first.headers["If-Range"] == '"v1"'
    assert f"resuming {output}.part ({third} bytes)" in result.stderr
    assert leftovers(tmp_path) == []
