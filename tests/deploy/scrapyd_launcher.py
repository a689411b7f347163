"""Start a real Scrapyd on 127.0.0.1 with a private config, and talk to its JSON API.

The server runs in its own process group with every directory (eggs, logs, items,
job databases) under one temporary root, and with the temporary root as its working
directory: Scrapyd starts each crawl with ``python -m scrapyd.runner``, whose
``sys.path[0]`` is that working directory, so a server started inside the checkout
would import the checkout's code instead of the deployed egg.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import free_loopback_port

#: Variables that would make a crawl import or configure something else than the egg.
_ISOLATING_UNSET = (
    "PYTHONPATH",
    "SCRAPY_SETTINGS_MODULE",
    "SCRAPY_PROJECT",
    "NETCRAWL_DATA_DIR",
    "GEOCODER_DB",
)

CONFIG_TEMPLATE = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {root}/eggs
logs_dir = {root}/logs
items_dir = {root}/items
dbs_dir = {root}/dbs
jobs_dir =
max_proc = {max_proc}
poll_interval = 0.5
finished_to_keep = 20
"""


def _process_gone() -> contextlib.suppress:
    """Signals to a group that has already exited are not an error."""
    return contextlib.suppress(ProcessLookupError, PermissionError)


class ScrapydError(RuntimeError):
    """Scrapyd did not start, or answered an API call with an error."""


@dataclass
class ScrapydServer:
    root: Path
    port: int
    process: subprocess.Popen
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def log_path(self) -> Path:
        return self.root / "scrapyd.log"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if (
            self.log_path.exists()) else ""

    def fetch(self, path: str, timeout: float = 10.0) -> bytes:
        """GET a path of the server (API endpoint, log or items URL) as bytes."""
        with urllib.request.urlopen(urllib.parse.urljoin(self.url, path), timeout=timeout) as r:
            return r.read()

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._checked(json.loads(self.fetch(endpoint + query)), endpoint)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        """POST form fields; a list because Scrapyd reads repeated ``setting`` fields."""
        request = urllib.request.Request(
            urllib.parse.urljoin(self.url, endpoint),
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return self._checked(json.loads(response.read()), endpoint)

    @staticmethod
    def _checked(answer: dict[str, Any], endpoint: str) -> dict[str, Any]:
        if answer.get("status") != "ok":
            raise ScrapydError(f"{endpoint} answered {answer}")
        return answer

    def stop(self) -> None:
        """Stop the whole process group (Scrapyd and any crawl it still runs)."""
        if self.process.poll() is None:
            with _process_gone():
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with _process_gone():
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Crawls are children in the same group; make sure none outlives the server.
        with _process_gone():
            os.killpg(self.process.pid, signal.SIGKILL)


def isolated_env(root: Path) -> dict[str, str]:
    """The server's environment: per-user folders (cache, data) inside ``root``."""
    env = {k: v for k, v in os.environ.items() if k not in _ISOLATING_UNSET}
    env.update(
        PYTHONUNBUFFERED="1",
        XDG_CACHE_HOME=str(root / "xdg-cache"),
        XDG_DATA_HOME=str(root / "xdg-data"),
    )
    return env


def start_scrapyd(root: Path, *, max_proc: int = 2, timeout: float = 30.0,
                  attempts: int = 3) -> ScrapydServer:
    """Start Scrapyd from this interpreter's environment; wait for daemonstatus.json."""
    root.mkdir(parents=True, exist_ok=True)
    env = isolated_env(root)
    last_error = ""
    for _ in range(attempts):  # another process may take the free port before Scrapyd binds it
        port = free_loopback_port()
        (root / "scrapyd.conf").write_text(
            CONFIG_TEMPLATE.format(port=port, root=root, max_proc=max_proc), encoding="utf-8"
        )
        log_path = root / "scrapyd.log"
        log_path.unlink(missing_ok=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile=", "--logfile", str(log_path)],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = ScrapydServer(root=root, port=port, process=process, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                server.get("daemonstatus.json")
                return server
            except (OSError, ValueError, ScrapydError):
                time.sleep(0.2)
        last_error = server.log_text()[-3000:]
        server.stop()
    raise ScrapydError(f"Scrapyd did not answer daemonstatus.json; its log ends:\n{last_error}")
