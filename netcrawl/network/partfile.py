"""The on-disk state of an unfinished download: ``FILE.part`` and what it came from.

Three files live next to the destination while a download runs:

``FILE.part``
    bytes already received and accepted, in order, from offset 0;
``FILE.part.json``
    the URL they came from and its validators (ETag, Last-Modified), so a
    later attempt or a later run resumes only the same resource (with
    ``If-Range``) and never glues two different files together;
``FILE.part.segment``
    the body of the response arriving right now. It joins ``FILE.part``
    only once the response is known good (status 200, or 206 whose
    Content-Range starts where ``FILE.part`` ends); an error page or a
    mismatched range is thrown away.

The destination name itself appears only through :meth:`PartFile.finalise`,
after size and checksum are verified, by an atomic rename.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class PartOrigin:
    """Where the bytes in ``FILE.part`` came from."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    total: int | None = None

    @property
    def if_range(self) -> str | None:
        """A validator for If-Range: a strong ETag, else Last-Modified."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified


class ChecksumMismatch(Exception):
    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"checksum mismatch: expected sha256 {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class PartFile:
    """Accepted bytes, the in-flight segment, and the atomic final rename."""

    def __init__(self, destination: Path) -> None:
        self.destination = destination
        self.part = destination.with_name(destination.name + ".part")
        self.sidecar = destination.with_name(destination.name + ".part.json")
        self.segment = destination.with_name(destination.name + ".part.segment")
        self._segment_file: BinaryIO | None = None
        self.segment_bytes = 0
        self.origin: PartOrigin | None = None

    # -- accepted bytes --------------------------------------------------------

    @property
    def size(self) -> int:
        try:
            return self.part.stat().st_size
        except FileNotFoundError:
            return 0

    def adopt_existing(self, url: str) -> int:
        """Keep a ``.part`` left by an earlier run if it came from ``url``; return its size.

        Anything else (no sidecar, another URL, unreadable) is discarded: a
        partial file of unknown origin cannot be resumed safely.
        """
        self.drop_segment()
        try:
            origin = PartOrigin(**json.loads(self.sidecar.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            origin = None
        if origin is None or origin.url != url or not self.part.exists():
            self.discard()
            return 0
        self.origin = origin
        return self.size

    def _write_sidecar(self, origin: PartOrigin) -> None:
        self.origin = origin
        temporary = self.sidecar.with_name(self.sidecar.name + ".tmp")
        temporary.write_text(json.dumps(asdict(origin)), encoding="utf-8")
        os.replace(temporary, self.sidecar)

    def discard(self) -> None:
        """Forget everything: partial bytes, origin and segment."""
        self.drop_segment()
        for path in (self.part, self.sidecar):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self.origin = None

    # -- the response in flight ------------------------------------------------

    def begin_segment(self) -> None:
        self.drop_segment()
        self._segment_file = self.segment.open("wb")
        self.segment_bytes = 0

    def write(self, data: bytes) -> None:
        if self._segment_file is None:
            self.begin_segment()
        assert self._segment_file is not None
        self._segment_file.write(data)
        self.segment_bytes += len(data)

    def _close_segment(self) -> None:
        if self._segment_file is not None:
            self._segment_file.close()
            self._segment_file = None

    def drop_segment(self) -> None:
        self._close_segment()
        with contextlib.suppress(FileNotFoundError):
            self.segment.unlink()
        self.segment_bytes = 0

    def accept_as_whole(self, origin: PartOrigin) -> None:
        """The segment is the resource from byte 0 (a 200): it replaces ``.part``."""
        self._close_segment()
        if not self.segment.exists():
            self.segment.touch()
        os.replace(self.segment, self.part)
        self.segment_bytes = 0
        self._write_sidecar(origin)

    def accept_as_continuation(self, origin: PartOrigin) -> None:
        """The segment continues ``.part`` exactly (a verified 206): append it."""
        self._close_segment()
        if self.segment.exists():
            with self.part.open("ab") as part, self.segment.open("rb") as segment:
                shutil.copyfileobj(segment, part, 1024 * 1024)
            self.segment.unlink()
        self.segment_bytes = 0
        self._write_sidecar(origin)

    # -- completion --------------------------------------------------------------

    def finalise(self, expected_sha256: str | None) -> str:
        """Verify the checksum, then rename ``.part`` to the destination; return the sha256.

        On a mismatch the partial state is discarded (the bytes are wrong, not
        merely incomplete) and :class:`ChecksumMismatch` is raised; nothing
        appears under the destination name.
        """
        self._close_segment()
        actual = file_sha256(self.part)
        if expected_sha256 is not None and actual != expected_sha256.lower():
            self.discard()
            raise ChecksumMismatch(expected_sha256.lower(), actual)
        with self.part.open("rb+") as part:
            os.fsync(part.fileno())
        os.replace(self.part, self.destination)
        self.discard()
        return actual
