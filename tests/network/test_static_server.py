"""The static file server against raw http.client requests on 127.0.0.1 (RFC 9110 checks)."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from netcrawl.serving import StaticFileServer

SECRET = b"TOP-SECRET-OUTSIDE-ROOT"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A served root with datasets, a dotfile, symlinks in and out, and a secret outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "places.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (root / "places.jsonl").write_text('{"name": "a"}\n' * 200)
    (root / "places.parquet").write_bytes(b"PAR1" + bytes(range(256)) * 4 + b"PAR1")
    (root / "places.csv").write_text("name,lat,lon\n" + "shop,1.0,2.0\n" * 100)
    (root / "places.kml").write_text("<kml/>")
    (root / "data.bin").write_bytes(bytes(range(256)) * 40)  # 10240 bytes
    (root / ".env").write_bytes(SECRET)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_bytes(SECRET)
    (root / "sub" / "<b>&weird name.csv").write_text("x\n")
    (root / "escape").symlink_to(outside / "secret.txt")
    (root / "escape-dir").symlink_to(outside)
    (root / "inside-link.csv").symlink_to(root / "places.csv")
    return root


@pytest.fixture
def server(tree: Path):
    with StaticFileServer(tree) as running:
        yield running


def request(server: StaticFileServer, target: str, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest(method, target, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def raw_request(server: StaticFileServer, request_line: str) -> bytes:
    """Send a request line byte for byte (http.client would normalise some of them)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"{request_line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


TRAVERSALS = [
    "/../outside/secret.txt",
    "/sub/../../outside/secret.txt",
    "/%2e%2e/outside/secret.txt",
    "/%2E%2E/outside/secret.txt",
    "/%252e%252e/outside/secret.txt",
    "/..%2foutside/secret.txt",
    "/..%2Foutside%2Fsecret.txt",
    "/%2e%2e%5coutside%5csecret.txt",
    "/..\\outside\\secret.txt",
    "/escape%00.csv",
    "/%00",
    "//etc/passwd",
    "/escape",
    "/escape-dir/secret.txt",
    "/escape-dir/",
    "/.env",
    "/%2eenv",
    "/.git/config",
    "/sub/../.env",
    "/%2e%65nv",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_symlinks_and_dotfiles_are_refused(server: StaticFileServer,
                                                     target: str) -> None:
    raw = raw_request(server, f"GET {target} HTTP/1.1")
    status = int(raw.split(b" ", 2)[1])
    assert status in {400, 403, 404}, raw[:200]
    assert SECRET not in raw
    assert b"root:" not in raw


def test_absolute_form_and_non_slash_targets(server: StaticFileServer) -> None:
    raw = raw_request(server, "GET http://x/places.kml HTTP/1.1")
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b"<kml/>")
    raw = raw_request(server, "GET places.kml HTTP/1.1")
    assert raw.startswith(b"HTTP/1.1 400")
    raw = raw_request(server, "GET /etc/passwd HTTP/1.1")
    assert raw.startswith(b"HTTP/1.1 404")


def test_symlink_inside_root_is_served(server: StaticFileServer, tree: Path) -> None:
    response, body = request(server, "/inside-link.csv")
    assert response.status == 200
    assert body == (tree / "places.csv").read_bytes()


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("places.geojson", "application/geo+json"),
        ("places.jsonl", "application/jsonl"),
        ("places.parquet", "application/vnd.apache.parquet"),
        ("places.csv", "text/csv"),
        ("places.kml", "application/vnd.google-earth.kml+xml"),
    ],
)
def test_dataset_content_types(server: StaticFileServer, tree: Path, name: str,
                               content_type: str) -> None:
    response, body = request(server, f"/{name}")
    assert response.status == 200
    assert response.getheader("Content-Type").split(";")[0] == content_type
    assert body == (tree / name).read_bytes()
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_head_has_get_headers_and_no_body(server: StaticFileServer, tree: Path) -> None:
    get_response, _ = request(server, "/data.bin")
    head_response, body = request(server, "/data.bin", method="HEAD")
    assert head_response.status == 200
    assert body == b""
    for name in ("Content-Length", "Content-Type", "ETag", "Last-Modified", "Accept-Ranges"):
        assert head_response.getheader(name) == get_response.getheader(name)
    assert head_response.getheader("Content-Length") == "10240"


def test_single_byte_ranges(server: StaticFileServer, tree: Path) -> None:
    data = (tree / "data.bin").read_bytes()
    for spec, first, last in [("0-99", 0, 99), ("10000-", 10000, 10239), ("-40", 10200, 10239),
                              ("10200-99999", 10200, 10239)]:
        response, body = request(server, "/data.bin", headers={"Range": f"bytes={spec}"})
        assert response.status == 206, spec
        assert response.getheader("Content-Range") == f"bytes {first}-{last}/10240"
        assert response.getheader("Content-Length") == str(last - first + 1)
        assert body == data[first:last + 1]


