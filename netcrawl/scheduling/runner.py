"""Run one scheduled crawl as a ``scrapy crawl`` child process, and stop it when told.

Each crawl gets its own process (a Twisted reactor cannot be restarted, and a crash
or a memory leak of one crawl must not take the scheduler down), started with
``sys.executable -m scrapy crawl`` in the project root, in its own process group
(so a runtime limit or a scheduler shutdown also stops whatever the crawl started,
e.g. browsers, and a Ctrl-C in the scheduler's terminal reaches only the scheduler,
which then stops its children in order).

Every attempt writes ``<state dir>/logs/<entry>/<UTC timestamp>.log``: a header with
the command line, the child's stdout and stderr (Scrapy's log), and a footer with
the exit status. The run folder's ``crawl.log`` is written by the runs add-on too.

Stopping, for a runtime limit or a scheduler shutdown: SIGTERM to the group first,
which makes Scrapy close the spider cleanly (feeds are written, the run folder is
closed with finish reason ``shutdown``), then SIGKILL once ``stop_grace`` has passed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from netcrawl.commands.crawl import HEALTH_FAILURE_EXIT_CODE
from netcrawl.datasets.runs import run_timestamp
from netcrawl.scheduling.config import ScheduleEntry
from netcrawl.scheduling.locking import EntryLock
from netcrawl.scheduling.state import FAILED, HEALTH_FAILED, KILLED, OK, STOPPED, TIMED_OUT
from netcrawl.scheduling.timing import utc_now

#: Settings every scheduled crawl gets before the entry's own (which may override them).
BASE_CHILD_SETTINGS = {"NETCRAWL_RUNS_ENABLED": "True"}


def crawl_command(
    entry: ScheduleEntry,
    extra_settings: Mapping[str, str] | None = None,
    python: str = sys.executable,
) -> list[str]:
    """The child's argv: ``scrapy crawl`` with ``--fail-on-health`` (exit status 3).

    Settings are applied in order, later ones winning: the run-history switch, the
    scheduler's own ``-s`` options (``extra_settings``), then the entry's settings.
    """
    argv = [python, "-m", "scrapy", "crawl", entry.spider, "--fail-on-health"]
    for key, value in entry.args.items():
        argv += ["-a", f"{key}={value}"]
    settings = {**BASE_CHILD_SETTINGS, **(extra_settings or {}), **entry.settings}
    for key, value in settings.items():
        argv += ["-s", f"{key}={value}"]
    return argv


def new_log_path(log_dir: Path, entry_name: str, now: datetime | None = None) -> Path:
    """A fresh ``<log dir>/<entry>/<UTC timestamp>[-N].log`` (never reuses a file)."""
    directory = log_dir / entry_name
    directory.mkdir(parents=True, exist_ok=True)
    stamp = run_timestamp(now)
    for sequence in range(1000):
        name = f"{stamp}.log" if sequence == 0 else f"{stamp}-{sequence}.log"
        path = directory / name
        try:
            with path.open("x", encoding="utf-8"):
                return path
        except FileExistsError:
            continue
    raise RuntimeError(f"could not allocate a log file in {directory}")


def _log_order(path: Path) -> tuple[str, int]:
    """Chronological order of log names: ``<stamp>.log`` before ``<stamp>-1.log``."""
    stamp, _, sequence = path.stem.partition("-")
    return stamp, int(sequence) if sequence.isdigit() else 0


def prune_logs(log_dir: Path, entry_name: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` logs of an entry (``keep <= 0``: keep all)."""
    directory = log_dir / entry_name
    if keep <= 0 or not directory.is_dir():
        return []
    logs = sorted(directory.glob("*.log"), key=_log_order)
    removed = logs[:-keep] if len(logs) > keep else []
    for path in removed:
        with contextlib.suppress(OSError):
            path.unlink()
    return removed


def classify_exit(exit_code: int, *, timed_out: bool = False, stopped: bool = False) -> str:
    """The outcome recorded for a child that ended with ``exit_code``."""
    if timed_out:
        return TIMED_OUT
    if stopped:
        return STOPPED
    if exit_code == 0:
        return OK
    if exit_code == HEALTH_FAILURE_EXIT_CODE:
        return HEALTH_FAILED
    if exit_code < 0:
        return KILLED
    return FAILED


_ERROR_LINE = re.compile(r"\] (?:ERROR|CRITICAL): (?P<message>.+)$")
_SCHEDULER_LINE = "[netcrawl.schedule]"


def last_error(log_path: Path, tail_bytes: int = 64 * 1024) -> str | None:
    """The crawl's last ERROR/CRITICAL log message, or the last line of a traceback.

    Recorded with a failed run so ``--list`` says why without opening the log.
    """
    try:
        with log_path.open("rb") as handle:
            handle.seek(max(0, log_path.stat().st_size - tail_bytes))
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    lines = [line for line in lines if line.strip() and _SCHEDULER_LINE not in line]
    for line in reversed(lines):
        match = _ERROR_LINE.search(line)
        if match:
            return match["message"].strip()[:300]
    if lines and not lines[-1].startswith((" ", "\t")) and "Error" in lines[-1]:
        return lines[-1].strip()[:300]  # an uncaught exception's last traceback line
    return None


