"""Local directories keep their port across the runs of one JOBDIR."""

from __future__ import annotations

import socket

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.settings import Settings

from netcrawl.resume.ports import PORTS_FILE, read_ports, serve_directory


def test_without_jobdir_any_free_port_is_used(tmp_path):
    server = serve_directory(tmp_path, Settings())
    try:
        assert server.port > 0
    finally:
        server.stop()


def test_a_jobdir_remembers_the_port_and_reuses_it(tmp_path):
    site, jobdir = tmp_path / "site", tmp_path / "job"
    site.mkdir()
    settings = Settings({"JOBDIR": str(jobdir)})
    first = serve_directory(site, settings)
    port = first.port
    first.stop()
    assert read_ports(jobdir) == {str(site.resolve()): port}
    again = serve_directory(site, settings)
    try:
        assert again.port == port
    finally:
        again.stop()


def test_a_taken_port_stops_the_crawl_with_a_reason(tmp_path, caplog):
    site, jobdir = tmp_path / "site", tmp_path / "job"
    site.mkdir()
    settings = Settings({"JOBDIR": str(jobdir)})
    serve_directory(site, settings).stop()
    port = read_ports(jobdir)[str(site.resolve())]
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        with pytest.raises(CloseSpider) as raised:
            serve_directory(site, settings)
    assert raised.value.reason == "resume_port_unavailable"
    assert f"port {port} again" in caplog.text


def test_an_unreadable_ports_file_is_ignored_with_a_warning(tmp_path, caplog):
    (tmp_path / PORTS_FILE).write_text("{not json")
    assert read_ports(tmp_path) == {}
    assert "Ignoring unreadable" in caplog.text


def test_a_ports_file_of_the_wrong_shape_is_ignored_not_a_crash(tmp_path, caplog):
    (tmp_path / PORTS_FILE).write_text("[8080]")
    assert read_ports(tmp_path) == {}
    assert "not a JSON object" in caplog.text
    (tmp_path / PORTS_FILE).write_text('{"/a": 8080, "/b": true, "/c": 70000, "/d": "80"}')
    assert read_ports(tmp_path) == {"/a": 8080}
