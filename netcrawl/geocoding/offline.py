"""``OfflineGeocoder``: the embedded geocoder, a real :class:`geopy.geocoders.base.Geocoder`.

Code written for geopy (``geolocator.geocode("...")``, ``.reverse((lat, lon))``,
``RateLimiter(geolocator.geocode)``, ``exactly_one=False``) works unchanged;
answers are geopy :class:`~geopy.location.Location` objects whose ``raw`` dict
carries the parts of the address and its ``precision``.

Nothing goes over the network: the index is one SQLite file (see
:mod:`netcrawl.geocoding.store`), built on first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from netcrawl.geocoding.gazetteer import Gazetteer
from netcrawl.geocoding.matching import AddressMatcher, Match
from netcrawl.geocoding.normalise import display_postcode
from netcrawl.geocoding.parsing import parse_query
from netcrawl.geocoding.store import ThreadConnections, ensure_index
from netcrawl.geodesy import haversine_m

PROVIDER_NAME = "offline"
#: An imported address point this close to a reversed point answers with its street and number.
REVERSE_ADDRESS_RADIUS_M = 75.0
#: ... and within this radius lends its postcode.
REVERSE_POSTCODE_RADIUS_M = 400.0


def format_address(components: dict) -> str:
    """One-line address from parts, in the usual "number street, city, state postcode, CC" order."""
    street = " ".join(p for p in (components.get("housenumber"), components.get("street")) if p)
    region = " ".join(p for p in (components.get("state"), components.get("postcode")) if p)
    parts = [street, components.get("city"), region, components.get("country_code")]
    return ", ".join(p for p in parts if p)


def _location(match: Match) -> Location:
    raw = {
        "precision": match.precision,
        "source": PROVIDER_NAME,
        "address": dict(match.components),
        "lat": match.lat,
        "lon": match.lon,
    }
    return Location(format_address(match.components), (match.lat, match.lon), raw)


@dataclass(frozen=True, slots=True)
class ReverseBatch:
    """Answers of :meth:`OfflineGeocoder.reverse_batch`, as numpy columns (no per-point objects)."""

    city: np.ndarray
    state: np.ndarray
    county: np.ndarray
    country_code: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    distance_m: np.ndarray

    def __len__(self) -> int:
        return len(self.city)

    def records(self) -> list[dict]:
        """One dict per point (city, state, county, country_code, distance_m)."""
        return [
            {"city": c, "state": s, "county": co, "country_code": cc, "distance_m": float(d)}
            for c, s, co, cc, d in zip(
                self.city, self.state, self.county, self.country_code, self.distance_m, strict=True
            )
        ]


class OfflineGeocoder(Geocoder):
    """Embedded geocoder: GeoNames gazetteer + user-imported address points, in one SQLite file.

    :param db_path: the index file (default ``data/geocoder.sqlite``); built on first use.
    """

    def __init__(self, db_path: str | os.PathLike[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.db_path = ensure_index(db_path)
        self._connections = ThreadConnections(self.db_path)
        self.gazetteer = Gazetteer(self._connections.get)
        self.matcher = AddressMatcher(self._connections.get, self.gazetteer)

    def close(self) -> None:
        self._connections.close()

    def refresh(self) -> None:
        """Forget cached facts about the address tables (after an import by this process)."""
        self.matcher.refresh()

    # --- geopy API ---------------------------------------------------------

    def geocode(
        self,
        query,
        *,
        exactly_one: bool = True,
        timeout=DEFAULT_SENTINEL,
        limit: int | None = None,
        country_codes: str | list[str] | None = None,
    ):
        """Forward geocode free text or a structured dict (street, city, state, postalcode...).

        ``timeout`` is accepted for geopy compatibility (nothing here waits on a network).
        """
        parsed = parse_query(query)
        if country_codes and not parsed.country:
            codes = [country_codes] if isinstance(country_codes, str) else list(country_codes)
            if len(codes) == 1:
                parsed.country = codes[0].upper()
                parsed.hints.append(codes[0].upper())
        matches = self.matcher.match(parsed, limit=1 if exactly_one else (limit or 5))
        if not matches:
            return None if exactly_one else []
        locations = [_location(m) for m in matches]
        return locations[0] if exactly_one else locations

    def reverse(self, query, *, exactly_one: bool = True, timeout=DEFAULT_SENTINEL, language=False):
        """Nearest imported address (within 75 m) or populated place of a point."""
        point = query if isinstance(query, Point) else Point(query)
        lat, lon = point.latitude, point.longitude
        idx, metres = self.gazetteer.nearest(np.array([lat]), np.array([lon]), workers=1)
        place = self.gazetteer.place(int(idx[0]))
        components = {"city": place.name, "country_code": place.cc}
        if place.admin1:
            components["state"] = place.admin1
        if place.admin2:
            components["county"] = place.admin2
        precision = "city"
        address = self._nearest_address(lat, lon) if self.matcher.has_addresses else None
        distance = float(metres[0])
        if address is not None:
            a_distance, number, suffix, postcode, street, city, region, country = address
            if a_distance <= REVERSE_POSTCODE_RADIUS_M and postcode:
                components["postcode"] = display_postcode(postcode, country)
            if a_distance <= REVERSE_ADDRESS_RADIUS_M:
                precision = "rooftop"
                distance = a_distance
                components["street"] = street
                if number is not None:
                    components["housenumber"] = f"{number}{suffix}"
                if city:
                    components["city"] = city
                if region:
                    components["state"] = region
        raw = {
            "precision": precision,
            "source": PROVIDER_NAME,
            "address": components,
            "distance_m": distance,
            "lat": lat,
            "lon": lon,
        }
        location = Location(format_address(components), (lat, lon), raw)
        return location if exactly_one else [location]

    # --- batch API ---------------------------------------------------------

    def reverse_batch(self, lats, lons) -> ReverseBatch:
        """Nearest populated place of many points at once (one vectorised KD-tree query)."""
        lats = np.asarray(lats, dtype=np.float64)
        lons = np.asarray(lons, dtype=np.float64)
        idx, metres = self.gazetteer.nearest(lats, lons)
        cols = self.gazetteer.columns()
        return ReverseBatch(
            city=cols["name"][idx],
            state=cols["admin1"][idx],
            county=cols["admin2"][idx],
            country_code=cols["cc"][idx],
            lat=cols["lat"][idx],
            lon=cols["lon"][idx],
            distance_m=metres,
        )

    def reverse_country_batch(self, lats, lons) -> np.ndarray:
        """Alpha-2 codes of many points (the fastest path: no names loaded)."""
        return self.gazetteer.nearest_country(lats, lons)

    def _nearest_address(self, lat: float, lon: float):
        cell_lat = int(np.floor(lat * 100)) + 9000
        cell_lon = int(np.floor(lon * 100)) + 18000
        cells = [
            (cell_lat + dy) * 40000 + (cell_lon + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
        ]
        rows = (
            self._connections.get()
            .execute(
                "SELECT a.lat, a.lon, a.num, a.suffix, a.postcode,"
                " s.name, s.city, s.region, s.country"
                " FROM addresses a JOIN streets s ON s.id = a.street_id"
                f" WHERE a.cell IN ({','.join('?' * len(cells))})",
                cells,
            )
            .fetchall()
        )
        best = None
        for row in rows:
            distance = haversine_m(lat, lon, row[0], row[1])
            if best is None or distance < best[0]:
                best = (distance, *row[2:])
        return best
