"""A static file server that runs in a background thread.

The ``places`` spider serves a local directory given as a start URL with it,
so robots.txt, sitemaps and links go over real HTTP exactly as on a live
site; the ``serve`` command runs the same component in the foreground.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class StaticFileServer:
    """Serve ``root`` over HTTP on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise NotADirectoryError(f"cannot serve {root}: not a directory")
        self.host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The server's base URL, ending with a slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> StaticFileServer:
        handler = partial(SimpleHTTPRequestHandler, directory=str(self.root))
        self._httpd = ThreadingHTTPServer((self.host, self._port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"static-server:{self.root}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> StaticFileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
