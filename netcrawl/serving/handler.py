"""The HTTP request handler behind :class:`~netcrawl.serving.StaticFileServer`.

Built on :class:`http.server.BaseHTTPRequestHandler` rather than
``SimpleHTTPRequestHandler``: path resolution (:mod:`netcrawl.serving.paths`),
byte ranges (:mod:`~netcrawl.serving.ranges`) and conditional requests
(:mod:`~netcrawl.serving.conditional`) follow RFC 9110 and are tested on
their own, and this class only puts the answer on the wire. Every request is
logged once, after it is answered: client, method, target, status, body bytes
and duration.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import zlib
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote

from netcrawl.serving.conditional import Outcome, evaluate, if_range_allows, validators_for
from netcrawl.serving.listing import list_directory, render_listing
from netcrawl.serving.media_types import content_type_for, is_compressible
from netcrawl.serving.paths import PathRefused, is_visible_entry, resolve_request_path, split_target
from netcrawl.serving.ranges import ByteRange, RangeNotSatisfiable, parse_range_header

if TYPE_CHECKING:
    from netcrawl.serving.server import _StaticHTTPServer

logger = logging.getLogger("netcrawl.serving")

_CHUNK = 256 * 1024
#: Below this size gzip saves too little to be worth a chunked response.
_MIN_GZIP_SIZE = 512
_ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header lets us answer with gzip (q > 0)."""
    if not accept_encoding:
        return False
    qualities: dict[str, float] = {}
    for element in accept_encoding.split(","):
        coding, *params = (part.strip() for part in element.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            qualities[coding.lower()] = quality
    for name in ("gzip", "x-gzip"):
        if name in qualities:
            return qualities[name] > 0
    return qualities.get("*", 0.0) > 0


class _CountingWriter:
    """Wraps the socket writer to count bytes put on the wire."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.count = 0

    def write(self, data: bytes) -> int:
        written = self._raw.write(data)
        self.count += len(data)
        return written

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        self._raw.close()

    @property
    def closed(self) -> bool:
        return self._raw.closed


class StaticFileHandler(BaseHTTPRequestHandler):
    """Serve GET/HEAD for files and directories below ``server.root``."""

    server: _StaticHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "netcrawl-serve/0.1"
    #: Do not advertise the Python version to every client.
    sys_version = ""
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self._counter = _CountingWriter(self.wfile)  # type: ignore[arg-type]
        self.wfile = self._counter  # type: ignore[assignment]

    # -- logging ---------------------------------------------------------------

    def handle_one_request(self) -> None:
        self._started = monotonic()
        self._status: int | None = None
        self._header_bytes = 0
        self._extra_body_bytes = 0
        self._counter.count = 0
        try:
            super().handle_one_request()
        finally:
            if self._status is not None:
                self._log_access()

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def flush_headers(self) -> None:
        self._header_bytes += sum(len(line) for line in getattr(self, "_headers_buffer", []))
        super().flush_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by :meth:`_log_access`, which also knows bytes and duration."""

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s: " + format, self.client_address[0], *args)

    def _log_access(self) -> None:
        body_bytes = self._counter.count - self._header_bytes + self._extra_body_bytes
        target = repr(self.path)[1:-1] if getattr(self, "path", None) else "-"
        logger.log(
            self.server.request_log_level,
            '%s "%s %s" %s %d bytes %.1f ms',
            self.client_address[0],
            getattr(self, "command", None) or "-",
            target,
            self._status,
            max(body_bytes, 0),
            (monotonic() - self._started) * 1000,
        )

    # -- methods -----------------------------------------------------------------

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Allow", _ALLOWED_METHODS)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _method_not_allowed(self) -> None:
        self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "read-only server",
                         {"Allow": _ALLOWED_METHODS})

    do_POST = do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    # -- responses ----------------------------------------------------------------

    def _send_error(self, status: int, explanation: str,
                    extra_headers: dict[str, str] | None = None) -> None:
        phrase = HTTPStatus(status).phrase
        body = f"{status} {phrase}: {explanation}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, send_body: bool) -> None:
        root: Path = self.server.root
        try:
            raw_path, query = split_target(self.path)
            resolved = resolve_request_path(root, raw_path)
        except PathRefused as refused:
            self._send_error(refused.status, refused.reason)
            return
        target = resolved.fs_path
        if target.is_dir():
            if not resolved.ends_with_slash:
                location = quote(resolved.url_path.rstrip("/") + "/")
                self._redirect(location + (f"?{query}" if query else ""))
                return
            index = target / "index.html"
            if not (index.is_file() and is_visible_entry(root, index)):
                self._send_listing(resolved.url_path.rstrip("/") + "/", target, send_body)
                return
            target = index
        elif resolved.ends_with_slash:
            self._send_error(HTTPStatus.NOT_FOUND, "not a directory")
            return
        try:
            fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            self._send_error(HTTPStatus.NOT_FOUND, "no such file")
            return
        except OSError:
            self._send_error(HTTPStatus.FORBIDDEN, "file cannot be read")
            return
        with os.fdopen(fd, "rb") as file:
            file_stat = os.fstat(file.fileno())
            if not _is_regular(file_stat):
                self._send_error(HTTPStatus.FORBIDDEN, "not a regular file")
                return
            self._send_file(file, target, file_stat, send_body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_listing(self, url_path: str, directory: Path, send_body: bool) -> None:
        try:
            body = render_listing(url_path, list_directory(self.server.root, directory))
        except OSError:
            self._send_error(HTTPStatus.FORBIDDEN, "directory cannot be listed")
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _send_file(self, file: BinaryIO, path: Path, file_stat: os.stat_result,
                   send_body: bool) -> None:
        size = file_stat.st_size
        content_type = content_type_for(path.name)
        compressible = is_compressible(content_type)
        # Range applies to GET only (RFC 9110 section 14.2); HEAD ignores it.
        range_header = self.headers.get("Range") if self.command == "GET" else None
        use_gzip = (
            compressible
            and range_header is None
            and size >= _MIN_GZIP_SIZE
            and self.request_version == "HTTP/1.1"
            and accepts_gzip(self.headers.get("Accept-Encoding"))
        )
        validators = validators_for(file_stat, "gzip" if use_gzip else None)
        common = {
            "Last-Modified": validators.last_modified,
            "ETag": validators.etag,
            "Cache-Control": "no-cache",
        }
        if compressible:
            common["Vary"] = "Accept-Encoding"
        request_headers = {name.lower(): value for name, value in self.headers.items()}
        outcome = evaluate(request_headers, validators)
        if outcome is Outcome.NOT_MODIFIED:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in common.items():
                self.send_header(name, value)
            self.end_headers()
            return
        if outcome is Outcome.PRECONDITION_FAILED:
            self._send_error(HTTPStatus.PRECONDITION_FAILED, "precondition failed", common)
            return
        common["Accept-Ranges"] = "bytes"
        common["X-Content-Type-Options"] = "nosniff"
        if range_header is not None and if_range_allows(self.headers.get("If-Range"), validators):
            try:
                ranges = parse_range_header(range_header, size)
            except RangeNotSatisfiable:
                self._send_error(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                                 "no requested range overlaps the file",
                                 {**common, "Content-Range": f"bytes */{size}"})
                return
            if ranges is not None:
                if len(ranges) == 1:
                    self._send_single_range(file, ranges[0], size, content_type, common)
                else:
                    self._send_multiple_ranges(file, ranges, size, content_type, common)
                return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        for name, value in common.items():
            self.send_header(name, value)
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if send_body:
                self._write_gzip_chunked(file)
            return
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if send_body:
            self._write_span(file, 0, size)

    def _send_single_range(self, file: BinaryIO, byte_range: ByteRange, size: int,
                           content_type: str, common: dict[str, str]) -> None:
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", content_type)
        for name, value in common.items():
            self.send_header(name, value)
        self.send_header("Content-Range", byte_range.content_range(size))
        self.send_header("Content-Length", str(byte_range.length))
        self.end_headers()
        self._write_span(file, byte_range.first, byte_range.length)

    def _send_multiple_ranges(self, file: BinaryIO, ranges: list[ByteRange], size: int,
                              content_type: str, common: dict[str, str]) -> None:
        boundary = secrets.token_hex(16)
        heads = [
            (f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
             f"Content-Range: {byte_range.content_range(size)}\r\n\r\n").encode("ascii")
            for byte_range in ranges
        ]
        tail = f"\r\n--{boundary}--\r\n".encode("ascii")
        length = sum(map(len, heads)) + sum(r.length for r in ranges) + len(tail)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", f"multipart/byteranges; boundary={boundary}")
        for name, value in common.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        for head, byte_range in zip(heads, ranges, strict=True):
            self.wfile.write(head)
            self._write_span(file, byte_range.first, byte_range.length)
        self.wfile.write(tail)

    def _write_span(self, file: BinaryIO, offset: int, length: int) -> None:
        """Send ``length`` bytes from ``offset`` with sendfile(2) where possible."""
        self.wfile.flush()
        try:
            sent = self.connection.sendfile(file, offset, length)  # type: ignore[attr-defined]
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        self._extra_body_bytes += sent
        if sent != length:  # the file shrank while we were sending it
            self.close_connection = True

    def _write_gzip_chunked(self, file: BinaryIO) -> None:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        try:
            while chunk := file.read(_CHUNK):
                self._write_chunk(compressor.compress(chunk))
            self._write_chunk(compressor.flush())
            self.wfile.write(b"0\r\n\r\n")
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _write_chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


def _is_regular(file_stat: os.stat_result) -> bool:
    return stat.S_ISREG(file_stat.st_mode)
