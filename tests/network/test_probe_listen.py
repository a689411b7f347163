"""``scrapy probe`` and ``scrapy listen`` against each other and against loopback servers."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import pytest
from conftest import free_loopback_port, run_scrapy
from long_running import RunningCommand
from tls_server import running_tls_server

from netcrawl.network.certificates import hostname_matches
from netcrawl.network.listener import ConnectionListener
from netcrawl.network.targets import parse_target
from netcrawl.serving import StaticFileServer


def json_reports(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_probe_json_reports_open_and_closed_ports() -> None:
    closed = free_loopback_port()
    with ConnectionListener("127.0.0.1", 0) as listener:
        result = run_scrapy("probe", f"127.0.0.1:{listener.port}", f"127.0.0.1:{closed}",
                            "--json", "--timeout", "3")
    assert result.returncode == 1  # one target did not answer
    assert "Traceback" not in result.stderr
    open_report, closed_report = json_reports(result.stdout)
    assert list(open_report) == ["target", "host", "port", "scheme", "ok", "error", "dns_ms",
                                 "dns_error", "addresses", "connections", "tls", "http",
                                 "robots"]
    assert list(open_report) == list(closed_report)
    assert open_report["ok"] is True and open_report["error"] is None
    assert open_report["addresses"] == ["127.0.0.1"]
    (connection,) = open_report["connections"]
    assert connection["status"] == "open" and connection["family"] == "IPv4"
    assert isinstance(connection["connect_ms"], float) and connection["connect_ms"] >= 0
    assert isinstance(open_report["dns_ms"], float)
    assert closed_report["ok"] is False
    assert closed_report["connections"][0]["status"] == "refused"
    assert closed_report["error"] == "connection refused"
    assert closed_report["tls"] is None and closed_report["http"] is None


def test_probe_reports_dns_failure_without_traceback() -> None:
    result = run_scrapy("probe", "no-such-host.invalid", "--json", "--timeout", "3")
    assert result.returncode == 1
    (report,) = json_reports(result.stdout)
    assert report["error"].startswith("DNS failure")
    assert report["connections"] == []
    assert "Traceback" not in result.stderr


def test_listen_and_probe_work_against_each_other() -> None:
    listen = RunningCommand("listen", "0", "--count", "1")
    try:
        port = listen.wait_for_line(r"Listening on 127\.0\.0\.1:(\d+)").group(1)
        result = run_scrapy("probe", f"127.0.0.1:{port}")
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].split() == ["TARGET", "ADDRESS", "FAMILY", "TCP", "TIME", "DETAIL"]
        assert lines[1].split()[:4] == [f"127.0.0.1:{port}", "127.0.0.1", "IPv4", "open"]
        # Columns are aligned: the row's address starts under the ADDRESS heading.
        assert lines[1][lines[0].index("ADDRESS"):].startswith("127.0.0.1 ")
        stdout, _ = listen.finish(timeout=10)
    finally:
        listen.stop()
    assert listen.process.returncode == 0
    assert "connection from 127.0.0.1:" in stdout
    assert "received 0 bytes" in stdout
    assert "Stopped after 1 connection(s)" in stdout


def test_listen_echoes_and_stops_on_sigint() -> None:
    listen = RunningCommand("listen", "0", "--echo")
    try:
        port = int(listen.wait_for_line(r"Listening on 127\.0\.0\.1:(\d+)").group(1))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"hello")
            assert sock.recv(5) == b"hello"
        listen.wait_for_line(r"received 5 bytes, sent 5 bytes")
        idle = socket.create_connection(("127.0.0.1", port), timeout=5)  # still open at stop
        time.sleep(0.2)
        elapsed, _, stderr = listen.interrupt(signal.SIGINT)
        idle.close()
    finally:
        listen.stop()
    assert elapsed < 2, elapsed
    assert listen.process.returncode == 0
    assert "Traceback" not in stderr


def test_listener_bounds_concurrent_connections() -> None:
    with ConnectionListener("127.0.0.1", 0, echo=True, max_connections=1,
                            count=2) as listener:
        first = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
        first.sendall(b"x")
        assert first.recv(1) == b"x"  # the first connection now holds the only slot
        second = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
        assert second.recv(1) == b""  # closed at once
        second.close()
        first.close()
        assert listener.reached.wait(5)
    outcomes = sorted(report.outcome for report in listener.reports)
    assert outcomes == ["closed by peer", "refused: too many connections"]
    assert next(r for r in listener.reports if r.outcome == "closed by peer").bytes_received == 1


def test_listen_refuses_remote_bind_without_flag() -> None:
    result = run_scrapy("listen", "0", "--bind", "0.0.0.0")
    assert result.returncode == 2 and "--allow-remote" in result.stderr


def test_probe_tls_self_signed(tmp_path: Path) -> None:
    with running_tls_server(tmp_path, ["localhost"], ["127.0.0.1"]) as server:
        untrusted = run_scrapy("probe", f"127.0.0.1:{server.port}", "--tls", "--json")
        trusted = run_scrapy("probe", f"https://localhost:{server.port}/", "--tls", "--http",
                             "--robots", "--json", "--cafile", str(server.cert_path))
        table = run_scrapy("probe", f"127.0.0.1:{server.port}", "--tls")
    (report,) = json_reports(untrusted.stdout)
    assert untrusted.returncode == 0, untrusted.stdout + untrusted.stderr
    tls = report["tls"]
    assert tls["ok"] is True
    assert tls["protocol"].startswith("TLSv1.")
    assert tls["cipher"]
    assert tls["subject"] == "CN=netcrawl test" == tls["issuer"]
    assert tls["sans"] == ["localhost", "127.0.0.1"]
    assert tls["hostname_match"] is True
    assert tls["trusted"] is False
    assert "self-signed" in tls["verify_error"] or "self signed" in tls["verify_error"]
    assert 28 <= tls["days_left"] <= 30

    (report,) = json_reports(trusted.stdout)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert report["tls"]["trusted"] is True and report["tls"]["verify_error"] is None
    http = report["http"]
    assert http["status"] == 302
    assert http["location"] == f"https://localhost:{server.port}/welcome"
    assert http["server"].startswith("tls-test/1.0")
    assert http["ttfb_ms"] > 0
    robots = report["robots"]
    assert robots["status"] == 200 and robots["allowed"] is True
    assert robots["crawl_delay"] == 2.0
    assert robots["user_agent"].startswith("netcrawl/")

    assert table.returncode == 0
    assert "TLS" in table.stdout and "CN=netcrawl test" in table.stdout


def test_probe_tls_name_mismatch_and_plain_port(tmp_path: Path) -> None:
    with running_tls_server(tmp_path, ["other.example"], []) as server:
        result = run_scrapy("probe", f"localhost:{server.port}", "--tls", "--json")
    (report,) = json_reports(result.stdout)
    assert report["tls"]["hostname_match"] is False
    with StaticFileServer(tmp_path) as plain:
        result = run_scrapy("probe", f"127.0.0.1:{plain.port}", "--tls", "--json",
                            "--timeout", "3")
    (report,) = json_reports(result.stdout)
    assert result.returncode == 1
    assert report["tls"]["ok"] is False and report["tls"]["error"].startswith("TLS error")
    assert "Traceback" not in result.stderr


def test_probe_http_and_robots_on_plain_http(tmp_path: Path) -> None:
    (tmp_path / "robots.txt").write_text("User-agent: netcrawl\nDisallow: /\n")
    (tmp_path / "shop").mkdir()
    with StaticFileServer(tmp_path) as server:
        base_url = server.url
        result = run_scrapy("probe", f"{base_url}shop", "--http", "--robots", "--json")
        table = run_scrapy("probe", f"{base_url}shop", "--http", "--robots")
    (report,) = json_reports(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["http"]["status"] == 301
    assert report["http"]["location"] == f"{base_url}shop/"
    assert report["robots"]["allowed"] is False
    assert table.returncode == 0, table.stdout + table.stderr
    assert "REDIRECT" in table.stdout and "ALLOWED /" in table.stdout


@pytest.mark.parametrize(
    ("text", "host", "port", "scheme", "path"),
    [
        ("example.org", "example.org", 80, "http", "/"),
        ("example.org:8443", "example.org", 8443, "http", "/"),
        ("https://example.org/a?b=1", "example.org", 443, "https", "/a?b=1"),
        ("[::1]:8080", "::1", 8080, "http", "/"),
        ("::1", "::1", 80, "http", "/"),
        ("127.0.0.1:443", "127.0.0.1", 443, "https", "/"),
    ],
)
def test_parse_target(text: str, host: str, port: int, scheme: str, path: str) -> None:
    target = parse_target(text)
    assert (target.host, target.port, target.scheme, target.path) == (host, port, scheme, path)


@pytest.mark.parametrize("bad", ["", "host:0", "host:99999", "ftp://x", "[::1", "a:b:c"])
def test_parse_target_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_target(bad)


def test_hostname_matching_rules() -> None:
    assert hostname_matches("www.example.org", ["*.example.org"], [])
    assert not hostname_matches("a.b.example.org", ["*.example.org"], [])
    assert not hostname_matches("example.org", ["*.example.org"], [])
    assert not hostname_matches("x.com", ["*.com"], [])
    assert hostname_matches("EXAMPLE.org.", ["example.org"], [])
    assert hostname_matches("::1", [], ["0:0::1"])
    assert not hostname_matches("127.0.0.1", ["127.0.0.1"], [])  # IPs only match IP SANs
    assert hostname_matches("legacy.test", [], [], common_name="legacy.test")
