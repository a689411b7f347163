"""Geocoding: an embedded geopy geocoder, remote geopy providers with cache and rate limits.

- :class:`~netcrawl.geocoding.offline.OfflineGeocoder`: GeoNames gazetteer plus
  imported address points in one SQLite file, a real geopy ``Geocoder``;
- :func:`reverse_country`: alpha-2 country of a point, fast, for normalisation;
- :mod:`~netcrawl.geocoding.providers`: the provider named by settings, with
  rate limiting, retries and a persistent cache.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from netcrawl.geocoding.offline import OfflineGeocoder

__all__ = ["OfflineGeocoder", "reverse_country", "set_default_index", "shared_offline_geocoder"]

_SHARED: dict[str, OfflineGeocoder] = {}
_SHARED_LOCK = threading.Lock()
#: Index used by :func:`reverse_country` (set from GEOCODER_DB by the geocoding service).
_DEFAULT_DB: str | None = None


def set_default_index(db_path: str | os.PathLike[str] | None) -> None:
    """Make :func:`reverse_country` use this index (the crawl's GEOCODER_DB)."""
    global _DEFAULT_DB
    _DEFAULT_DB = os.fspath(db_path) if db_path else None


def shared_offline_geocoder(db_path: str | os.PathLike[str] | None = None) -> OfflineGeocoder:
    """One :class:`OfflineGeocoder` per index file per process (its KD-tree is loaded once)."""
    key = os.fspath(db_path) if db_path else ""
    geocoder = _SHARED.get(key)
    if geocoder is None:
        with _SHARED_LOCK:
            geocoder = _SHARED.get(key)
            if geocoder is None:
                geocoder = OfflineGeocoder(db_path or None)
                _SHARED[key] = geocoder
    return geocoder


def reverse_country(lat: float, lon: float) -> str | None:
    """ISO alpha-2 country of the populated place nearest to (lat, lon), or None if invalid.

    Offline and fast (a KD-tree query, ~10 µs once loaded); the index is loaded on
    the first call and shared by every caller in the process.
    """
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (-90.0 <= lat_f <= 90.0 and -180.0 <= lon_f <= 180.0) or np.isnan(lat_f + lon_f):
        return None
    geocoder = shared_offline_geocoder(_DEFAULT_DB or os.environ.get("GEOCODER_DB") or None)
    codes = geocoder.gazetteer.nearest_country(np.array([lat_f]), np.array([lon_f]), workers=1)
    return str(codes[0]) or None
