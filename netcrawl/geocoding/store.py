"""The geocoder's single SQLite file: schema, first-use build, per-thread connections.

Everything the embedded geocoder knows lives in ONE file (setting
``GEOCODER_DB``): the gazetteer of populated places, the address points the
user imported, the street/postcode centroids derived from them and the cache
of remote-provider answers. One file is easy to copy, ship and delete.

The file is built on first use into a temporary name and renamed into place,
so a reader never sees a half-built index and two processes racing to build it
both end with a complete file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from netcrawl.locations import cache_dir

logger = logging.getLogger(__name__)

#: Default location of the index: the checkout's data/ (gitignored), else the user cache
#: folder, e.g. under Scrapyd where the code is a zipped egg (see netcrawl.locations).
DEFAULT_DB_PATH = cache_dir() / "geocoder.sqlite"
#: Bumped whenever the schema or the gazetteer build changes: older files are rebuilt.
SCHEMA_VERSION = "7"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS places (
    id INTEGER PRIMARY KEY, name TEXT, admin1 TEXT, admin2 TEXT, cc TEXT,
    lat REAL, lon REAL, population INTEGER
);
CREATE TABLE IF NOT EXISTS place_names (key TEXT, place_id INTEGER, alternate INTEGER);
CREATE TABLE IF NOT EXISTS regions (cc TEXT, admin1 TEXT, key TEXT, lat REAL, lon REAL);
CREATE TABLE IF NOT EXISTS countries (cc TEXT PRIMARY KEY, name TEXT, lat REAL, lon REAL);
CREATE TABLE IF NOT EXISTS streets (
    id INTEGER PRIMARY KEY, key TEXT, base_key TEXT, name TEXT, locality TEXT,
    city TEXT, city_key TEXT, district TEXT, region TEXT, country TEXT,
    lat REAL, lon REAL, n INTEGER, min_num INTEGER, max_num INTEGER
);
CREATE TABLE IF NOT EXISTS addresses (
    street_id INTEGER, num INTEGER, suffix TEXT, unit TEXT, postcode TEXT,
    lat REAL, lon REAL, cell INTEGER
);
CREATE TABLE IF NOT EXISTS postcodes (
    key TEXT, country TEXT, display TEXT, city TEXT, region TEXT, lat REAL, lon REAL, n INTEGER
);
CREATE TABLE IF NOT EXISTS geocode_cache (
    provider TEXT, kind TEXT, query_key TEXT, result TEXT, created REAL,
    PRIMARY KEY (provider, kind, query_key)
);
"""

#: Indexes on the address tables; dropped during a bulk import, rebuilt after it.
ADDRESS_INDEXES = (
    "CREATE INDEX IF NOT EXISTS addresses_street ON addresses (street_id, num)",
    "CREATE INDEX IF NOT EXISTS addresses_cell ON addresses (cell)",
)
DERIVED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS streets_key ON streets (key)",
    "CREATE INDEX IF NOT EXISTS streets_base_key ON streets (base_key)",
    "CREATE INDEX IF NOT EXISTS streets_city_key ON streets (city_key)",
    "CREATE INDEX IF NOT EXISTS postcodes_key ON postcodes (key)",
)
_BUILD_LOCK = threading.Lock()


def resolve_db_path(path: str | os.PathLike[str] | None) -> Path:
    """The index path from a setting value (None or "" means the default)."""
    return Path(path).expanduser() if path else DEFAULT_DB_PATH


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection tuned for this file: WAL (readers never block the importer)."""
    conn = sqlite3.connect(path, timeout=60, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")
    if readonly:
        conn.execute("PRAGMA query_only=1")
    return conn


def _is_current(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(path, timeout=60)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return row is not None and str(row[0]) == SCHEMA_VERSION


def ensure_index(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the index path, building the gazetteer first if the file is absent or stale.

    A stale file (older schema) that already holds imported addresses is not
    thrown away silently: it is rebuilt only when it has none, else an error
    tells the user to re-import.
    """
    db_path = resolve_db_path(path)
    if _is_current(db_path):
        return db_path
    with _BUILD_LOCK:
        if _is_current(db_path):
            return db_path
        if db_path.exists() and db_path.stat().st_size > 0 and _has_addresses(db_path):
            raise RuntimeError(
                f"{db_path} was built by another netcrawl version and holds imported "
                "addresses; delete it and re-import them (scrapy geodata import ...)"
            )
        _build(db_path)
    return db_path


def _has_addresses(path: Path) -> bool:
    try:
        conn = sqlite3.connect(path, timeout=60)
        try:
            return conn.execute("SELECT 1 FROM addresses LIMIT 1").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _build(db_path: Path) -> None:
    from netcrawl.geocoding.gazetteer import build_gazetteer

    started = time.perf_counter()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=db_path.name + ".", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    tmp_path = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp_path)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.executescript(SCHEMA)
            build_gazetteer(conn)
            for statement in ADDRESS_INDEXES + DERIVED_INDEXES:
                conn.execute(statement)
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
            conn.commit()
        finally:
            conn.close()
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(tmp_path, db_path)
    finally:
        tmp_path.unlink(missing_ok=True)
    logger.info("Built geocoder index %s in %.1fs", db_path, time.perf_counter() - started)


class ThreadConnections:
    """One SQLite connection per thread: the pipeline geocodes from a thread pool."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.ProgrammingError):  # another thread's
                    conn.close()
            self._all.clear()
        self._local = threading.local()
