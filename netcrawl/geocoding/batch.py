"""Geocode a CSV, JSON Lines or Parquet file in chunks (the library side of ``scrapy geocode``).

Files are streamed chunk by chunk (pandas / pyarrow), so their size is bounded
by disk, not memory. The same query written twice in a chunk is geocoded once.
The output appears only when complete: it is written to a temporary name in
the destination directory and renamed.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from netcrawl.geocoding.offline import format_address
from netcrawl.geocoding.service import GeocodeFailure, GeocodingService, GeoResult
from netcrawl.normalisation.country import to_alpha2

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
#: Address-part columns understood for forward geocoding -> structured query key.
PART_COLUMNS = {
    "street_address": "street",
    "street": "street",
    "housenumber": "housenumber",
    "house_number": "housenumber",
    "city": "city",
    "town": "city",
    "postcode": "postalcode",
    "postalcode": "postalcode",
    "postal_code": "postalcode",
    "zip": "postalcode",
    "state": "state",
    "region": "state",
    "county": "county",
    "country": "country",
}
FORWARD_COLUMNS = ("lat", "lon", "geo_precision", "geo_source")
REVERSE_COLUMNS = ("addr_full", "street", "city", "state", "postcode", "country")


@dataclass
class BatchReport:
    rows: int = 0
    geocoded: int = 0
    failures: Counter = field(default_factory=Counter)


def file_format(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unknown format {suffix!r}; use .csv, .jsonl or .parquet")
    return FORMATS[suffix]


def read_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    fmt = file_format(path)
    if fmt == "csv":
        yield from pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunk_rows)
    elif fmt == "jsonl":
        yield from pd.read_json(path, lines=True, dtype=False, chunksize=chunk_rows)
    else:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()


def count_rows(path: Path) -> int | None:
    """Rows of a Parquet file (from its footer); None for text formats (unknown without a scan)."""
    return pq.ParquetFile(path).metadata.num_rows if file_format(path) == "parquet" else None


class _Writer:
    """Append chunks to a temporary file next to ``path``; ``commit`` renames it into place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fmt = file_format(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        self.tmp = Path(name)
        self.first = True
        self.parquet: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "csv":
            frame.to_csv(self.tmp, mode="w" if self.first else "a", header=self.first, index=False)
        elif self.fmt == "jsonl":
            with self.tmp.open("w" if self.first else "a", encoding="utf-8") as fh:
                frame.to_json(fh, orient="records", lines=True, force_ascii=False)
        else:
            if self.parquet is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                self.schema = table.schema
                self.parquet = pq.ParquetWriter(self.tmp, self.schema)
            else:
                table = pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
            self.parquet.write_table(table)
        self.first = False

    def commit(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        self.tmp.unlink(missing_ok=True)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def forward_queries(frame: pd.DataFrame, address_column: str | None = None) -> list:
    """One query per row: the address column, else a dict of the address-part columns."""
    column = address_column or ("address" if "address" in frame else None)
    if column is None and "addr_full" in frame:
        column = "addr_full"
    if column is not None:
        if column not in frame:
            raise ValueError(f"no column {column!r} in the input (columns: {list(frame.columns)})")
        return [_text(v) or None for v in frame[column].tolist()]
    parts = [c for c in frame.columns if c.lower() in PART_COLUMNS]
    if not parts:
        raise ValueError(
            "the input has no 'address' column nor address-part columns "
            f"({', '.join(sorted(set(PART_COLUMNS)))}); columns: {list(frame.columns)}"
        )
    queries = []
    for row in frame[parts].itertuples(index=False, name=None):
        query: dict[str, str] = {}
        for column_name, value in zip(parts, row, strict=True):
            text = _text(value)
            if text:
                key = PART_COLUMNS[column_name.lower()]
                query[key] = f"{query[key]} {text}" if key in query else text
        if "housenumber" in query:
            query["street"] = f"{query.pop('housenumber')} {query.get('street', '')}".strip()
        queries.append(query or None)
    return queries


def _forward_chunk(service, frame: pd.DataFrame, address_column, report, overwrite) -> pd.DataFrame:
    queries = forward_queries(frame, address_column)
    answers: dict[str, GeoResult | GeocodeFailure] = {}
    lat, lon, precision, source, error = [], [], [], [], []
    existing_lat = frame["lat"].tolist() if "lat" in frame else [None] * len(frame)
    existing_lon = frame["lon"].tolist() if "lon" in frame else [None] * len(frame)
    for query, old_lat, old_lon in zip(queries, existing_lat, existing_lon, strict=True):
        if not overwrite and _text(old_lat) and _text(old_lon):
            lat.append(float(old_lat))
            lon.append(float(old_lon))
            precision.append(None)
            source.append("input")
            error.append(None)
            continue
        key = repr(sorted(query.items())) if isinstance(query, dict) else str(query)
        if key not in answers:
            try:
                answers[key] = service.forward(query) if query else GeocodeFailure("no_query")
            except GeocodeFailure as failure:
                answers[key] = failure
        answer = answers[key]
        if isinstance(answer, GeocodeFailure):
            report.failures[answer.reason] += 1
            lat.append(None)
            lon.append(None)
            precision.append(None)
            source.append(None)
            error.append(answer.reason)
        else:
            report.geocoded += 1
            lat.append(answer.lat)
            lon.append(answer.lon)
            precision.append(answer.precision)
            source.append(answer.source)
            error.append(None)
    out = frame.copy()
    out["lat"] = pd.array(lat, dtype="Float64")
    out["lon"] = pd.array(lon, dtype="Float64")
    out["geo_precision"] = pd.array(precision, dtype="string")
    out["geo_source"] = pd.array(source, dtype="string")
    out["geocode_error"] = pd.array(error, dtype="string")
    return out


def _reverse_chunk(service, frame: pd.DataFrame, report) -> pd.DataFrame:
    for column in ("lat", "lon"):
        if column not in frame:
            raise ValueError(
                f"--reverse needs a {column!r} column (columns: {list(frame.columns)})"
            )
    lats = pd.to_numeric(frame["lat"], errors="coerce")
    lons = pd.to_numeric(frame["lon"], errors="coerce")
    valid = (lats.between(-90, 90) & lons.between(-180, 180)).fillna(False).astype(bool)
    points = list(zip(lats[valid].tolist(), lons[valid].tolist(), strict=True))
    results = iter(service.reverse_many(points))
    columns: dict[str, list] = {name: [] for name in (*REVERSE_COLUMNS, "geocode_error")}
    for ok in valid.tolist():
        result = next(results) if ok else GeocodeFailure("bad_coordinates")
        if isinstance(result, GeocodeFailure):
            report.failures[result.reason] += 1
            for name in REVERSE_COLUMNS:
                columns[name].append(None)
            columns["geocode_error"].append(result.reason)
            continue
        report.geocoded += 1
        parts = result.components
        street = " ".join(p for p in (parts.get("housenumber"), parts.get("street")) if p)
        columns["addr_full"].append(result.address or format_address(parts) or None)
        columns["street"].append(street or None)
        columns["city"].append(parts.get("city"))
        columns["state"].append(parts.get("state"))
        columns["postcode"].append(parts.get("postcode"))
        columns["country"].append(to_alpha2(parts.get("country_code")))
        columns["geocode_error"].append(None)
    out = frame.copy()
    for name, values in columns.items():
        out[name] = pd.array(values, dtype="string")
    return out


def geocode_file(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    service: GeocodingService,
    *,
    reverse: bool = False,
    address_column: str | None = None,
    chunk_rows: int = 10_000,
    overwrite: bool = False,
    progress: bool = True,
) -> BatchReport:
    """Geocode ``source`` into ``destination`` (format from each file's extension)."""
    source, destination = Path(source), Path(destination)
    if not source.is_file():
        raise FileNotFoundError(f"input file {source} does not exist")
    file_format(source)
    report = BatchReport()
    writer = _Writer(destination)
    try:
        with tqdm(
            total=count_rows(source), unit="rows", disable=not progress, desc="geocode"
        ) as bar:
            for frame in read_chunks(source, chunk_rows):
                if reverse:
                    out = _reverse_chunk(service, frame, report)
                else:
                    out = _forward_chunk(service, frame, address_column, report, overwrite)
                writer.write(out)
                report.rows += len(frame)
                bar.update(len(frame))
        if writer.first:  # empty input: still produce a (header-only) output
            writer.write(
                pd.DataFrame(columns=list(REVERSE_COLUMNS if reverse else FORWARD_COLUMNS))
            )
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return report
