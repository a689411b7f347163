"""A real Splash 3.5 for the tests: its launcher and the pytest fixture that starts it.

This file has two roles.

**Launcher** (run with the Splash virtualenv's Python, never imported there by pytest)::

    .venv-splash/bin/python tests/rendering/splash_server.py --port 8050 [splash options]

Splash 3.5 is the last release on PyPI and runs on Debian's Qt 5 (``python3-pyqt5``,
``python3-pyqt5.qtwebkit``, ``python3-pyqt5.qtwebengine``) from a virtualenv made with
``/usr/bin/python3 -m venv --system-site-packages`` (Debian's PyQt5 imports only under
Debian's own Python 3.11). As shipped it fails on Python 3.11 in four places, which the
launcher fixes in memory before it hands over to ``splash.server.main`` (nothing in the
installed package is edited):

1. QtWebEngine refuses to start as root unless its sandbox is off:
   ``QTWEBENGINE_DISABLE_SANDBOX=1`` is set when the effective uid is 0.
2. ``splash/render_options.py`` calls ``json.loads(content, encoding='utf8')``; the
   ``encoding`` keyword was removed in Python 3.9, so every JSON POST body (what
   scrapy-splash sends) failed as "invalid_json". The module gets a ``json`` that
   accepts and ignores ``encoding``.
3. lupa's default Lua is the newest one it bundles (5.4/5.5), where ``require()``
   returns two values and Splash's Lua sandbox breaks. ``lupa.lua52`` is installed as
   ``sys.modules["lupa"]`` before Splash is imported, so every ``import lupa`` in Splash
   (including the decorators that run at import time) gets Lua 5.2.
4. ``splash:wait`` (and ``render.html``'s ``wait``) hands a float number of milliseconds
   to ``QTimer.start``, which PyQt5 on Python 3.10+ rejects. Splash's modules get a
   ``QTimer`` subclass whose ``start`` rounds a float to int.

The launcher starts its own Xvfb (``-displayfd``: the X server picks a free display
itself, so parallel test runs cannot race for one), binds Splash to ``127.0.0.1`` only
and stops Xvfb when Splash exits.

**Fixture helper** (imported by the tests under the project's venv): the session-scoped
``splash_url`` fixture finds the Splash venv (``NETCRAWL_SPLASH_PYTHON``, default
``<checkout>/.venv-splash/bin/python``), starts the launcher in its own process group on
a free port, waits for ``/_ping`` and kills the whole group (Splash and Xvfb) at the end.
It skips, naming the set-up command, when the venv or Xvfb is missing. A test module
uses it with ``from splash_server import splash_url`` (tests/rendering is on sys.path
under pytest's default import mode).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).resolve().with_name("splash-requirements.txt")
DEFAULT_SPLASH_PYTHON = CHECKOUT / ".venv-splash" / "bin" / "python"
#: How to make the Splash virtualenv (run from the checkout; also in docs/splash.md).
SETUP_COMMAND = (
    "/usr/bin/python3 -m venv --system-site-packages .venv-splash && "
    ".venv-splash/bin/pip install -r tests/rendering/splash-requirements.txt"
)
APT_PACKAGES = "python3-pyqt5 python3-pyqt5.qtwebkit python3-pyqt5.qtwebengine xvfb"
STARTUP_TIMEOUT = 45.0
#: Splash options netcrawl recommends (docs/splash.md): without its browser caches,
#: Splash answers a page's second render with full bodies, not 304s with none in the HAR.
SPLASH_OPTIONS = ("--disable-browser-caches",)
XVFB_SCREEN = "1280x1024x24"


# --- Launcher (runs under the Splash venv's Python) ---------------------------------


def _json_without_encoding() -> ModuleType:
    """A copy of the ``json`` module whose ``loads`` accepts Python 2's ``encoding`` (fix 2)."""
    module = ModuleType("json")
    module.__dict__.update(json.__dict__)

    def loads(s: str | bytes, *, encoding: str | None = None, **kwargs: Any) -> Any:
        # Python 3 decodes bytes itself (UTF-8/16/32); the argument only ever meant that.
        del encoding
        return json.loads(s, **kwargs)

    module.loads = loads  # type: ignore[attr-defined]
    return module


def _int_milliseconds_timer_class() -> type:
    """A QTimer whose ``start(msec)`` also takes the float Splash computes (fix 4)."""
    from PyQt5.QtCore import QTimer

    class IntMillisecondsQTimer(QTimer):
        def start(self, *args: Any) -> None:
            super().start(*(round(arg) if isinstance(arg, float) else arg for arg in args))

    return IntMillisecondsQTimer


def apply_splash_fixes() -> None:
    """Patch the imported Splash modules for Python 3.11 (fixes 1-4 of the module doc)."""
    if os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

    # Fix 3 must precede Splash's imports: its command decorators call
    # lupa.unpacks_lua_table_method when splash.qtrender_lua is imported, and a
    # Lua 5.5 wrapper does not recognise Lua 5.2 tables (splash:go{...} then fails).
    import lupa.lua52

    if "splash" in sys.modules:
        raise RuntimeError("apply_splash_fixes() must run before Splash is imported")
    sys.modules["lupa"] = lupa.lua52

    import splash.browser_tab
    import splash.network_manager
    import splash.qtrender_lua
    import splash.render_options

    splash.render_options.json = _json_without_encoding()

    timer_class = _int_milliseconds_timer_class()
    for module in (splash.browser_tab, splash.qtrender_lua, splash.network_manager):
        module.QTimer = timer_class


