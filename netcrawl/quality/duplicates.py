"""Duplicate places: detection in bounded memory, merging when the dataset is finalised.

A site shows the same branch on its store page, in the store-locator API and
in a regional listing; two markups may describe it on different pages. The
dataset must hold it once, with the most complete value of each field.

Exports stream: an item is written as soon as the pipeline returns it, so the
first occurrence is exported and later ones cannot be merged into it in memory.
The design therefore has two steps:

1. While crawling, :class:`DuplicateDetector` keeps only 8-byte hashes in a
   :class:`~netcrawl.quality.keytable.CompactKeyTable` (ref, name+address, and
   name per 25 m grid cell with the packed coordinates for the exact distance
   test), about 150 bytes per place. A repeat is dropped at once; its fields
   go to a :class:`MergeStore` (a SQLite file on disk) under the identity of
   the record it duplicates.
2. When a feed is closed, :func:`finalise_dataset` streams the exported file
   once, applies the stored fields to the records they belong to
   (:func:`merge_fields`) and replaces the file atomically. JSON lines and CSV
   are rewritten in place; for other formats the merges are written next to
   the export as ``<export>.duplicates.jsonl`` for the user to apply.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import os
import sqlite3
import struct
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from netcrawl.quality.keytable import CompactKeyTable

#: Radius within which two places with the same normalised name are one place.
SAME_PLACE_METRES = 25.0
_METRES_PER_DEGREE = 111_320.0
_EARTH_RADIUS_M = 6_371_008.8

#: Fields that say where a record came from: the kept record's values stay.
_IDENTITY_FIELDS = frozenset({"ref", "spider", "source_url", "source_format"})
_COORDINATE_FIELDS = ("lat", "lon", "geo_source", "geo_precision")
#: Text fields where a longer value is a more complete one ("Main St" < "12 Main Street").
_LONGER_WINS = frozenset({"addr_full", "street_address", "opening_hours"})
_MAX_MERGED_SOURCES = 20

#: Export formats :func:`finalise_dataset` rewrites in place.
JSON_LINES_FORMATS = frozenset({"jsonlines", "jsonl", "jl", "ndjson"})
CSV_FORMATS = frozenset({"csv"})


def _fold(text: object) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def record_identity(place: dict) -> int:
    """Hash naming one exported record; computable again from the export file."""
    return _hash(
        "id", place.get("spider") or "", place.get("source_url") or "",
        place.get("name") or "", place.get("ref") or "",
    )


def _street_line(place: dict) -> str | None:
    if place.get("street_address"):
        return str(place["street_address"])
    if place.get("street"):
        return f"{place.get('housenumber') or ''} {place['street']}"
    if place.get("addr_full"):
        return str(place["addr_full"]).split(",", 1)[0]
    return None


def _tokens(text: object) -> str:
    return " ".join(sorted(set(_fold(text).split())))


def address_keys(spider: str, place: dict) -> list[int]:
    """Name + address keys: same name and street line, with postcode, city or full address.

    A street line alone is not enough ("1 High Street" is in every town), so
    each key pairs it with the postcode or the city; word order and case do not
    matter, so "Main St 10" on one page matches "10 Main St" on another.
    """
    name = _fold(place.get("name") or "")
    street = _street_line(place)
    if not name or not street or not _fold(street):
        return []
    street_tokens = _tokens(street)
    keys = []
    if place.get("postcode"):
        postcode = _fold(place["postcode"]).replace(" ", "")
        keys.append(_hash("pc", spider, name, street_tokens, postcode))
    if place.get("city"):
        keys.append(_hash("city", spider, name, street_tokens, _fold(place["city"])))
    if place.get("addr_full") and "," in str(place["addr_full"]):
        keys.append(_hash("full", spider, name, _tokens(place["addr_full"])))
    return keys


def ref_key(spider: str, place: dict) -> int | None:
    ref = place.get("ref")
    return _hash("ref", spider, str(ref)) if ref not in (None, "") else None


def _coordinates(place: dict) -> tuple[float, float] | None:
    try:
        lat, lon = float(place["lat"]), float(place["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return lat, lon


def _row(lat: float) -> int:
    return math.floor(lat * _METRES_PER_DEGREE / SAME_PLACE_METRES)


def _column(lon: float, row: int) -> int:
    row_lat = (row + 0.5) * SAME_PLACE_METRES / _METRES_PER_DEGREE
    scale = max(math.cos(math.radians(max(-89.9, min(89.9, row_lat)))), 1e-6)
    return math.floor(lon * _METRES_PER_DEGREE * scale / SAME_PLACE_METRES)


def _cell_key(spider: str, name: str, row: int, column: int) -> int:
    return _hash("cell", spider, name, row, column)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _pack(lat: float, lon: float) -> int:
    return int.from_bytes(struct.pack("<ff", lat, lon), "little")


def _unpack(value: int) -> tuple[float, float]:
    lat, lon = struct.unpack("<ff", value.to_bytes(8, "little"))
    return lat, lon


@dataclass(frozen=True)
class DuplicateMatch:
    """A place already seen: how it matched and the identity of the kept record."""

    reason: str  # "ref", "name_address", "name_distance"
    kept_identity: int


class DuplicateDetector:
    """Remembers compact keys of kept places and tells whether a new one repeats one."""

    def __init__(self, spider: str) -> None:
        self.spider = spider
        self._keys = CompactKeyTable()  # ref and name+address keys -> kept identity
        self._cells = CompactKeyTable()  # name+cell keys -> packed coordinates
        self._cell_ids = CompactKeyTable()  # hash(cell key, packed coordinates) -> identity

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._cells.nbytes + self._cell_ids.nbytes

    def check(self, place: dict) -> DuplicateMatch | None:
        """The match when ``place`` repeats a kept one; otherwise remember it, return None."""
        ref = ref_key(self.spider, place)
        if ref is not None and (kept := self._keys.get(ref)) is not None:
            return DuplicateMatch("ref", kept)
        addresses = address_keys(self.spider, place)
        for key in addresses:
            if (kept := self._keys.get(key)) is not None:
                return DuplicateMatch("name_address", kept)
        name = _fold(place.get("name") or "")
        point = _coordinates(place)
        if name and point is not None:
            near = self._near(name, point)
            if near is not None:
                return DuplicateMatch("name_distance", near)
        identity = record_identity(place)
        if ref is not None:
            self._keys.add(ref, identity)
        for key in addresses:
            self._keys.add(key, identity)
        if name and point is not None:
            row = _row(point[0])
            cell = _cell_key(self.spider, name, row, _column(point[1], row))
            packed = _pack(*point)
            self._cells.add(cell, packed)
            self._cell_ids.add(_hash(cell, packed), identity)
        return None

    def _near(self, name: str, point: tuple[float, float]) -> int | None:
        row = _row(point[0])
        for neighbour_row in (row - 1, row, row + 1):
            column = _column(point[1], neighbour_row)
            for neighbour_column in (column - 1, column, column + 1):
                cell = _cell_key(self.spider, name, neighbour_row, neighbour_column)
                for packed in self._cells.get_all(cell):
                    if distance_m(point, _unpack(packed)) <= SAME_PLACE_METRES:
                        return self._cell_ids.get(_hash(cell, packed))
        return None


def _richer(current: object, candidate: object) -> bool:
    return len(str(candidate)) > len(str(current))


def merge_fields(kept: dict, duplicate: dict) -> dict:
    """``kept`` completed with ``duplicate``: the most complete value of each field.

    Missing fields are filled; for the street line, full address and opening
    hours the longer value wins; coordinates move as a group (lat, lon and their
    source), preferring the page's own over geocoded ones; extras are united
    (the kept record's values win) and list the duplicates' source URLs in
    ``extras["merged_from"]``.
    """
    merged = dict(kept)
    kept_point = _coordinates(kept) is not None
    dup_point = _coordinates(duplicate) is not None
    if dup_point and (
        not kept_point
        or (kept.get("geo_source") not in (None, "page") and duplicate.get("geo_source") == "page")
    ):
        for name in _COORDINATE_FIELDS:
            if name in duplicate:
                merged[name] = duplicate[name]
            else:
                merged.pop(name, None)
    for name, value in duplicate.items():
        if name in _IDENTITY_FIELDS or name in _COORDINATE_FIELDS or name == "extras":
            continue
        if value in (None, "", [], {}):
            continue
        missing = merged.get(name) in (None, "")
        if missing or (name in _LONGER_WINS and _richer(merged[name], value)):
            merged[name] = value
    kept_extras = kept.get("extras") if isinstance(kept.get("extras"), dict) else {}
    dup_extras = duplicate.get("extras") if isinstance(duplicate.get("extras"), dict) else {}
    extras = {**dup_extras, **kept_extras}
    sources = list(kept_extras.get("merged_from") or [])
    source = duplicate.get("source_url")
    if source and source != kept.get("source_url") and source not in sources:
        sources.append(source)
    if sources:
        extras["merged_from"] = sources[:_MAX_MERGED_SOURCES]
    if extras:
        merged["extras"] = extras
    return merged


class MergeStore:
    """Fields of dropped duplicates, on disk, keyed by the kept record's identity."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            handle, name = tempfile.mkstemp(prefix="netcrawl-duplicates-", suffix=".sqlite")
            os.close(handle)
            self.path = Path(name)
            self._temporary = True
        else:
            self.path = Path(path)
            self._temporary = False
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS merges (identity INTEGER, reason TEXT, fields TEXT)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS merges_identity ON merges(identity)")
        self._pending = 0

    @classmethod
    def from_jsonl(cls, path: str | Path) -> MergeStore:
        """Load a ``<export>.duplicates.jsonl`` file written by :meth:`write_jsonl`."""
        store = cls()
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    row = json.loads(line)
                    store.add(int(row["identity"]), row["reason"], row["fields"])
        return store

    def add(self, identity: int, reason: str, fields: dict) -> None:
        self._db.execute(
            "INSERT INTO merges VALUES (?, ?, ?)",
            (_signed(identity), reason, json.dumps(fields, ensure_ascii=False, default=str)),
        )
        self._pending += 1
        if self._pending >= 1000:
            self._db.commit()
            self._pending = 0

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM merges").fetchone()[0]

    def fields_for(self, identity: int) -> list[dict]:
        rows = self._db.execute(
            "SELECT fields FROM merges WHERE identity = ? ORDER BY rowid", (_signed(identity),)
        )
        return [json.loads(fields) for (fields,) in rows]

    def write_jsonl(self, path: str | Path) -> None:
        """Write all merges as JSON lines (atomically), for formats not rewritten in place."""
        with _atomic_text(Path(path)) as out:
            for identity, reason, fields in self._db.execute(
                "SELECT identity, reason, fields FROM merges ORDER BY rowid"
            ):
                record = {"identity": identity & ((1 << 64) - 1), "reason": reason}
                out.write(json.dumps(record)[:-1] + f', "fields": {fields}}}\n')

    def close(self) -> None:
        self._db.commit()
        self._db.close()
        if self._temporary:
            with contextlib.suppress(OSError):
                self.path.unlink()


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value


@contextlib.contextmanager
def _atomic_text(path: Path, newline: str | None = None) -> Iterator:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def format_of(path: str | Path, declared: str | None = None) -> str:
    """The export format name: the feed's declared one, else the file extension."""
    if declared:
        return declared.lower()
    return Path(path).suffix.lstrip(".").lower()


def finalise_dataset(
    path: str | Path, merges: MergeStore | str | Path, fmt: str | None = None
) -> int:
    """Apply stored duplicate fields to an exported dataset; return the records changed.

    JSON lines and CSV files are streamed once and replaced atomically (one
    record in memory at a time). Other formats raise :class:`ValueError`; use
    :meth:`MergeStore.write_jsonl` to hand the merges over instead.
    """
    path = Path(path)
    store = merges if isinstance(merges, MergeStore) else _open_store(Path(merges))
    try:
        if len(store) == 0:
            return 0
        kind = format_of(path, fmt)
        if kind in JSON_LINES_FORMATS:
            return _finalise_json_lines(path, store)
        if kind in CSV_FORMATS:
            return _finalise_csv(path, store)
        raise ValueError(f"cannot merge duplicates into a {kind!r} export in place: {path}")
    finally:
        if store is not merges:
            store.close()


def _open_store(path: Path) -> MergeStore:
    if path.suffix == ".jsonl":
        return MergeStore.from_jsonl(path)
    return MergeStore(path)


def _apply(record: dict, store: MergeStore) -> tuple[dict, bool]:
    duplicates = store.fields_for(record_identity(record))
    if not duplicates:
        return record, False
    merged = record
    for fields in duplicates:
        merged = merge_fields(merged, fields)
    return merged, merged != record


def _finalise_json_lines(path: Path, store: MergeStore) -> int:
    changed = 0
    with open(path, encoding="utf-8") as source, _atomic_text(path) as out:
        for line in source:
            if not line.strip():
                continue
            record = json.loads(line)
            merged, was_changed = _apply(record, store)
            if was_changed:
                changed += 1
                line = json.dumps(merged, ensure_ascii=False) + "\n"
            out.write(line if line.endswith("\n") else line + "\n")
    return changed


def _csv_cell(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _finalise_csv(path: Path, store: MergeStore) -> int:
    changed = 0
    with open(path, encoding="utf-8", newline="") as probe:
        terminator = "\r\n" if "\r\n" in probe.read(65536) else "\n"
    with (
        open(path, encoding="utf-8", newline="") as source,
        _atomic_text(path, newline="") as out,
    ):
        reader = csv.DictReader(source)
        columns = reader.fieldnames or []
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator=terminator)
        writer.writeheader()
        for row in reader:
            record = {k: v for k, v in row.items() if v not in (None, "")}
            if isinstance(record.get("extras"), str):
                with contextlib.suppress(ValueError):
                    record["extras"] = json.loads(record["extras"])
            merged, was_changed = _apply(record, store)
            if was_changed:
                changed += 1
                row = {column: _csv_cell(merged.get(column)) for column in columns}
            writer.writerow(row)
    return changed


def iter_records(path: str | Path) -> Iterable[dict]:
    """Records of a JSON lines export, one at a time (used by tests and tools)."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)

