"""Import address points (OpenAddresses or any CSV) into the geocoder index.

Files of millions of rows are streamed through pandas' C CSV parser in chunks
and written with ``executemany``, so memory stays bounded by the chunk size and
throughput stays above 50,000 rows/s. Normalisation work is done once per
*distinct* value (a city has thousands of addresses but few street names), and
the address-table indexes are dropped during the load and rebuilt after it.

After the load the derived tables are refreshed: street centroids and number
ranges (the street-level fallback and interpolation bounds) and postcode
centroids (the postcode-level fallback).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from netcrawl.geocoding.gazetteer import Gazetteer
from netcrawl.geocoding.normalise import name_key, parse_housenumber, postcode_key, street_key
from netcrawl.geocoding.store import ADDRESS_INDEXES, DERIVED_INDEXES, connect, ensure_index
from netcrawl.normalisation.country import to_alpha2

logger = logging.getLogger(__name__)

#: Our field -> OpenAddresses column.
OPENADDRESSES_COLUMNS: dict[str, str] = {
    "lon": "LON",
    "lat": "LAT",
    "number": "NUMBER",
    "street": "STREET",
    "unit": "UNIT",
    "city": "CITY",
    "district": "DISTRICT",
    "region": "REGION",
    "postcode": "POSTCODE",
}
FIELDS = tuple(OPENADDRESSES_COLUMNS)
REQUIRED_FIELDS = ("lat", "lon", "street")
FORMATS = ("openaddresses", "csv")
DEFAULT_CHUNK_ROWS = 100_000


@dataclass
class ImportReport:
    """What an import did: rows read, imported, skipped (by reason), time taken."""

    rows_read: int = 0
    imported: int = 0
    skipped: Counter = field(default_factory=Counter)
    streets: int = 0
    postcodes: int = 0
    #: Streets per country in the whole index after the import.
    countries: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0


def parse_column_mapping(spec: str | None) -> dict[str, str]:
    """``"lat=y,lon=x,number=hnr"`` -> {"lat": "y", "lon": "x", "number": "hnr"}."""
    mapping: dict[str, str] = {}
    if not spec:
        return mapping
    for part in spec.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"column mapping {part!r} must look like field=column")
        target, source = (s.strip() for s in part.split("=", 1))
        if target not in FIELDS:
            raise ValueError(
                f"unknown field {target!r} in column mapping; known: {', '.join(FIELDS)}"
            )
        mapping[target] = source
    return mapping


def resolve_columns(
    header: list[str], fmt: str, mapping: Mapping[str, str]
) -> dict[str, list[str]]:
    """Our field -> the file's column(s), checked against the header.

    A mapping may join columns with ``+`` (``number=huisnummer+huisletter`` for the
    Dutch BAG, ``number=numero+rep`` for the French BAN): their values are joined
    with spaces, which the house-number parser reads as number and suffix.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    by_upper = {h.upper(): h for h in header}
    columns: dict[str, list[str]] = {}
    for name in FIELDS:
        wanted = mapping.get(name) or (
            OPENADDRESSES_COLUMNS[name] if fmt == "openaddresses" else name
        )
        found = []
        for part in wanted.split("+"):
            if part in header:
                found.append(part)
            elif part.upper() in by_upper:
                found.append(by_upper[part.upper()])
            elif name in mapping:
                raise ValueError(f"column {part!r} (for {name}) not in the file's header {header}")
        if found and len(found) == len(wanted.split("+")):
            columns[name] = found
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise ValueError(
            f"the file has no column for {', '.join(missing)} (header: {header}); "
            "use --format openaddresses or --columns lat=...,lon=...,street=..."
        )
    return columns


def _combine_columns(chunk: pd.DataFrame, columns: dict[str, list[str]]) -> pd.DataFrame:
    """The chunk with one column per field of ours (joined parts, see resolve_columns)."""
    combined = {}
    for name, sources in columns.items():
        if len(sources) == 1:
            combined[name] = chunk[sources[0]]
        else:
            parts = [chunk[source].str.strip() for source in sources]
            joined = parts[0]
            for part in parts[1:]:
                joined = joined + " " + part
            combined[name] = joined.str.split().str.join(" ")
    return pd.DataFrame(combined, index=chunk.index)


