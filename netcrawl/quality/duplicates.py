"""Duplicate places: detection in bounded memory, merging when the dataset is finalised.

A site shows the same branch on its store page, in the store-locator API and
in a regional listing; two markups may describe it on different pages. The
dataset must hold it once, with the most complete value of each field.

Exports stream: an item is written as soon as the pipeline returns it, so the
first occurrence is exported and later ones cannot be merged into it in memory.
The design therefore has two steps:

1. While crawling, :class:`DuplicateDetector` keeps only 8-byte hashes in a
   :class:`~netcrawl.quality.keytable.CompactKeyTable` (ref, name+address, and
   name per 50 m grid cell with the packed coordinates for the exact 25 m
   distance test), about 150-220 bytes per place. A repeat is dropped at once;
   its fields go to a :class:`MergeStore` (a SQLite file on disk) under the identity of
   the record it duplicates.
2. When a feed is closed, :func:`finalise_dataset` streams the exported file
   once, applies the stored fields to the records they belong to
   (:func:`merge_fields`) and replaces the file atomically. JSON lines, CSV,
   GeoJSON and Parquet are rewritten in place; for other formats the merges are
   written next to the export as ``<export>.duplicates.jsonl``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import os
import re
import sqlite3
import struct
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from netcrawl.exporters.storage import atomic_text
from netcrawl.geodesy import haversine_m
from netcrawl.quality.keytable import CompactKeyTable

#: Radius within which two places with the same normalised name are one place.
SAME_PLACE_METRES = 25.0
_METRES_PER_DEGREE = 111_320.0

#: Fields that say where a record came from: the kept record's values stay.
_IDENTITY_FIELDS = frozenset({"ref", "spider", "source_url", "source_format"})
_COORDINATE_FIELDS = ("lat", "lon", "geo_source", "geo_precision")
#: Text fields where a longer value is a more complete one ("Main St" < "12 Main Street").
_LONGER_WINS = frozenset({"addr_full", "street_address", "opening_hours"})
_MAX_MERGED_SOURCES = 20

#: Export formats :func:`finalise_dataset` rewrites in place.
JSON_LINES_FORMATS = frozenset({"jsonlines", "jsonl", "jl", "ndjson"})
CSV_FORMATS = frozenset({"csv"})
GEOJSON_FORMATS = frozenset({"geojson"})
PARQUET_FORMATS = frozenset({"parquet"})
REWRITABLE_FORMATS = JSON_LINES_FORMATS | CSV_FORMATS | GEOJSON_FORMATS | PARQUET_FORMATS


_NON_WORD = re.compile(r"[\W_]+")
_MASK64 = (1 << 64) - 1


def _fold(text: object) -> str:
    """Case, accents and punctuation removed: "Café-Noir " -> "cafe noir"."""
    folded = str(text).casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", folded).strip()


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _mix(*numbers: int) -> int:
    """Cheap 64-bit hash of integers (splitmix64 steps), for keys derived from a hash."""
    state = 0x9E3779B97F4A7C15
    for number in numbers:
        state = (state ^ (number & _MASK64)) * 0xBF58476D1CE4E5B9 & _MASK64
        state = (state ^ (state >> 27)) * 0x94D049BB133111EB & _MASK64
        state ^= state >> 31
    return state


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


def name_key(spider: str, place: dict) -> int | None:
    """Hash of the place's normalised name; None when it has none.

    Together with the coordinates it keys the "same name within 25 m" rule, here and in
    the cross-worker registry of distributed crawls (netcrawl.distributed.places), which
    must agree on what "the same name" is.
    """
    name = _fold(place.get("name") or "")
    return _hash("name", spider, name) if name else None


def coordinates(place: dict) -> tuple[float, float] | None:
    """A place's finite ``(lat, lon)``, or None: what the "within 25 m" rule compares
    (also by the cross-worker registry of netcrawl.distributed.places)."""
    try:
        lat, lon = float(place["lat"]), float(place["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return lat, lon


#: Grid cells twice the radius wide: a 25 m circle then touches at most 2x2 cells.
_CELL_METRES = 2 * SAME_PLACE_METRES


def _row_position(lat: float) -> float:
    return lat * _METRES_PER_DEGREE / _CELL_METRES


def _column_position(lon: float, row: int) -> float:
    """Position in the row's columns; each row is scaled by the cosine of its latitude."""
    row_lat = (row + 0.5) * _CELL_METRES / _METRES_PER_DEGREE
    scale = max(math.cos(math.radians(max(-89.9, min(89.9, row_lat)))), 1e-6)
    return lon * _METRES_PER_DEGREE * scale / _CELL_METRES


