"""A static file server that runs in a background thread.

The ``places`` spider serves a local directory given as a start URL with it,
so robots.txt, sitemaps and links go over real HTTP exactly as on a live
site; the ``serve`` command runs the same component in the foreground.
Requests are handled in daemon threads (one per connection), so many
clients at once do not stall it and :meth:`StaticFileServer.stop` never
waits for a slow client.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from netcrawl.serving.handler import StaticFileHandler


class _StaticHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its root and skips the reverse DNS lookup."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], root: Path, request_log_level: int) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.root = root
        self.request_log_level = request_log_level
        super().__init__(address, StaticFileHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can
        # hang for seconds on machines without a resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class StaticFileServer:
    """Serve ``root`` over HTTP on ``host:port`` (port 0 picks a free one).

    ``request_log_level`` is the level of the one-line access log per request
    (logger ``netcrawl.serving``): DEBUG by default so a crawl of a local
    directory stays quiet, INFO for the ``serve`` command.
    """

    def __init__(
        self,
        root: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        request_log_level: int = logging.DEBUG,
    ) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise NotADirectoryError(f"cannot serve {root}: not a directory")
        self.host = host
        self._port = port
        self.request_log_level = request_log_level
        self._httpd: _StaticHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The server's base URL, ending with a slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> StaticFileServer:
        self._httpd = _StaticHTTPServer((self.host, self._port), self.root,
                                        self.request_log_level)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"static-server:{self.root}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests; in-flight responses are abandoned, not awaited."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StaticFileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
