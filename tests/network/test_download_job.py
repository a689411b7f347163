"""The download state machine, fed the events Scrapy's downloader would report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from netcrawl.network.content_range import parse_content_range, parse_unsatisfied_range
from netcrawl.network.download import DownloadJob
from netcrawl.network.query import add_query_parameters, parse_parameter

DATA = b"0123456789" * 100
SHA = hashlib.sha256(DATA).hexdigest()


def deliver(job: DownloadJob, status: int, headers: dict[str, str], body: bytes,
            flags: list[str] | None = None) -> None:
    job.headers_received(headers)
    for start in range(0, len(body), 300):
        job.bytes_received(body[start:start + 300])
    job.response_received(status, headers, flags or [])


def make_job(tmp_path: Path, *urls: str, **kwargs) -> tuple[DownloadJob, list[str]]:
    messages: list[str] = []
    job = DownloadJob(list(urls) or ["http://a/f"], tmp_path / "f", notify=messages.append,
                      **kwargs)
    return job, messages


def test_full_body_in_one_response(tmp_path: Path) -> None:
    job, _ = make_job(tmp_path, sha256=SHA)
    plan = job.next_request()
    assert plan.headers["Range"] == f"bytes=0-{64 * 1024 * 1024 - 1}"
    assert plan.headers["Accept-Encoding"] == "identity" and "If-Range" not in plan.headers
    deliver(job, 200, {"content-length": str(len(DATA))}, DATA)
    assert job.succeeded and job.next_request() is None
    assert (tmp_path / "f").read_bytes() == DATA
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_error_page_never_reaches_the_part_file(tmp_path: Path) -> None:
    job, messages = make_job(tmp_path, "http://a/f", "http://b/f")
    job.next_request()
    deliver(job, 503, {"content-length": "9"}, b"try later")
    assert job.failures[0].reason == "HTTP 503 Service Unavailable"
    assert not (tmp_path / "f.part").exists()
    assert "trying the next mirror" in messages[-1]
    assert job.next_request().url == "http://b/f"


def test_truncated_then_resumed_with_if_range(tmp_path: Path) -> None:
    job, messages = make_job(tmp_path, chunk_size=0)
    job.next_request()
    headers = {"content-length": str(len(DATA)), "etag": '"abc"'}
    deliver(job, 200, headers, DATA[:400], flags=["dataloss"])
    plan = job.next_request()
    assert plan.headers["Range"] == "bytes=400-" and plan.headers["If-Range"] == '"abc"'
    assert "truncated body: received 400 of 1000 bytes" in messages[-1]
    sidecar = json.loads((tmp_path / "f.part.json").read_text())
    assert sidecar == {"url": "http://a/f", "etag": '"abc"', "last_modified": None,
                       "total": 1000}
    deliver(job, 206, {"content-range": "bytes 400-999/1000", "etag": '"abc"'}, DATA[400:])
    assert job.succeeded and (tmp_path / "f").read_bytes() == DATA


def test_server_ignoring_range_restarts_from_zero(tmp_path: Path) -> None:
    job, _ = make_job(tmp_path, chunk_size=0)
    job.next_request()
    deliver(job, 200, {"content-length": "1000"}, DATA[:400], flags=["dataloss"])
    job.next_request()
    deliver(job, 200, {"content-length": "1000"}, DATA)  # whole file again, from 0
    assert job.succeeded and (tmp_path / "f").read_bytes() == DATA


def test_truncation_without_progress_gives_up(tmp_path: Path) -> None:
    job, _ = make_job(tmp_path, chunk_size=0)
    for _ in range(2):
        job.next_request()
        deliver(job, 200, {"content-length": "1000"}, DATA[:400], flags=["dataloss"])
    assert job.finished and not job.succeeded
    assert job.failures[0].reason == "truncated body: received 400 of 1000 bytes"
    assert list(tmp_path.iterdir()) == []


def test_failure_mid_206_keeps_verified_bytes(tmp_path: Path) -> None:
    job, _ = make_job(tmp_path, chunk_size=0)
    job.next_request()
    job.headers_received({"content-range": "bytes 0-999/1000"})
    job.bytes_received(DATA[:600])
    job.request_failed("timeout")
    assert job.next_request().offset == 600
    deliver(job, 206, {"content-range": "bytes 600-999/1000"}, DATA[600:])
    assert job.succeeded and (tmp_path / "f").read_bytes() == DATA


def test_failure_mid_200_discards_unverifiable_bytes(tmp_path: Path) -> None:
    job, _ = make_job(tmp_path)
    job.next_request()
    job.headers_received({"content-length": "1000"})
    job.bytes_received(DATA[:600])
    job.request_failed("connection lost before the response was complete")
    assert job.finished and not (tmp_path / "f.part").exists()


def test_resume_from_an_earlier_run_and_complete_416(tmp_path: Path) -> None:
    (tmp_path / "f.part").write_bytes(DATA)
    (tmp_path / "f.part.json").write_text(json.dumps(
        {"url": "http://a/f", "etag": None, "last_modified": "Mon, 01 Jan 2024 00:00:00 GMT",
         "total": 1000}))
    job, messages = make_job(tmp_path, sha256=SHA)
    assert messages[0].startswith("resuming")
    plan = job.next_request()
    assert plan.offset == 1000 and plan.headers["If-Range"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    deliver(job, 416, {"content-range": "bytes */1000"}, b"")
    assert job.succeeded and (tmp_path / "f").read_bytes() == DATA


def test_part_from_another_url_is_discarded(tmp_path: Path) -> None:
    (tmp_path / "f.part").write_bytes(b"other")
    (tmp_path / "f.part.json").write_text(json.dumps({"url": "http://elsewhere/f"}))
    job, _ = make_job(tmp_path)
    assert job.next_request().offset == 0
    assert not (tmp_path / "f.part").exists()


def test_checksum_and_size_mismatch(tmp_path: Path) -> None:
    job, _ = make_job(tmp_path, "http://a/f", "http://b/f", sha256="0" * 64)
    job.next_request()
    deliver(job, 200, {"content-length": "1000"}, DATA)
    assert job.failures[0].reason.startswith("checksum mismatch: expected sha256 000")
    job.next_request()
    deliver(job, 206, {"content-range": "bytes 0-999/2000"}, DATA)
    job.next_request()  # asks for the rest
    deliver(job, 206, {"content-range": "bytes 1000-1999/2000"}, DATA)
    assert job.failures[-1].reason.startswith("checksum mismatch")
    assert not (tmp_path / "f").exists() and list(tmp_path.iterdir()) == []


def test_mismatched_content_range_fails_the_source(tmp_path: Path) -> None:
    job, _ = make_job(tmp_path, chunk_size=0)
    job.next_request()
    deliver(job, 200, {"content-length": "1000"}, DATA[:500], flags=["dataloss"])
    job.next_request()
    deliver(job, 206, {"content-range": "bytes 0-499/1000"}, DATA[:500])
    assert job.failures[0].reason.startswith("bad Content-Range 'bytes 0-499/1000'")


def test_content_range_parsing() -> None:
    assert parse_content_range("bytes 0-9/100").length == 10
    assert parse_content_range("bytes 5-9/*").total is None
    for bad in (None, "", "bytes 9-5/100", "bytes 0-100/100", "items 0-1/2", "bytes */100"):
        assert parse_content_range(bad) is None
    assert parse_unsatisfied_range("bytes */1234") == 1234
    assert parse_unsatisfied_range("bytes 0-1/2") is None


def test_query_parameters() -> None:
    assert add_query_parameters("http://h/p?a=1&b=2", [("b", "x y"), ("c", "é&")]) == \
        "http://h/p?a=1&b=x%20y&c=%C3%A9%26"
    assert add_query_parameters("http://h/p", [("t", "a"), ("t", "b")]) == "http://h/p?t=a&t=b"
    assert add_query_parameters("http://h/p#frag", []) == "http://h/p#frag"
    assert parse_parameter("k=v=w") == ("k", "v=w")
    with pytest.raises(ValueError):
        parse_parameter("novalue")