def _home_cell(point: tuple[float, float]) -> tuple[int, int]:
    row = math.floor(_row_position(point[0]))
    return row, math.floor(_column_position(point[1], row))


def _cells_within_radius(point: tuple[float, float]) -> Iterator[tuple[int, int]]:
    """The 2x2 cells a circle of SAME_PLACE_METRES around ``point`` can touch."""
    y = _row_position(point[0])
    row = math.floor(y)
    for neighbour_row in (row, row - 1 if y - row < 0.5 else row + 1):
        x = _column_position(point[1], neighbour_row)
        column = math.floor(x)
        yield neighbour_row, column
        yield neighbour_row, column - 1 if x - column < 0.5 else column + 1


def _cell_key(name_hash: int, row: int, column: int) -> int:
    return _mix(name_hash, row, column)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    return haversine_m(*a, *b)


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
        point = coordinates(place)
        name_hash = name_key(self.spider, place) if point is not None else None
        if name_hash is not None and point is not None:
            near = self._near(name_hash, point)
            if near is not None:
                return DuplicateMatch("name_distance", near)
        identity = record_identity(place)
        if ref is not None:
            self._keys.add(ref, identity)
        for key in addresses:
            self._keys.add(key, identity)
        if name_hash is not None and point is not None:
            cell = _cell_key(name_hash, *_home_cell(point))
            packed = _pack(*point)
            self._cells.add(cell, packed)
            self._cell_ids.add(_mix(cell, packed), identity)
        return None

    def _near(self, name_hash: int, point: tuple[float, float]) -> int | None:
        for row, column in _cells_within_radius(point):
            cell = _cell_key(name_hash, row, column)
            for packed in self._cells.get_all(cell):
                if distance_m(point, _unpack(packed)) <= SAME_PLACE_METRES:
                    return self._cell_ids.get(_mix(cell, packed))
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
    kept_point = coordinates(kept) is not None
    dup_point = coordinates(duplicate) is not None
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
        with atomic_text(Path(path)) as out:
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


def format_of(path: str | Path, declared: str | None = None) -> str:
    """The export format name: the feed's declared one, else the file extension."""
    if declared:
        return declared.lower()
    return Path(path).suffix.lstrip(".").lower()