def describe_exit(exit_code: int) -> str:
    if exit_code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-exit_code).name}"
        return f"killed by signal {-exit_code}"
    return f"exit status {exit_code}"


@dataclass
class CrawlProcess:
    """A started crawl; :meth:`poll` enforces the runtime limit and reports the end."""

    entry: ScheduleEntry
    process: subprocess.Popen
    lock: EntryLock
    log_path: Path
    started: datetime
    argv: list[str]
    deadline: float | None = None  # time.monotonic() value
    term_sent_at: float | None = None
    kill_sent: bool = False
    timed_out: bool = False
    stopped: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def terminate(self, *, reason_timeout: bool = False) -> None:
        """Ask the crawl to stop (SIGTERM to its group); SIGKILL follows after the grace."""
        if reason_timeout:
            self.timed_out = True
        elif not self.timed_out:
            self.stopped = True
        if self.term_sent_at is None:
            self.term_sent_at = time.monotonic()
            why = "max_runtime reached" if self.timed_out else "the scheduler is stopping"
            self.note(f"sending SIGTERM ({why})")
            self._signal_group(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the crawl's group (once): for crawls that ignore or outlast SIGTERM."""
        if self.kill_sent:
            return
        self.kill_sent = True
        self.note("sending SIGKILL")
        self._signal_group(signal.SIGKILL)

    def poll(self, monotonic_now: float | None = None) -> int | None:
        """The exit code once the child has ended, None while it runs."""
        now = time.monotonic() if monotonic_now is None else monotonic_now
        code = self.process.poll()
        if code is not None:
            # The crawl is over, but whatever it started in its group must not outlive it.
            self._signal_group(signal.SIGKILL)
            return code
        if self.deadline is not None and self.term_sent_at is None and now >= self.deadline:
            self.terminate(reason_timeout=True)
        elif (
            self.term_sent_at is not None
            and now - self.term_sent_at >= self.entry.stop_grace.total_seconds()
        ):
            self.kill()
        return None

    def open_folders_below(self, directory: Path) -> set[Path]:
        """Folders directly below ``directory`` in which the crawl has a file open.

        How the scheduler learns which run folder a crawl writes (its ``crawl.log`` stays
        open while it runs), even when several crawls of one spider run at once. Reads
        ``/proc/<pid>/fd``, so it finds nothing where there is no /proc (the caller then
        falls back to comparing folder listings).
        """
        fd_dir = Path(f"/proc/{self.process.pid}/fd")
        try:
            targets = [os.readlink(fd_dir / name) for name in os.listdir(fd_dir)]
        except OSError:
            return set()
        prefix = str(directory) + os.sep
        return {directory / Path(target[len(prefix):]).parts[0]
                for target in targets if target.startswith(prefix)}

    def note(self, message: str) -> None:
        """Append a scheduler line to the run's log file."""
        with contextlib.suppress(OSError), self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"{utc_now().isoformat(timespec='seconds')} [netcrawl.schedule] {message}\n")

    def outcome(self, exit_code: int) -> str:
        return classify_exit(exit_code, timed_out=self.timed_out, stopped=self.stopped)


def start_crawl(
    entry: ScheduleEntry,
    lock: EntryLock,
    *,
    log_dir: Path,
    cwd: Path,
    extra_settings: Mapping[str, str] | None = None,
    header: Iterable[str] = (),
    python: str = sys.executable,
) -> CrawlProcess:
    """Start ``entry``'s crawl with its lock held; raises OSError if it cannot start."""
    argv = crawl_command(entry, extra_settings, python)
    started = utc_now()
    log_path = new_log_path(log_dir, entry.name, started)
    with log_path.open("a", encoding="utf-8") as log:
        for line in header:
            log.write(f"{started.isoformat(timespec='seconds')} [netcrawl.schedule] {line}\n")
        log.write(f"{started.isoformat(timespec='seconds')} [netcrawl.schedule] command: "
                  f"{subprocess.list2cmdline(argv)} (in {cwd})\n")
    log_handle = log_path.open("ab")
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # The crawl keeps the entry locked even if the scheduler dies before it.
            pass_fds=(lock.fd,) if lock.fd is not None else (),
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
    finally:
        log_handle.close()
    lock.write_holder(os.getpid(), process.pid)
    deadline = None
    if entry.max_runtime is not None:
        deadline = time.monotonic() + entry.max_runtime.total_seconds()
    return CrawlProcess(entry, process, lock, log_path, started, argv, deadline)
