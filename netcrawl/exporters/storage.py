"""Atomic local file storage: an export file is either complete or absent.

Scrapy's ``FileFeedStorage`` writes straight into the final file, so a crawl
that is killed (or an exporter that fails while closing) leaves a truncated
GeoJSON document or a Parquet file without its footer under the name that
downstream jobs read. :class:`AtomicFileFeedStorage` writes to a hidden
temporary name in the same directory (same file system, so the final
``os.replace`` is an atomic rename) and only renames it onto the final name
in :meth:`~AtomicFileFeedStorage.store`, after the exporter has finished.

Temporary files are named ``.<final name>.<pid>-<random>.part``: clearly
incomplete, ignored by globbing for the final name, and tied to the process
that wrote them, so the next run removes the ones whose writer is gone.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.extensions.feedexport import FileFeedStorage

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Formats whose files can be continued by appending bytes (``-o`` mode): a
#: sequence of records with no footer that would end up in the middle (a JSON
#: array, a GeoJSON FeatureCollection, XML or Parquet would become invalid).
APPENDABLE_FORMATS: frozenset[str] = frozenset(
    {"jsonl", "jsonlines", "jl", "csv", "pickle", "marshal"}
)

_PART_SUFFIX = ".part"


def temporary_name_pattern(final: Path) -> re.Pattern[str]:
    """Match the temporary names used for ``final``; group ``pid`` is the writer's."""
    name, suffix = re.escape(final.name), re.escape(_PART_SUFFIX)
    return re.compile(rf"^\.{name}\.(?P<pid>\d+)-[0-9a-f]+{suffix}$")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(final: Path) -> list[Path]:
    """Delete temporary files left for ``final`` by writers that no longer run.

    Temporaries of live processes (another crawl writing the same file right
    now) are kept. Returns the removed paths.
    """
    pattern = temporary_name_pattern(final)
    removed: list[Path] = []
    directory = final.parent
    if not directory.is_dir():
        return removed
    for candidate in directory.iterdir():
        match = pattern.match(candidate.name)
        if match and not _process_alive(int(match["pid"])):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
                removed.append(candidate)
                logger.info("Removed the incomplete export %s left by an earlier run", candidate)
    return removed


class AtomicFile:
    """A temporary file next to ``final`` that becomes ``final`` on :meth:`commit`.

    ``append=True`` starts the temporary file with a copy of ``final`` (when it
    exists), so appending keeps the earlier content and is atomic too.
    """

    def __init__(self, final: str | Path, *, append: bool = False) -> None:
        self.final = Path(final)
        self.append = append
        self.temporary: Path | None = None
        self.file: IO[bytes] | None = None

    def open(self) -> IO[bytes]:
        directory = self.final.parent
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.final)
        name = f".{self.final.name}.{os.getpid()}-{secrets.token_hex(4)}{_PART_SUFFIX}"
        self.temporary = directory / name
        # O_EXCL: never reuse somebody else's file; 0o666 lets the umask decide
        # the final permissions, as for a file opened with open(..., "w").
        descriptor = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self.file = os.fdopen(descriptor, "wb")
        if self.append and self.final.exists():
            self._copy_existing(self.file)
        return self.file

    def _copy_existing(self, target: IO[bytes]) -> None:
        with self.final.open("rb") as existing:
            shutil.copyfileobj(existing, target)
            size = existing.tell()
            if size:
                existing.seek(size - 1)
                if existing.read(1) != b"\n":
                    # Without it the first appended record would join the last line.
                    target.write(b"\n")
        shutil.copymode(self.final, self.temporary)  # type: ignore[arg-type]

    def commit(self, file: IO[bytes] | None = None) -> Path:
        """Flush the data to disk and rename the temporary file onto the final name."""
        file = file or self.file
        if self.temporary is None or file is None:
            raise RuntimeError("commit() before open()")
        if not file.closed:
            file.flush()
            os.fsync(file.fileno())
            file.close()
        os.replace(self.temporary, self.final)
        self.temporary = None
        _fsync_directory(self.final.parent)
        return self.final

    def discard(self) -> None:
        """Close and delete the temporary file; the final name stays untouched."""
        if self.file is not None and not self.file.closed:
            self.file.close()
        if self.temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                self.temporary.unlink()
            self.temporary = None


@contextlib.contextmanager
def atomic_text(path: str | Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """A UTF-8 text file that appears under ``path`` only when the block ends cleanly.

    For the small files written beside datasets (stats, fill rates, reports): on an
    error the temporary file is deleted and whatever was at ``path`` stays.
    """
    atomic = AtomicFile(path)
    text = io.TextIOWrapper(atomic.open(), encoding="utf-8", newline=newline)
    try:
        yield text
        text.flush()
        atomic.commit(text.detach())
    except BaseException:
        atomic.discard()
        raise


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def check_append_supported(path: str | Path, format_name: str | None) -> None:
    """Refuse to append to an existing file of a format with a header or footer.

    GeoJSON has a closing ``]}`` and Parquet a footer with the schema and row
    group index, so bytes appended after them make the file unreadable.
    """
    if format_name in APPENDABLE_FORMATS or format_name is None:
        return
    final = Path(path)
    if final.exists() and final.stat().st_size > 0:
        raise UsageError(
            f"Cannot append {format_name} items to the existing file {final}: only "
            f"formats without a footer ({', '.join(sorted(APPENDABLE_FORMATS))}) can be "
            f"appended to. Use -O to overwrite it, or write to a new file."
        )


class AtomicFileFeedStorage(FileFeedStorage):
    """Feed storage for plain paths and ``file://`` URIs that never leaves partial files.

    ``-O`` (``overwrite: true``) replaces the final file when the crawl ends;
    ``-o`` (append) copies the existing file into the temporary one first.
    Appending to an existing GeoJSON or Parquet file is refused before the
    crawl starts (see :func:`check_append_supported`).
    """

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.format: str | None = (feed_options or {}).get("format")
        self.append = self.write_mode == "ab"
        if self.append:
            check_append_supported(self.path, self.format)
        self._atomic = AtomicFile(self.path, append=self.append)

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> Self:
        storage = cls(uri, feed_options=feed_options)
        # Runs after every spider_closed handler (where the feed is stored): a
        # temporary file still present then belongs to a feed that failed.
        crawler.signals.connect(storage._discard_unstored, signal=signals.engine_stopped)
        return storage

    def open(self, spider: Spider | None = None) -> IO[bytes]:
        return self._atomic.open()

    def store(self, file: IO[bytes]) -> None:
        final = self._atomic.commit(file)
        logger.debug("Renamed the finished export onto %s", final)

    def _discard_unstored(self) -> None:
        if self._atomic.temporary is not None:
            logger.error(
                "The export to %s did not finish; its temporary file was removed and "
                "the final file left untouched",
                self.path,
            )
            self._atomic.discard()
