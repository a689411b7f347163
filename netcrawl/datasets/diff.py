"""What changed between two runs: places added, removed, moved and with changed fields.

Places are matched first by ``ref`` (within the same ``spider`` when both sides say),
then, for what is left on both sides, by normalised name and address (case, accents,
punctuation and spacing ignored), so places without a ``ref`` or whose ``ref`` scheme
changed still pair up. Duplicate keys are paired in file order (first with first).

The result is one row per change (the long format of docs/datasets.md):

========== ===========================================================================
change     ``added``, ``removed``, ``moved`` (> ``move_threshold_m``, haversine) or
           ``changed`` (one row per changed field)
spider     the place's spider, ``ref`` its reference, ``name`` its (new) name
field      the changed field (``coordinates`` for moves; empty for added/removed)
old, new   the field's old and new value as text (``lat,lon`` for coordinates)
distance_m how far a moved place moved, in metres
lat, lon   where the place is now (where it was, for removed places)
old_lat,   where a moved place was
old_lon
========== ===========================================================================

Everything is vectorised pandas on only the columns needed, so two runs of a million
places diff in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from netcrawl.datasets.export import write_frames
from netcrawl.datasets.places_table import read_places
from netcrawl.geodesy import EARTH_RADIUS_M
from netcrawl.items import PLACE_FIELDS

#: Place fields that are not the place's own data: its identity (how it is matched),
#: its coordinates (compared as moves) and where and how it was read.
_NOT_COMPARED = frozenset({"ref", "lat", "lon", "source_url", "source_format", "spider",
                           "geo_source", "geo_precision", "extras"})
#: Fields compared between matched places: every other place field, in export order.
COMPARED_FIELDS: tuple[str, ...] = tuple(
    field for field in PLACE_FIELDS if field not in _NOT_COMPARED
)
DEFAULT_MOVE_THRESHOLD_M = 50.0
CHANGE_KINDS = ("added", "removed", "moved", "changed")
CHANGE_COLUMNS = [
    "change",
    "spider",
    "ref",
    "name",
    "field",
    "old",
    "new",
    "distance_m",
    "lat",
    "lon",
    "old_lat",
    "old_lon",
]
_MATCH_COLUMNS = ("ref", "spider", "name", "addr_full", "street_address", "housenumber",
                  "street", "postcode", "city", "lat", "lon")


@dataclass
class DiffResult:
    """The changes (long format) and counts of places per kind of change."""

    changes: pd.DataFrame
    old_count: int
    new_count: int
    matched: int

    def counts(self) -> dict[str, int]:
        """Places per change kind (a place with three changed fields counts once)."""
        frame = self.changes
        counts = {}
        for kind in CHANGE_KINDS:
            rows = frame[frame["change"] == kind]
            if kind == "changed":
                counts[kind] = int(rows["_pair"].nunique()) if "_pair" in rows else len(rows)
            else:
                counts[kind] = len(rows)
        return counts

    def table(self) -> pd.DataFrame:
        """The changes with only the documented columns (what gets written to files)."""
        return self.changes[CHANGE_COLUMNS]


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres, vectorised over numpy arrays."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype="float64"))
                              for a in (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def normalise_text(values: pd.Series) -> pd.Series:
    """Case-, accent-, punctuation- and spacing-insensitive text for matching."""
    text = _as_text(values).fillna("")
    text = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    text = text.str.casefold().str.replace(r"[\W_]+", " ", regex=True).str.strip()
    return text.astype("string")


def _as_text(values: pd.Series) -> pd.Series:
    """Values as nullable text; blank strings count as missing, like absent fields."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _coordinate(frame: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_column(frame, name), errors="coerce").astype("float64")


def _address_key(frame: pd.DataFrame) -> pd.Series:
    street = _as_text(_column(frame, "street_address"))
    composed = (_as_text(_column(frame, "housenumber")).fillna("") + " "
                + _as_text(_column(frame, "street")).fillna("")).str.strip()
    street = street.fillna(composed.mask(composed == ""))
    street = street.fillna(_as_text(_column(frame, "addr_full")))
    parts = [street, _column(frame, "postcode"), _column(frame, "city")]
    return normalise_text(parts[0]) + "|" + normalise_text(parts[1]) + "|" + normalise_text(
        parts[2]
    )


