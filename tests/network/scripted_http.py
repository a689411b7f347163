"""Loopback HTTP servers with scripted misbehaviour, for the download command tests.

Not a conftest.py: a second module named ``conftest`` would shadow
``tests/conftest.py`` for ``from conftest import run_scrapy``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]


@dataclass
class ScriptedServer:
    """A server whose handler for each path is a function of (handler, request number)."""

    routes: dict[str, Callable[[BaseHTTPRequestHandler, int], None]] = field(default_factory=dict)
    seen: list[SeenRequest] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_for(self, path: str) -> list[SeenRequest]:
        return [seen for seen in self.seen if seen.path.split("?")[0] == path]


@contextmanager
def running_scripted_server() -> Iterator[ScriptedServer]:
    """Start a :class:`ScriptedServer` on 127.0.0.1 for the duration of the block."""
    script = ScriptedServer()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            with lock:
                script.seen.append(SeenRequest(self.path, dict(self.headers.items())))
                number = len(script.requests_for(path))
            route = script.routes.get(path)
            if route is None:
                self.send_error(404)
                return
            route(self, number)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    script.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    yield script
    httpd.shutdown()
    httpd.server_close()


def send_body(handler: BaseHTTPRequestHandler, status: int, body: bytes,
              headers: dict[str, str] | None = None, declared_length: int | None = None,
              cut_after: int | None = None) -> None:
    """Answer with ``body``; optionally declare another length and hang up after ``cut_after``."""
    handler.send_response(status)
    handler.send_header("Content-Length", str(declared_length or len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if cut_after is not None:
        handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body if cut_after is None else body[:cut_after])
    handler.wfile.flush()
    if cut_after is not None:
        handler.close_connection = True


def send_range(handler: BaseHTTPRequestHandler, data: bytes, etag: str = '"v1"',
               cut_after: int | None = None) -> None:
    """Honour ``Range: bytes=a-`` / ``a-b`` like a well-behaved server (206 or 200)."""
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", handler.headers.get("Range", ""))
    if match is None:
        send_body(handler, 200, data, headers={"ETag": etag, "Accept-Ranges": "bytes"},
                  cut_after=cut_after)
        return
    first = int(match.group(1))
    last = min(int(match.group(2)) if match.group(2) else len(data) - 1, len(data) - 1)
    send_body(handler, 206, data[first:last + 1], cut_after=cut_after, headers={
        "Content-Range": f"bytes {first}-{last}/{len(data)}", "ETag": etag,
        "Accept-Ranges": "bytes"})