def test_multiple_ranges_are_multipart(server: StaticFileServer, tree: Path) -> None:
    data = (tree / "data.bin").read_bytes()
    response, body = request(server, "/data.bin", headers={"Range": "bytes=0-9, 100-109"})
    assert response.status == 206
    content_type = response.getheader("Content-Type")
    boundary = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", content_type).group(1)
    assert int(response.getheader("Content-Length")) == len(body)
    parts = body.split(f"--{boundary}".encode())
    assert parts[-1].strip() == b"--"
    assert b"Content-Range: bytes 0-9/10240\r\n\r\n" + data[0:10] in parts[1]
    assert b"Content-Range: bytes 100-109/10240\r\n\r\n" + data[100:110] in parts[2]
    # Overlapping ranges are coalesced into one.
    response, body = request(server, "/data.bin", headers={"Range": "bytes=0-9,5-19"})
    assert response.status == 206
    assert response.getheader("Content-Range") == "bytes 0-19/10240"
    assert body == data[:20]


def test_unsatisfiable_and_ignored_ranges(server: StaticFileServer) -> None:
    response, body = request(server, "/data.bin", headers={"Range": "bytes=20000-"})
    assert response.status == 416
    assert response.getheader("Content-Range") == "bytes */10240"
    for ignored in ("bytes=abc", "items=0-5", "bytes=9-1"):
        response, body = request(server, "/data.bin", headers={"Range": ignored})
        assert response.status == 200, ignored
        assert len(body) == 10240
    # HEAD ignores Range.
    response, _ = request(server, "/data.bin", method="HEAD", headers={"Range": "bytes=0-1"})
    assert response.status == 200


def test_conditional_requests_follow_rfc9110(server: StaticFileServer, tree: Path) -> None:
    response, _ = request(server, "/data.bin")
    etag = response.getheader("ETag")
    last_modified = response.getheader("Last-Modified")
    assert etag.startswith('"') and etag.endswith('"')
    mtime = int((tree / "data.bin").stat().st_mtime)
    assert email.utils.parsedate_to_datetime(last_modified).timestamp() == mtime

    response, body = request(server, "/data.bin", headers={"If-None-Match": etag})
    assert (response.status, body) == (304, b"")
    assert response.getheader("ETag") == etag
    response, _ = request(server, "/data.bin", headers={"If-None-Match": f'"other", W/{etag}'})
    assert response.status == 304  # weak comparison for If-None-Match
    response, _ = request(server, "/data.bin", headers={"If-None-Match": '"other"'})
    assert response.status == 200
    response, _ = request(server, "/data.bin", headers={"If-Modified-Since": last_modified})
    assert response.status == 304
    earlier = email.utils.formatdate(mtime - 60, usegmt=True)
    response, _ = request(server, "/data.bin", headers={"If-Modified-Since": earlier})
    assert response.status == 200
    # If-None-Match takes precedence: a non-matching tag wins over a matching date.
    response, _ = request(server, "/data.bin",
                          headers={"If-None-Match": '"other"', "If-Modified-Since": last_modified})
    assert response.status == 200
    response, _ = request(server, "/data.bin", headers={"If-Modified-Since": "not a date"})
    assert response.status == 200
    # If-Match / If-Unmodified-Since.
    response, _ = request(server, "/data.bin", headers={"If-Match": '"other"'})
    assert response.status == 412
    response, _ = request(server, "/data.bin", headers={"If-Match": etag})
    assert response.status == 200
    response, _ = request(server, "/data.bin", headers={"If-Match": f"W/{etag}"})
    assert response.status == 412  # strong comparison for If-Match
    response, _ = request(server, "/data.bin", headers={"If-Unmodified-Since": earlier})
    assert response.status == 412
    response, _ = request(server, "/data.bin",
                          headers={"If-Match": etag, "If-Unmodified-Since": earlier})
    assert response.status == 200  # If-Unmodified-Since is ignored when If-Match is present


def test_if_range(server: StaticFileServer) -> None:
    response, _ = request(server, "/data.bin")
    etag, last_modified = response.getheader("ETag"), response.getheader("Last-Modified")
    for validator in (etag, last_modified):
        response, body = request(server, "/data.bin",
                                 headers={"Range": "bytes=0-9", "If-Range": validator})
        assert (response.status, len(body)) == (206, 10)
    for stale in ('"stale"', "Mon, 01 Jan 2001 00:00:00 GMT", f"W/{etag}"):
        response, body = request(server, "/data.bin",
                                 headers={"Range": "bytes=0-9", "If-Range": stale})
        assert (response.status, len(body)) == (200, 10240)


