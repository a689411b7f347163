"""``scrapy serve`` as a child process: prints its port, logs requests, stops on SIGINT."""

from __future__ import annotations

import http.client
import signal
from pathlib import Path

import pytest
from conftest import run_scrapy
from long_running import RunningCommand

import netcrawl


def test_serve_logs_requests_and_stops_on_sigint(tmp_path: Path) -> None:
    (tmp_path / "places.csv").write_text("name\nshop\n")
    command = RunningCommand("serve", str(tmp_path), "--port", "0")
    try:
        match = command.wait_for_line(r"at http://127\.0\.0\.1:(\d+)/ \(port (\d+)\)")
        port = int(match.group(1))
        assert match.group(2) == match.group(1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/places.csv")
        response = connection.getresponse()
        assert response.status == 200 and response.read() == b"name\nshop\n"
        assert response.getheader("Content-Type") == "text/csv"
        connection.request("GET", "/%2e%2e/secret")
        refused = connection.getresponse()
        refused.read()
        assert refused.status == 403
        # A client in the middle of a keep-alive connection must not delay the stop.
        elapsed, stdout, stderr = command.interrupt(signal.SIGINT)
        connection.close()
    finally:
        command.stop()
    assert elapsed < 2, elapsed
    assert command.process.returncode == 0
    assert "Server stopped" in stdout
    assert "Traceback" not in stderr
    assert '"GET /places.csv" 200 10 bytes' in stderr
    assert '"GET /%2e%2e/secret" 403' in stderr
    assert "[netcrawl.serving] INFO" in stderr  # Scrapy-style log lines


def test_serve_stops_on_sigterm(tmp_path: Path) -> None:
    command = RunningCommand("serve", str(tmp_path), "--port", "0")
    try:
        command.wait_for_line(r"Serving ")
        elapsed, _, _ = command.interrupt(signal.SIGTERM)
    finally:
        command.stop()
    assert elapsed < 2 and command.process.returncode == 0


def test_serve_defaults_to_the_data_folder() -> None:
    if not netcrawl.DATA_DIR.is_dir():
        pytest.skip(f"{netcrawl.DATA_DIR} does not exist in this checkout")
    command = RunningCommand("serve", "--port", "0")
    try:
        match = command.wait_for_line(r"Serving (.+) at http://127\.0\.0\.1:(\d+)/")
        assert Path(match.group(1)) == netcrawl.DATA_DIR.resolve()
        connection = http.client.HTTPConnection("127.0.0.1", int(match.group(2)), timeout=10)
        connection.request("HEAD", "/")
        assert connection.getresponse().status == 200
        connection.close()
        command.interrupt()
    finally:
        command.stop()


def test_non_loopback_bind_needs_allow_remote(tmp_path: Path) -> None:
    result = run_scrapy("serve", str(tmp_path), "--bind", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr


def test_bad_directory_and_busy_port(tmp_path: Path) -> None:
    result = run_scrapy("serve", str(tmp_path / "missing"))
    assert result.returncode == 2 and "not a directory" in result.stderr
    command = RunningCommand("serve", str(tmp_path), "--port", "0")
    try:
        port = command.wait_for_line(r"\(port (\d+)\)").group(1)
        result = run_scrapy("serve", str(tmp_path), "--port", port)
        assert result.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
        assert "Traceback" not in result.stderr
        command.interrupt()
    finally:
        command.stop()
