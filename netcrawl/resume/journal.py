"""The crawl journal: an append-only file that a SIGKILL cannot leave inconsistent.

Scrapy's stock ``JOBDIR`` state is written late: the scheduler's queue index
(``requests.queue/active.json``) only when the spider closes, ``requests.seen``
through a buffered file. A crawl killed with SIGKILL therefore resumes with a
frontier that does not match what was fetched. This journal records every
state change as it happens instead, one record per line, each written with a
single ``os.write`` on an ``O_APPEND`` descriptor. The kernel keeps what a
``write`` handed it even when the process is killed right after, so a SIGKILL
can at most cut the very last line; :func:`load_journal` ignores a line
without its newline (and any line it cannot parse), counts it, and
:meth:`Journal.open` truncates that torn tail before appending again.

Records (space-separated, payloads base64 so they never contain a space or a
newline)::

    netcrawl-journal 1 <spider>     header, first line
    O <run>                         a crawl (re)started on this journal: run 1, 2...
    R <id> <fingerprint> <payload>  a request the crawl will fetch (payload: pickled
                                    ``Request.to_dict()``)
    S <fingerprint>                 a fingerprint the duplicate filter let through
                                    without a request record (a redirect target)
    I <key> <payload>               an item (pickled, as the spider yielded it) produced
                                    by the response of fetch ``<key>``
    D <key>                         fetch ``<key>`` is finished: all its output is above

A fetch key is ``<id>.<run>`` (request ``<id>`` fetched in run ``<run>``), or
``f<fingerprint>.<run>`` for a response whose request was not journaled (Redis
frontier, unserialisable request). The run is part of the key because a page
that was being read when the crawl was killed is fetched again by the next run:
the items the killed run had journaled for it must not count, the new ones must.

Why exactly-once holds without relying on deduplication: an item only counts
(:meth:`JournalState.committed_payloads`) when its fetch key has a ``D``
record, which is written after the fetch's whole output; the items of an
unfinished fetch are ignored because its request is still pending and yields
them again, under the next run's key, when fetched again on resume.

Power loss is not covered unless ``fsync`` is asked for (see
:class:`Journal`): without it the page cache may lose a tail of records, which
only means more refetching, as long as the file system keeps appends in order.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"netcrawl-journal"
VERSION = 1
#: File name of the journal inside ``JOBDIR``.
JOURNAL_NAME = "netcrawl.journal"


class JournalError(Exception):
    """The journal cannot be used (wrong spider, unknown version, unreadable)."""


def encode_payload(data: bytes) -> bytes:
    return base64.b64encode(data)


def decode_payload(text: bytes) -> bytes:
    return base64.b64decode(text, validate=True)


def fetch_key(run: int, request_id: int | None, fingerprint: bytes = b"") -> str:
    """The key that tags a fetch's items and its ``D`` record (see the module docstring)."""
    if request_id is not None:
        return f"{request_id}.{run}"
    return f"f{fingerprint.hex()}.{run}"


def _request_id_of(key: str) -> int | None:
    head = key.partition(".")[0]
    return int(head) if head.isdigit() else None


@dataclass
class PendingRequest:
    """A journaled request with no ``D`` record yet: it must be fetched (again)."""

    request_id: int
    fingerprint: bytes
    payload: bytes  # pickled Request.to_dict()


@dataclass
class JournalState:
    """What a journal says about a crawl, read by :func:`load_journal`."""

    path: Path
    #: Byte length of the intact part (a torn last line is beyond it).
    valid_length: int = 0
    records: int = 0
    #: Lines that could not be read: a torn last line, or damage anywhere.
    bad_lines: int = 0
    torn_tail: bool = False
    spider: str | None = None
    #: Every fingerprint the duplicate filter let through (requests and ``S`` records).
    seen: set[bytes] = field(default_factory=set)
    #: Keys of finished fetches.
    done: set[str] = field(default_factory=set)
    #: Ids of the requests whose fetch finished (in any run).
    done_requests: set[int] = field(default_factory=set)
    #: Runs so far (``O`` records); the next crawl is run ``runs + 1``.
    runs: int = 0
    #: Requests without a ``D`` record, in the order they were journaled.
    pending: list[PendingRequest] = field(default_factory=list)
    requests: int = 0
    items: int = 0
    committed_items: int = 0
    next_id: int = 1

    @property
    def is_new(self) -> bool:
        """Nothing journaled yet (a run killed before its first request counts as new)."""
        return not (self.requests or self.items or self.done or self.seen)

    def committed_payloads(self) -> Iterator[bytes]:
        """The pickled items of finished fetches, in journal order (a second read)."""
        if self.valid_length == 0:
            return
        with self.path.open("rb") as file:
            remaining = self.valid_length
            for line in file:
                remaining -= len(line)
                if remaining < 0:
                    break
                parts = line.split()
                if (len(parts) == 3 and parts[0] == b"I"
                        and parts[1].decode(errors="replace") in self.done):
                    try:
                        yield decode_payload(parts[2])
                    except (binascii.Error, ValueError):
                        continue  # counted as a bad line by load_journal


