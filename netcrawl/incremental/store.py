"""The page store of incremental crawls: one SQLite file per spider.

For every page a crawl downloaded in full (2xx with an ETag or a
Last-Modified header), the store keeps, under the request fingerprint:
the URL, its site (``scheme://host:port``), the validators, the decoded body
size, the items the callback yielded and the requests it yielded (tagged JSON
from :mod:`netcrawl.incremental.codec`), and when the page was last seen.

A crawl never writes the store it reads. :class:`PreviousPages` opens the
last complete store read-only; :class:`PageStoreWriter` fills a hidden
temporary file next to it (``.incremental.sqlite.<pid>-<hex>.part``) and
:meth:`PageStoreWriter.commit` renames it over the old one only when the crawl
finished cleanly. So a killed, interrupted or failed crawl leaves the
previous store untouched, and a reader never sees a half-written one. Every
record is self-consistent (its validators belong to the very body its items
and requests came from), whichever crawl wrote it.

What the new store holds: the pages of this crawl, plus the pages of the
*other* sites of the previous store (seen within ``keep_days``), so crawling
site A, then site B with the same spider does not forget A. Pages of a site
this crawl recorded but did not see again are dropped: they were removed,
unlinked, or failed this time, and will be downloaded in full next time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from netcrawl import __version__
from netcrawl.exporters.storage import remove_stale_temporaries

logger = logging.getLogger(__name__)

#: Bumped whenever the table layout or the JSON encoding changes.
FORMAT_VERSION = "1"
STORE_FILE = "incremental.sqlite"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (
    fingerprint BLOB PRIMARY KEY,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    body_size INTEGER NOT NULL,
    items TEXT NOT NULL,
    requests TEXT NOT NULL,
    seen REAL NOT NULL
);
CREATE INDEX pages_site ON pages (site);
"""
_COLUMNS = "url, site, etag, last_modified, body_size, items, requests, seen"
#: Rows written between two commits of the temporary file.
_COMMIT_EVERY = 500


def site_of(url: str) -> str:
    """``scheme://netloc`` of a URL: the unit whose pages one crawl refreshes."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def store_path(base_dir: str | os.PathLike[str], spider_name: str) -> Path:
    """``<base_dir>/<spider>/incremental.sqlite`` (next to the spider's run folders)."""
    if not spider_name or "/" in spider_name or spider_name in {".", ".."}:
        raise ValueError(f"invalid spider name for a page store: {spider_name!r}")
    return Path(base_dir) / spider_name / STORE_FILE


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends back: the ETag and/or Last-Modified values seen."""

    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class PageRecord:
    """One page as the store keeps it; ``items``/``requests`` are tagged JSON arrays."""

    url: str
    etag: str | None
    last_modified: str | None
    body_size: int
    items: str
    requests: str
    seen: float

    @property
    def site(self) -> str:
        return site_of(self.url)


class PreviousPages:
    """The last complete store, read-only; lookups by request fingerprint."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, path: Path, spider_name: str) -> PreviousPages | None:
        """The store at ``path``, or None when absent, unreadable or from elsewhere.

        A store written by another spider, another netcrawl version (whose
        extractors may read pages differently) or another format is ignored
        rather than trusted: the crawl then downloads everything, which is
        slower but never wrong. Unreadable files are reported at WARNING.
        """
        if not path.is_file():
            return None
        connection: sqlite3.Connection | None = None
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            meta = dict(connection.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            if connection is not None:  # a file that is not a store: do not keep it open
                connection.close()
            logger.warning("Ignoring the unreadable page store %s (%s)", path, exc)
            return None
        expected = {"format": FORMAT_VERSION, "spider": spider_name, "netcrawl": __version__}
        mismatched = {key: meta.get(key) for key, value in expected.items()
                      if meta.get(key) != value}
        if mismatched:
            connection.close()
            logger.info("Ignoring the page store %s: written with %s, this crawl has %s",
                        path, mismatched, {key: expected[key] for key in mismatched})
            return None
        return cls(path, connection)

    def validators(self, fingerprint: bytes) -> Validators | None:
        row = self._db.execute(
            "SELECT etag, last_modified FROM pages WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        return Validators(*row) if row else None

    def page(self, fingerprint: bytes) -> PageRecord | None:
        row = self._db.execute(
            "SELECT url, etag, last_modified, body_size, items, requests, seen "
            "FROM pages WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        return PageRecord(*row) if row else None

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM pages").fetchone()[0])

    def close(self) -> None:
        self._db.close()


class PageStoreWriter:
    """The store a crawl builds, in a temporary file until :meth:`commit`."""

    def __init__(self, final: Path, spider_name: str) -> None:
        self.final = final
        final.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(final)
        # The naming scheme of netcrawl.exporters.storage, so stale files of killed
        # crawls (whose pid is gone) are removed by the line above next time.
        self.temporary = final.with_name(
            f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.part"
        )
        # A URI connection, so that carry_over() can attach the old store read-only.
        self._db: sqlite3.Connection | None = sqlite3.connect(
            self.temporary.resolve().as_uri(), uri=True
        )
        # A temporary file that is thrown away after a crash needs no journal.
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        self._db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("format", FORMAT_VERSION), ("spider", spider_name), ("netcrawl", __version__)],
        )
        self._pending = 0

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"page store {self.temporary} is already closed")
        return self._db

    def put(self, fingerprint: bytes, record: PageRecord) -> None:
        """Record a page (a later record of the same fingerprint replaces it)."""
        self._connection().execute(
            f"INSERT OR REPLACE INTO pages (fingerprint, {_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (fingerprint, record.url, record.site, record.etag, record.last_modified,
             record.body_size, record.items, record.requests, record.seen),
        )
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self._db.commit()  # type: ignore[union-attr]
            self._pending = 0

    def carry_over(self, previous: Path, keep_days: float) -> int:
        """Copy the previous store's pages of sites this crawl did not record.

        Pages last seen more than ``keep_days`` ago are left behind (a site
        nobody crawls any more, a local directory served on a random port).
        Returns the number of pages copied.
        """
        db = self._connection()
        db.commit()
        db.execute("ATTACH DATABASE ? AS previous", (f"{previous.resolve().as_uri()}?mode=ro",))
        try:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO main.pages (fingerprint, {_COLUMNS}) "
                f"SELECT fingerprint, {_COLUMNS} FROM previous.pages "
                "WHERE seen >= ? AND site NOT IN (SELECT DISTINCT site FROM main.pages)",
                (time.time() - keep_days * 86400,),
            )
            copied = cursor.rowcount
            db.commit()
        finally:
            db.execute("DETACH DATABASE previous")
        return copied

    def page_count(self) -> int:
        return int(self._connection().execute("SELECT count(*) FROM pages").fetchone()[0])

    def commit(self) -> Path:
        """Make the temporary file the store: flushed to disk, then renamed atomically."""
        db = self._connection()
        db.commit()
        db.close()
        self._db = None
        with open(self.temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(self.temporary, self.final)
        with contextlib.suppress(OSError):  # not every platform can fsync a directory
            descriptor = os.open(self.final.parent, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        return self.final

    def discard(self) -> None:
        """Throw the temporary file away; the previous store stays as it was."""
        if self._db is not None:
            self._db.close()
            self._db = None
        with contextlib.suppress(FileNotFoundError):
            self.temporary.unlink()