def _pair_on(old_keys: pd.Series, new_keys: pd.Series) -> pd.DataFrame:
    """Pair rows with equal keys, n-th duplicate with n-th duplicate (keys may be NA)."""
    old_keys = old_keys.dropna()
    new_keys = new_keys.dropna()
    left = pd.DataFrame({"key": old_keys.to_numpy(), "old_row": old_keys.index.to_numpy()})
    right = pd.DataFrame({"key": new_keys.to_numpy(), "new_row": new_keys.index.to_numpy()})
    left["nth"] = left.groupby("key", sort=False).cumcount()
    right["nth"] = right.groupby("key", sort=False).cumcount()
    pairs = left.merge(right, on=["key", "nth"], how="inner", sort=False)
    return pairs[["old_row", "new_row"]]


def match_places(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Row pairs (``old_row``, ``new_row``) of the same place in two runs."""
    old_ref = _as_text(_column(old, "ref"))
    new_ref = _as_text(_column(new, "ref"))
    if "spider" in old.columns and "spider" in new.columns:
        old_ref = _as_text(old["spider"]).fillna("") + "\x1f" + old_ref
        new_ref = _as_text(new["spider"]).fillna("") + "\x1f" + new_ref
    by_ref = _pair_on(old_ref, new_ref)

    old_left = old.index.difference(pd.Index(by_ref["old_row"]))
    new_left = new.index.difference(pd.Index(by_ref["new_row"]))
    if len(old_left) and len(new_left):
        old_rest, new_rest = old.loc[old_left], new.loc[new_left]
        old_key = normalise_text(_column(old_rest, "name"))
        new_key = normalise_text(_column(new_rest, "name"))
        old_key = (old_key.mask(old_key == "") + "|" + _address_key(old_rest))
        new_key = (new_key.mask(new_key == "") + "|" + _address_key(new_rest))
        by_name = _pair_on(old_key, new_key)
        return pd.concat([by_ref, by_name], ignore_index=True)
    return by_ref


def diff_places(
    old: pd.DataFrame,
    new: pd.DataFrame,
    fields: Sequence[str] = COMPARED_FIELDS,
    move_threshold_m: float = DEFAULT_MOVE_THRESHOLD_M,
) -> DiffResult:
    """Compare two runs' places (DataFrames with ``PLACE_FIELDS`` columns).

    Matched places are compared one column at a time (``take`` of that column for the
    matched rows), and identity columns are gathered only for rows with a change, so
    peak memory stays near the size of the two inputs.
    """
    old = old.reset_index(drop=True)
    new = new.reset_index(drop=True)
    pairs = match_places(old, new)
    old_rows = pairs["old_row"].to_numpy()
    new_rows = pairs["new_row"].to_numpy()
    removed_rows = old.index.difference(pd.Index(old_rows)).to_numpy()
    added_rows = new.index.difference(pd.Index(new_rows)).to_numpy()

    frames = [_identity_rows(new, added_rows, "added"),
              _identity_rows(old, removed_rows, "removed")]

    def matched(frame: pd.DataFrame, rows: np.ndarray, name: str) -> pd.Series:
        return _column(frame, name).take(rows).reset_index(drop=True)

    def changed_rows(mask: np.ndarray, field: str) -> pd.DataFrame:
        rows = _identity_rows(new, new_rows[mask], "changed")
        rows["_pair"] = np.flatnonzero(mask)
        rows["field"] = field
        return rows

    old_lat = pd.to_numeric(matched(old, old_rows, "lat"), errors="coerce").to_numpy("float64")
    old_lon = pd.to_numeric(matched(old, old_rows, "lon"), errors="coerce").to_numpy("float64")
    new_lat = pd.to_numeric(matched(new, new_rows, "lat"), errors="coerce").to_numpy("float64")
    new_lon = pd.to_numeric(matched(new, new_rows, "lon"), errors="coerce").to_numpy("float64")
    distance = haversine_m(old_lat, old_lon, new_lat, new_lon)
    moved = distance > move_threshold_m  # NaN (no coordinates) compares False
    if moved.any():
        rows = changed_rows(moved, "coordinates")
        rows["change"] = "moved"
        rows["old"] = _format_point(old_lat[moved], old_lon[moved])
        rows["new"] = _format_point(new_lat[moved], new_lon[moved])
        rows["distance_m"] = np.round(distance[moved], 1)
        rows["old_lat"], rows["old_lon"] = old_lat[moved], old_lon[moved]
        frames.append(rows)
    has_old = ~np.isnan(old_lat) & ~np.isnan(old_lon)
    has_new = ~np.isnan(new_lat) & ~np.isnan(new_lon)
    gained_or_lost = has_old != has_new
    if gained_or_lost.any():
        rows = changed_rows(gained_or_lost, "coordinates")
        rows["old"] = _format_point(old_lat[gained_or_lost], old_lon[gained_or_lost])
        rows["new"] = _format_point(new_lat[gained_or_lost], new_lon[gained_or_lost])
        frames.append(rows)

    for name in fields:
        if name not in old.columns and name not in new.columns:
            continue
        before = _as_text(matched(old, old_rows, name))
        after = _as_text(matched(new, new_rows, name))
        differs = ((before.isna() != after.isna()) | (before != after).fillna(False)).to_numpy()
        if differs.any():
            rows = changed_rows(differs, name)
            rows["old"] = before[differs].to_numpy()
            rows["new"] = after[differs].to_numpy()
            frames.append(rows)

    changes = pd.concat([f for f in frames if len(f)] or [_empty_changes()], ignore_index=True)
    changes = _order(changes)
    return DiffResult(changes=changes, old_count=len(old), new_count=len(new),
                      matched=len(pairs))


def diff_files(
    old_path: str | Path,
    new_path: str | Path,
    fields: Sequence[str] = COMPARED_FIELDS,
    move_threshold_m: float = DEFAULT_MOVE_THRESHOLD_M,
) -> DiffResult:
    """Diff two places files, reading only the columns the comparison needs."""
    columns = list(dict.fromkeys([*_MATCH_COLUMNS, *fields]))
    return diff_places(read_places(old_path, columns), read_places(new_path, columns),
                       fields, move_threshold_m)


def write_diff(result: DiffResult, out_dir: str | Path, stem: str = "diff") -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.geojson`` (one row/feature per change), atomically.

    The GeoJSON point is where the place is now (where it was, for removed places).
    """
    out_dir = Path(out_dir)
    table = result.table()
    csv_path, geojson_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.geojson"
    write_frames([table], csv_path, columns=CHANGE_COLUMNS)
    write_frames([table], geojson_path, columns=CHANGE_COLUMNS)
    return csv_path, geojson_path


def _identity_rows(frame: pd.DataFrame, rows: np.ndarray, change: str) -> pd.DataFrame:
    """The change table's columns for ``frame``'s rows at positions ``rows``."""
    identity = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    identity["change"] = change
    for name in ("spider", "ref", "name"):
        identity[name] = _as_text(_column(frame, name).take(rows)).to_numpy()
    for name in ("field", "old", "new"):
        identity[name] = pd.Series(pd.NA, index=identity.index, dtype="string")
    identity["distance_m"] = np.nan
    identity["lat"] = _coordinate(frame, "lat").take(rows).to_numpy()
    identity["lon"] = _coordinate(frame, "lon").take(rows).to_numpy()
    identity["old_lat"] = np.nan
    identity["old_lon"] = np.nan
    return identity


def _format_point(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """``lat,lon`` with 6 decimals (~0.1 m), NA where either is missing."""
    text = [f"{y:.6f},{x:.6f}" if y == y and x == x else pd.NA
            for y, x in zip(lat.tolist(), lon.tolist(), strict=True)]
    return pd.array(text, dtype="string").to_numpy()


def _empty_changes() -> pd.DataFrame:
    return _identity_rows(pd.DataFrame(), np.array([], dtype=np.int64), "added")


def _order(changes: pd.DataFrame) -> pd.DataFrame:
    kind = pd.Categorical(changes["change"], categories=CHANGE_KINDS, ordered=True)
    changes = changes.assign(_kind=kind).sort_values(
        ["_kind", "spider", "ref", "name", "field"], kind="stable", na_position="last"
    )
    return changes.drop(columns="_kind").reset_index(drop=True)