def _cells(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """~1 km grid cell of each point, for the reverse (nearest address) lookup."""
    return (np.floor(lat * 100).astype(np.int64) + 9000) * 40000 + (
        np.floor(lon * 100).astype(np.int64) + 18000
    )


class _StreetRegistry:
    """Street ids by (street, locality, country), created on first sight."""

    def __init__(self, conn: sqlite3.Connection, gazetteer: Gazetteer) -> None:
        self.conn = conn
        self.gazetteer = gazetteer
        self.ids: dict[tuple[str, str, str], int] = {}
        self.pending: list[tuple] = []
        for sid, key, locality, country in conn.execute(
            "SELECT id, key, locality, country FROM streets"
        ):
            self.ids[(key, locality, country)] = sid
        self.next_id = (conn.execute("SELECT max(id) FROM streets").fetchone()[0] or 0) + 1

    def id_for(self, street, city, district, region, postcode, country) -> int:
        key = street_key(street)
        city_key = name_key(city) if city else ""
        locality = city_key or (name_key(district) if district else "") or f"pc:{postcode}"
        ident = (key.full, locality, country)
        sid = self.ids.get(ident)
        if sid is None:
            sid = self.next_id
            self.next_id += 1
            self.ids[ident] = sid
            self.pending.append(
                (
                    sid,
                    key.full,
                    key.base,
                    street,
                    locality,
                    city,
                    city_key,
                    district,
                    region,
                    country,
                )
            )
        return sid

    def flush(self) -> None:
        self.conn.executemany(
            "INSERT INTO streets (id, key, base_key, name, locality, city, city_key, district,"
            " region, country) VALUES (?,?,?,?,?,?,?,?,?,?)",
            self.pending,
        )
        self.pending.clear()


def import_addresses(
    source: str | os.PathLike[str],
    db_path: str | os.PathLike[str] | None = None,
    *,
    fmt: str = "openaddresses",
    columns: Mapping[str, str] | None = None,
    country: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: bool = True,
    delimiter: str | None = None,
) -> ImportReport:
    """Stream ``source`` into the index at ``db_path`` (built first if needed)."""
    started = time.perf_counter()
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"address file {source} does not exist")
    path = ensure_index(db_path)
    conn = connect(path)
    report = ImportReport()
    country_code = to_alpha2(country) if country else None
    if country and not country_code:
        raise ValueError(f"unknown country {country!r}")
    try:
        header = pd.read_csv(source, nrows=0, sep=delimiter or ",")
        cols = resolve_columns(list(header.columns), fmt, columns or {})
        gazetteer = Gazetteer(lambda: conn)
        registry = _StreetRegistry(conn, gazetteer)
        conn.execute("DROP INDEX IF EXISTS addresses_street")
        conn.execute("DROP INDEX IF EXISTS addresses_cell")
        size = source.stat().st_size
        with (
            tqdm(
                total=size,
                unit="B",
                unit_scale=True,
                disable=not progress,
                desc=f"import {source.name}",
            ) as bar,
            source.open("rb") as fh,
        ):
            reader = pd.read_csv(
                fh,
                usecols=sorted({column for sources in cols.values() for column in sources}),
                dtype=object,  # plain Python strings: cheapest to hash and bind
                keep_default_na=False,
                chunksize=chunk_rows,
                sep=delimiter or ",",
                encoding_errors="replace",
            )
            position = 0
            for chunk in reader:
                chunk = _combine_columns(chunk, cols)
                _import_chunk(conn, chunk, registry, country_code or "", report)
                conn.commit()
                now = fh.tell()
                bar.update(now - position)
                bar.set_postfix(rows=report.rows_read, refresh=False)
                position = now
        logger.info("Indexing %d imported address points", report.imported)
        for statement in ADDRESS_INDEXES + DERIVED_INDEXES:
            conn.execute(statement)
        _refresh_derived(conn)
        conn.commit()
        report.streets = conn.execute("SELECT count(*) FROM streets").fetchone()[0]
        report.postcodes = conn.execute("SELECT count(*) FROM postcodes").fetchone()[0]
        report.countries = dict(
            conn.execute("SELECT country, count(*) FROM streets GROUP BY country").fetchall()
        )
    finally:
        conn.close()
    report.seconds = time.perf_counter() - started
    return report


def _column(chunk: pd.DataFrame, name: str) -> pd.Series:
    if name in chunk:
        return chunk[name].str.strip()
    return pd.Series("", index=chunk.index)