def load_journal(path: str | Path) -> JournalState:
    """Read a journal; a missing file is an empty journal.

    Raises :class:`JournalError` for a file that is not a netcrawl journal.
    """
    state = JournalState(Path(path))
    if not state.path.exists():
        return state
    requests: dict[int, PendingRequest] = {}
    item_keys: dict[str, int] = {}
    offset = 0
    with state.path.open("rb") as file:
        for number, line in enumerate(file):
            if not line.endswith(b"\n"):
                # Only the last line can lack its newline: the write that was cut.
                state.torn_tail = True
                state.bad_lines += 1
                break
            offset += len(line)
            if number == 0:
                _read_header(line, state)
                state.valid_length = offset
                continue
            if _read_record(line.split(), state, requests, item_keys):
                state.records += 1
            else:
                state.bad_lines += 1
            state.valid_length = offset
    # Each request record is one fetch the duplicate filter admitted (a second
    # record with the same fingerprint is a ``dont_filter`` request: a fetch of
    # its own), so what is pending is simply what is not done.
    state.pending = [
        pending for request_id, pending in sorted(requests.items())
        if request_id not in state.done_requests
    ]
    state.committed_items = sum(count for key, count in item_keys.items() if key in state.done)
    return state


def _read_header(line: bytes, state: JournalState) -> None:
    parts = line.split()
    if len(parts) < 2 or parts[0] != MAGIC:
        raise JournalError(f"{state.path} is not a netcrawl journal")
    if parts[1] != str(VERSION).encode():
        raise JournalError(
            f"{state.path} is a version {parts[1].decode(errors='replace')} journal; "
            f"this netcrawl reads version {VERSION}"
        )
    state.spider = parts[2].decode() if len(parts) > 2 else None


def _read_record(
    parts: list[bytes],
    state: JournalState,
    requests: dict[int, PendingRequest],
    item_keys: dict[str, int],
) -> bool:
    """Apply one record; False when it is malformed."""
    try:
        kind = parts[0]
        if kind == b"R" and len(parts) == 4:
            request_id = int(parts[1])
            fingerprint = bytes.fromhex(parts[2].decode())
            payload = decode_payload(parts[3])
            requests[request_id] = PendingRequest(request_id, fingerprint, payload)
            state.seen.add(fingerprint)
            state.requests += 1
            state.next_id = max(state.next_id, request_id + 1)
        elif kind == b"S" and len(parts) == 2:
            state.seen.add(bytes.fromhex(parts[1].decode()))
        elif kind == b"I" and len(parts) == 3:
            decode_payload(parts[2])
            key = parts[1].decode()
            item_keys[key] = item_keys.get(key, 0) + 1
            state.items += 1
        elif kind == b"D" and len(parts) == 2:
            key = parts[1].decode()
            state.done.add(key)
            request_id = _request_id_of(key)
            if request_id is not None:
                state.done_requests.add(request_id)
        elif kind == b"O" and len(parts) == 2:
            state.runs = max(state.runs, int(parts[1]))
        else:
            return False
    except (IndexError, ValueError, UnicodeDecodeError, binascii.Error):
        return False
    return True


class Journal:
    """The append side of a journal file.

    ``fsync=True`` flushes the file to disk after every ``D`` record (power-loss
    safety at the cost of one disk flush per page).
    """

    def __init__(self, path: str | Path, *, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._fd: int | None = None

    def open(self, state: JournalState, spider_name: str) -> int:
        """Open for appending after ``state`` was loaded; drop a torn tail; start a run.

        Returns the number of the run that starts (see :func:`fetch_key`).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        size = os.fstat(self._fd).st_size
        if size > state.valid_length:
            # The torn record is garbage; without the cut, the next record would
            # be glued to it and lost as well. Through the descriptor: the file we
            # append to, even if the path was replaced since load_journal read it.
            os.ftruncate(self._fd, state.valid_length)
        if state.valid_length == 0:
            self._write(b"%s %d %s\n" % (MAGIC, VERSION, spider_name.encode()))
        run = state.runs + 1
        self._write(b"O %d\n" % run)
        if self.fsync and size == 0:
            # A new file: its directory entry must reach the disk too, or a power cut
            # loses the whole journal however often its records are flushed.
            # (Kept here, not shared with netcrawl.exporters.storage: this module must
            # stay importable without Scrapy and the exporters' dependencies.)
            os.fsync(self._fd)
            try:
                directory = os.open(self.path.parent, os.O_RDONLY)
            except OSError:  # a platform whose directories cannot be opened (Windows)
                return run
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return run

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None

    def request(self, request_id: int, fingerprint: bytes, payload: bytes) -> None:
        self._write(b"R %d %s %s\n" % (request_id, fingerprint.hex().encode(),
                                        encode_payload(payload)))

    def seen(self, fingerprint: bytes) -> None:
        self._write(b"S %s\n" % fingerprint.hex().encode())

    def item(self, key: str, payload: bytes) -> None:
        self._write(b"I %s %s\n" % (key.encode(), encode_payload(payload)))

    def done(self, key: str) -> None:
        self._write(b"D %s\n" % key.encode())
        if self.fsync and self._fd is not None:
            os.fsync(self._fd)

    def _write(self, record: bytes) -> None:
        if self._fd is None:
            raise JournalError(f"journal {self.path} is not open")
        view = memoryview(record)
        while view:
            # One write for the whole record on a regular file; the loop only
            # matters for a short write (disk nearly full), which raises next time.
            written = os.write(self._fd, view)
            view = view[written:]
