"""One ``flock`` per entry: never two runs of one entry at once, whatever starts them.

The lock lives in ``<state dir>/locks/<entry>.lock``. ``flock`` locks belong to the
open file description, so they are released by the kernel when the holder dies (no
stale lock after a crash or a power cut) and are shared with a child process that
inherits the descriptor: the scheduler passes it to the crawl it starts, so even if
the scheduler itself is killed, the orphaned crawl keeps the entry locked until it
ends, and a scheduler started meanwhile (or a ``--once`` from cron) skips the entry.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class EntryLock:
    """Non-blocking exclusive lock on one entry's lock file."""

    def __init__(self, state_dir: str | os.PathLike[str], name: str) -> None:
        self.path = Path(state_dir) / "locks" / f"{name}.lock"
        self.fd: int | None = None

    @property
    def held(self) -> bool:
        return self.fd is not None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False (at once, no waiting) otherwise."""
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        self.write_holder(os.getpid())
        return True

    def write_holder(self, *pids: int) -> None:
        """Note who holds the lock (for people looking at the file; not used to lock)."""
        if self.fd is None:
            return
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, (" ".join(str(pid) for pid in pids) + "\n").encode(), 0)

    def holder(self) -> str:
        """The pids written by the current or last holder (informational)."""
        with contextlib.suppress(OSError):
            return self.path.read_text(encoding="ascii").strip()
        return ""

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        # Closing drops our reference; a child that inherited it keeps the lock alive.
        os.close(fd)

    def __enter__(self) -> EntryLock:
        if not self.acquire():
            raise BlockingIOError(f"{self.path} is locked by another process")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