def test_etag_changes_when_file_changes(server: StaticFileServer, tree: Path) -> None:
    response, _ = request(server, "/places.kml")
    (tree / "places.kml").write_text("<kml>changed</kml>")
    changed, body = request(server, "/places.kml", headers={"If-None-Match":
                                                             response.getheader("ETag")})
    assert changed.status == 200 and body == b"<kml>changed</kml>"


def test_gzip_when_asked_with_vary(server: StaticFileServer, tree: Path) -> None:
    original = (tree / "places.jsonl").read_bytes()
    response, body = request(server, "/places.jsonl", headers={"Accept-Encoding": "br, gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert gzip.decompress(body) == original
    gz_etag = response.getheader("ETag")
    plain, plain_body = request(server, "/places.jsonl")
    assert plain.getheader("Content-Encoding") is None and plain_body == original
    assert plain.getheader("Vary") == "Accept-Encoding"
    assert plain.getheader("ETag") != gz_etag  # each coding has its own strong validator
    refused, body = request(server, "/places.jsonl", headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.getheader("Content-Encoding") is None and body == original
    # Never for ranges, nor for already-compressed formats.
    ranged, body = request(server, "/places.jsonl",
                           headers={"Accept-Encoding": "gzip", "Range": "bytes=0-4"})
    assert ranged.status == 206 and ranged.getheader("Content-Encoding") is None
    assert body == original[:5]
    parquet, _ = request(server, "/places.parquet", headers={"Accept-Encoding": "gzip"})
    assert parquet.getheader("Content-Encoding") is None


def test_directory_listing_escapes_names_and_shows_sizes(server: StaticFileServer) -> None:
    response, body = request(server, "/")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    page = body.decode()
    assert 'href="places.csv"' in page
    assert "10.0 KiB" in page and 'data-bytes="10240"' in page  # data.bin
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", page)
    assert ".env" not in page and ".git" not in page
    assert "escape" not in page  # symlinks leaving the root are not listed
    response, body = request(server, "/sub/")
    page = body.decode()
    assert "&lt;b&gt;&amp;weird name.csv" in page and "<b>" not in page
    assert 'href="%3Cb%3E%26weird%20name.csv"' in page
    response, body = request(server, "/sub/%3Cb%3E%26weird%20name.csv")
    assert response.status == 200 and body == b"x\n"


def test_directory_redirect_and_index(server: StaticFileServer, tree: Path) -> None:
    response, _ = request(server, "/sub?x=1")
    assert response.status == 301
    assert response.getheader("Location") == "/sub/?x=1"
    (tree / "sub" / "index.html").write_text("<h1>site</h1>")
    response, body = request(server, "/sub/")
    assert response.status == 200 and body == b"<h1>site</h1>"
    response, _ = request(server, "/places.csv/")
    assert response.status == 404


def test_write_methods_are_refused(server: StaticFileServer) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response, _ = request(server, "/places.csv", method=method)
        assert response.status == 405
        assert "GET" in response.getheader("Allow")


def test_keep_alive_serves_several_requests(server: StaticFileServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(3):
        connection.request("GET", "/places.kml")
        response = connection.getresponse()
        assert response.read() == b"<kml/>"
    connection.close()


def test_many_clients_at_once_do_not_stall(server: StaticFileServer) -> None:
    # Idle connections that never send a request must not block other clients.
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        results: list[int] = []

        def fetch() -> None:
            response, _ = request(server, "/data.bin")
            results.append(response.status)

        threads = [threading.Thread(target=fetch) for _ in range(20)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert results == [200] * 20
        assert time.monotonic() - started < 10
    finally:
        for sock in idle:
            sock.close()


def test_requests_are_logged(server: StaticFileServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="netcrawl.serving")
    request(server, "/data.bin", headers={"Range": "bytes=0-99"})
    request(server, "/.env")
    # The access line is written once the response is out, so the client may
    # get there first: give the server thread a moment.
    deadline = time.monotonic() + 5
    while True:
        messages = [record.getMessage() for record in caplog.records
                    if record.name == "netcrawl.serving"]
        if len(messages) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert any(re.search(r'"GET /data.bin" 206 100 bytes [\d.]+ ms', m) for m in messages)
    assert any('"GET /.env" 404' in m for m in messages)


def test_stop_is_prompt_and_releases_port(tree: Path) -> None:
    server = StaticFileServer(tree).start()
    port = server.port
    hanging = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    hanging.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_root_must_be_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        StaticFileServer(tmp_path / "file")
    assert os.path.isdir(tmp_path)
