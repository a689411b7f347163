"""Start long-running ``scrapy`` commands (serve, listen) as child processes for tests."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class RunningCommand:
    """A ``scrapy`` child process whose stdout is read line by line with deadlines."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", *args], cwd=PROJECT_ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []

    def wait_for_line(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """Read stdout until a line matches ``pattern``; fail with the output so far."""
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if not selector.select(timeout=max(deadline - time.monotonic(), 0)):
                    break
                line = self.process.stdout.readline()
                if not line:
                    break
                self.lines.append(line.rstrip("\n"))
                if match := re.search(pattern, line):
                    return match
        finally:
            selector.close()
        self.stop()
        raise AssertionError(f"no line matching {pattern!r}; stdout={self.lines!r} "
                             f"stderr={self.process.stderr.read() if self.process.stderr else ''}")

    def interrupt(self, signum: int = signal.SIGINT,
                  timeout: float = 2.0) -> tuple[float, str, str]:
        """Send ``signum``; return (seconds until exit, rest of stdout, stderr)."""
        started = time.monotonic()
        self.process.send_signal(signum)
        stdout, stderr = self.process.communicate(timeout=timeout + 5)
        return time.monotonic() - started, stdout, stderr

    def finish(self, timeout: float = 30) -> tuple[str, str]:
        stdout, stderr = self.process.communicate(timeout=timeout)
        return stdout, stderr

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