def start_xvfb(screen: str = XVFB_SCREEN) -> tuple[subprocess.Popen, str]:
    """Start Xvfb on a display it picks itself; returns the process and ``:N``."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()
    if not display:
        xvfb.kill()
        raise RuntimeError(f"Xvfb exited with {xvfb.wait()} without reporting a display")
    return xvfb, f":{display}"


def launch(argv: list[str]) -> int:
    """Run Splash (options in ``argv``) on 127.0.0.1 under a private Xvfb."""
    xvfb, display = start_xvfb()
    os.environ["DISPLAY"] = display

    def stop(signum: int, frame: object) -> None:
        # Twisted's own SIGTERM handler is replaced by qt5reactor; leave promptly and
        # let the finally clause take Xvfb down with us.
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        apply_splash_fixes()
        from splash.server import main

        main(argv=["splash", "--ip", "127.0.0.1", "--disable-xvfb", *argv])
    finally:
        xvfb.terminate()
        with suppress(subprocess.TimeoutExpired):
            xvfb.wait(5)
    return 0


# --- Fixture helper (runs under the project's venv) ---------------------------------


@dataclass
class SplashProcess:
    """A running Splash: its base URL, launcher process and log file."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        with suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def memory_bytes(self) -> int:
        """Resident memory of the launcher (Splash) and its children, Xvfb excluded."""
        total = 0
        for pid in _process_tree(self.process.pid):
            comm = Path(f"/proc/{pid}/comm")
            with suppress(OSError):
                if comm.read_text().strip() == "Xvfb":
                    continue
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total

    def stop(self) -> None:
        """Kill the whole process group (Splash, Xvfb, QtWebEngine helpers)."""
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        # Children outlive a launcher killed mid-start; the group id is the launcher's pid.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def splash_python() -> Path:
    return Path(os.environ.get("NETCRAWL_SPLASH_PYTHON", DEFAULT_SPLASH_PYTHON))


def missing_requirement() -> str | None:
    """Why Splash cannot run here (with the command that fixes it), or None."""
    python = splash_python()
    if not python.exists():
        return (
            f"Splash virtualenv not found ({python}); from the checkout run: {SETUP_COMMAND} "
            f"(needs apt packages {APT_PACKAGES}), or set NETCRAWL_SPLASH_PYTHON"
        )
    if shutil.which("Xvfb") is None:
        return "Xvfb not installed (Splash needs an X display): apt-get install xvfb"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pinged(url: str) -> bool:
    with (
        suppress(OSError, urllib.error.URLError),
        urllib.request.urlopen(url + "_ping", timeout=2) as reply,
    ):
        return reply.status == 200
    return False


def start_splash(
    log_dir: Path, *, extra_args: tuple[str, ...] = (), timeout: float = STARTUP_TIMEOUT
) -> SplashProcess:
    """Start the launcher on a free loopback port and wait until Splash answers /_ping."""
    port = _free_port()
    log_path = log_dir / f"splash-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(splash_python()), __file__, "--port", str(port), "--disable-ui",
             *SPLASH_OPTIONS, *extra_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=CHECKOUT,
        )
    running = SplashProcess(f"http://127.0.0.1:{port}/", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            running.stop()
            raise RuntimeError(
                f"Splash exited with {process.returncode} while starting:\n{running.log_tail()}"
            )
        if _pinged(running.url):
            return running
        time.sleep(0.2)
    running.stop()
    raise RuntimeError(
        f"Splash did not answer /_ping within {timeout:.0f} s:\n{running.log_tail()}"
    )


class _SharedSplash:
    """One Splash per test session, however many modules import the fixture."""

    def __init__(self) -> None:
        self.process: SplashProcess | None = None
        self.log_dir: Path | None = None

    def get(self) -> SplashProcess:
        if self.process is None:
            self.log_dir = Path(tempfile.mkdtemp(prefix="netcrawl-splash-"))
            self.process = start_splash(self.log_dir)
        return self.process

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
        if self.log_dir is not None:
            shutil.rmtree(self.log_dir, ignore_errors=True)
            self.log_dir = None


_SHARED = _SharedSplash()

try:  # the launcher runs under the Splash venv, which has no pytest
    import pytest
except ImportError:  # pragma: no cover - launcher side only
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def splash_process() -> Iterator[SplashProcess]:
        """A running Splash shared by the session (skips when it cannot run here)."""
        reason = missing_requirement()
        if reason:
            pytest.skip(reason)
        try:
            yield _SHARED.get()
        finally:
            _SHARED.stop()

    @pytest.fixture(scope="session")
    def splash_url(splash_process: SplashProcess) -> str:
        """Base URL of the session's Splash, e.g. ``http://127.0.0.1:40123/``."""
        return splash_process.url


if __name__ == "__main__":
    sys.exit(launch(sys.argv[1:]))