def _import_chunk(
    conn, chunk: pd.DataFrame, registry: _StreetRegistry, country: str, report
) -> None:
    report.rows_read += len(chunk)
    lat = pd.to_numeric(chunk["lat"], errors="coerce").to_numpy(dtype=np.float64)
    lon = pd.to_numeric(chunk["lon"], errors="coerce").to_numpy(dtype=np.float64)
    street = _column(chunk, "street")
    valid = ~(np.isnan(lat) | np.isnan(lon)) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    valid &= ~((lat == 0) & (lon == 0))
    bad_coordinates = int((~valid).sum())
    no_street = int((valid & (street == "").to_numpy()).sum())
    valid &= (street != "").to_numpy()
    if bad_coordinates:
        report.skipped["bad_coordinates"] += bad_coordinates
    if no_street:
        report.skipped["no_street"] += no_street
    if not valid.any():
        return
    lat, lon = lat[valid], lon[valid]
    street = street[valid]
    number = _column(chunk, "number")[valid]
    unit = _column(chunk, "unit")[valid]
    city = _column(chunk, "city")[valid]
    district = _column(chunk, "district")[valid]
    region = _column(chunk, "region")[valid]
    postcode = _per_distinct(_column(chunk, "postcode")[valid], _cached_postcode_key)

    parsed = _per_distinct(number, _cached_number)
    num = [p[0] if p else None for p in parsed]
    suffix = [p[1] if p else "" for p in parsed]
    group = street + "\x1f" + city + "\x1f" + district + "\x1f" + region + "\x1f" + postcode
    codes, uniques = pd.factorize(group.to_numpy())
    first = np.zeros(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # first row of each street
    if country:
        countries = [country] * len(uniques)
    else:  # no --country: each street's country from where its first point lies
        countries = registry.gazetteer.nearest_country(lat[first], lon[first]).tolist()
    ids = np.array(
        [
            registry.id_for(*g.split("\x1f"), cc)
            for g, cc in zip(uniques.tolist(), countries, strict=True)
        ],
        dtype=np.int64,
    )
    street_ids = ids[codes]
    registry.flush()
    conn.executemany(
        "INSERT INTO addresses VALUES (?,?,?,?,?,?,?,?)",
        zip(
            street_ids.tolist(),
            num,
            suffix,
            unit.tolist(),
            postcode.tolist(),
            lat.tolist(),
            lon.tolist(),
            _cells(lat, lon).tolist(),
            strict=True,
        ),
    )
    report.imported += int(valid.sum())


def _per_distinct(series: pd.Series, func) -> pd.Series:
    """``func`` of each value, computed once per distinct value (columns repeat a lot)."""
    codes, uniques = pd.factorize(series.to_numpy())
    values = np.array([func(value) for value in uniques.tolist()] + [None], dtype=object)
    return pd.Series(values[codes], index=series.index)  # code -1 (missing) -> None


_POSTCODE_CACHE: dict[str, str] = {}
_NUMBER_CACHE: dict[str, tuple[int, str] | None] = {}


def _cached_postcode_key(text: str) -> str:
    key = _POSTCODE_CACHE.get(text)
    if key is None:
        key = postcode_key(text) if text else ""
        if len(_POSTCODE_CACHE) < 1_000_000:
            _POSTCODE_CACHE[text] = key
    return key


def _cached_number(text: str) -> tuple[int, str] | None:
    if text in _NUMBER_CACHE:
        return _NUMBER_CACHE[text]
    parsed = parse_housenumber(text) if text else None
    if parsed and parsed[0] > 2**31:
        parsed = None
    if len(_NUMBER_CACHE) < 1_000_000:
        _NUMBER_CACHE[text] = parsed
    return parsed


def _refresh_derived(conn: sqlite3.Connection) -> None:
    """Street centroids/number ranges and postcode centroids from the address points."""
    conn.execute("DROP TABLE IF EXISTS temp.street_stats")
    conn.execute(
        "CREATE TEMP TABLE street_stats AS SELECT street_id, avg(lat) AS lat, avg(lon) AS lon,"
        " count(*) AS n, min(num) AS min_num, max(num) AS max_num FROM addresses GROUP BY street_id"
    )
    conn.execute(
        "UPDATE streets SET lat = s.lat, lon = s.lon, n = s.n, min_num = s.min_num,"
        " max_num = s.max_num FROM temp.street_stats AS s WHERE s.street_id = streets.id"
    )
    conn.execute("DELETE FROM postcodes")
    conn.execute(
        "INSERT INTO postcodes (key, country, display, city, region, lat, lon, n)"
        " SELECT a.postcode, s.country, a.postcode, max(s.city), max(s.region),"
        " avg(a.lat), avg(a.lon), count(*) FROM addresses a JOIN streets s ON s.id = a.street_id"
        " WHERE a.postcode != '' GROUP BY a.postcode, s.country"
    )