def finalise_dataset(
    path: str | Path, merges: MergeStore | str | Path, fmt: str | None = None
) -> int:
    """Apply stored duplicate fields to an exported dataset; return the records changed.

    JSON lines, CSV, GeoJSON (one feature per line, as netcrawl's exporter
    writes it) and Parquet (one row group at a time) are streamed once and
    replaced atomically. Other formats or layouts raise :class:`ValueError`;
    use :meth:`MergeStore.write_jsonl` to hand the merges over instead.
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
        if kind in GEOJSON_FORMATS:
            return _finalise_geojson(path, store)
        if kind in PARQUET_FORMATS:
            return _finalise_parquet(path, store)
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
    with open(path, encoding="utf-8") as source, atomic_text(path) as out:
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
        atomic_text(path, newline="") as out,
    ):
        reader = csv.DictReader(source)
        columns = reader.fieldnames or []
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator=terminator)
        writer.writeheader()
        for row in reader:
            record = _record_of_row(row)
            merged, was_changed = _apply(record, store)
            if was_changed:
                changed += 1
                row = {column: _csv_cell(merged.get(column)) for column in columns}
            writer.writerow(row)
    return changed


def _feature_record(feature: dict) -> dict:
    record = dict(feature.get("properties") or {})
    geometry = feature.get("geometry") or {}
    if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
        record["lon"], record["lat"] = geometry["coordinates"][:2]
    return record


def _record_feature(record: dict) -> dict:
    properties = {k: v for k, v in record.items() if k not in ("lat", "lon")}
    point = coordinates(record)
    if point is None:
        return {"type": "Feature", "geometry": None, "properties": dict(record)}
    geometry = {"type": "Point", "coordinates": [point[1], point[0]]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _finalise_geojson(path: Path, store: MergeStore) -> int:
    """Rewrite a FeatureCollection written one feature per line (netcrawl's exporter)."""
    changed = 0
    with open(path, encoding="utf-8") as source, atomic_text(path) as out:
        header = source.readline()
        if not header.startswith('{"type":"FeatureCollection","features":['):
            raise ValueError(f"not a line-per-feature GeoJSON export: {path}")
        out.write(header)
        for line in source:
            body = line.rstrip("\n")
            separator = "," if body.endswith(",") else ""
            body = body.removesuffix(",")
            if not body.startswith('{"type":"Feature"'):
                out.write(line)  # the footer
                continue
            record = _feature_record(json.loads(body))
            merged, was_changed = _apply(record, store)
            if was_changed:
                changed += 1
                body = json.dumps(_record_feature(merged), ensure_ascii=False,
                                  separators=(",", ":"))
            out.write(body + separator + "\n")
    return changed


def _parquet_cell(value: object, is_float: bool) -> object:
    if value is None:
        return None
    if is_float:
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return _csv_cell(value)


def _finalise_parquet(path: Path, store: MergeStore) -> int:
    """Rewrite a Parquet export one row group at a time, keeping its schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    changed = 0
    source = pq.ParquetFile(path)
    schema = source.schema_arrow
    float_columns = {f.name for f in schema if pa.types.is_floating(f.type)}
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        with pq.ParquetWriter(temporary, schema) as writer:
            for group in range(source.num_row_groups):
                rows = source.read_row_group(group).to_pylist()
                for index, row in enumerate(rows):
                    record = _record_of_row(row)
                    merged, was_changed = _apply(record, store)
                    if was_changed:
                        changed += 1
                        rows[index] = {
                            name: _parquet_cell(merged.get(name), name in float_columns)
                            for name in schema.names
                        }
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return changed


def iter_records(path: str | Path, fmt: str | None = None) -> Iterator[dict]:
    """Records of an export (JSON lines, CSV, GeoJSON, Parquet), one at a time.

    Values come back as the format stores them (CSV and Parquet cells are text,
    ``extras`` decoded from JSON); empty cells are left out like absent fields.
    """
    path = Path(path)
    kind = format_of(path, fmt)
    if kind in PARQUET_FORMATS:
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        for group in range(source.num_row_groups):
            for row in source.read_row_group(group).to_pylist():
                yield _record_of_row(row)
        return
    with open(path, encoding="utf-8", newline="") as source:
        if kind in CSV_FORMATS:
            for row in csv.DictReader(source):
                yield _record_of_row(row)
        elif kind in GEOJSON_FORMATS:
            for line in source:
                body = line.strip().removesuffix(",")
                if body.startswith('{"type":"Feature"'):
                    yield _feature_record(json.loads(body))
        else:
            for line in source:
                if line.strip():
                    yield json.loads(line)


def _record_of_row(row: dict) -> dict:
    """A CSV or Parquet row as a place record: empty cells are absent fields, and
    ``extras`` (stored as JSON text in those formats) is a dict again."""
    record = {k: v for k, v in row.items() if v not in (None, "")}
    if isinstance(record.get("extras"), str):
        with contextlib.suppress(ValueError):
            record["extras"] = json.loads(record["extras"])
    return record
