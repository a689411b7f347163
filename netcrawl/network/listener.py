"""A TCP listener that reports every connection: the far end of a reachability test.

Run it on one machine and ``scrapy probe`` (or ``nc``) on another: each
connection is reported with the peer address, bytes in and out and its
duration, and with ``echo`` the data is sent back so round trips can be
checked too. Connections are handled in daemon threads, at most
``max_connections`` at a time; extra ones are accepted, reported as refused
and closed at once, so a flood cannot exhaust the machine.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from netcrawl.network.addresses import format_host_port

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionReport:
    peer: str
    bytes_received: int
    bytes_sent: int
    duration_ms: float
    outcome: str  # "closed by peer", "idle timeout", "refused: too many connections", ...

    def describe(self) -> str:
        return (f"connection from {self.peer}: received {self.bytes_received} bytes, "
                f"sent {self.bytes_sent} bytes, {self.duration_ms:.1f} ms ({self.outcome})")


class _ListenerServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], listener: ConnectionListener) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.listener = listener
        super().__init__(address, _ConnectionHandler)


class _ConnectionHandler(socketserver.BaseRequestHandler):
    server: _ListenerServer

    def handle(self) -> None:
        listener = self.server.listener
        sock: socket.socket = self.request
        peer = format_host_port(*self.client_address[:2])
        started = time.perf_counter()
        if not listener._slots.acquire(blocking=False):
            listener._report(ConnectionReport(peer, 0, 0, 0.0,
                                              "refused: too many connections"))
            return
        received = sent = 0
        outcome = "closed by peer"
        try:
            sock.settimeout(listener.idle_timeout)
            while not listener._stopping.is_set():
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    outcome = "idle timeout"
                    break
                if not data:
                    break
                received += len(data)
                if listener.echo:
                    sock.sendall(data)
                    sent += len(data)
            else:
                outcome = "listener stopped"
        except OSError as error:
            outcome = f"error: {error.strerror or error}"
        finally:
            listener._slots.release()
        duration = (time.perf_counter() - started) * 1000
        listener._report(ConnectionReport(peer, received, sent, duration, outcome))


class ConnectionListener:
    """Accept TCP connections on ``host:port`` (0: a free port) in a background thread.

    ``on_report`` is called (from the connection's thread) once per
    connection when it ends; :attr:`reached` is set once ``count``
    connections have been reported, if ``count`` is given.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        echo: bool = False,
        max_connections: int = 16,
        idle_timeout: float = 30.0,
        count: int | None = None,
        on_report: Callable[[ConnectionReport], None] | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.host = host
        self._port = port
        self.echo = echo
        self.idle_timeout = idle_timeout
        self.count = count
        self.on_report = on_report
        self.reports: list[ConnectionReport] = []
        self.reached = threading.Event()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: _ListenerServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("listener not started")
        return int(self._server.server_address[1])

    def start(self) -> ConnectionListener:
        self._server = _ListenerServer((self.host, self._port), self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="listener", daemon=True)
        self._thread.start()
        return self

    def _report(self, report: ConnectionReport) -> None:
        with self._lock:
            self.reports.append(report)
            total = len(self.reports)
        logger.debug(report.describe())
        if self.on_report is not None:
            self.on_report(report)
        if self.count is not None and total >= self.count:
            self.reached.set()

    def stop(self) -> None:
        """Stop accepting and end open connections (their threads see the flag within the
        idle timeout; the sockets are not waited for)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ConnectionListener:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
