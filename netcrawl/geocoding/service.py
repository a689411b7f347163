"""The geocoder the settings name, wrapped with rate limiting, retries and a persistent cache.

Used by both the pipeline and ``scrapy geocode``, so a file geocoded by the
command and a crawl share answers (and quota) through the same cache.

- ``GEOCODER``: ``offline`` (the embedded index) or any geopy service name
  (``nominatim``, ``photon``, ...), resolved by ``get_geocoder_for_service``;
- ``GEOCODER_KWARGS``: passed to that geocoder class (``domain``, ``scheme``, ``api_key``...);
- ``GEOCODER_MIN_DELAY``: minimum seconds between two calls to the provider
  (geopy's ``RateLimiter``, thread-safe, so concurrent callers queue);
- ``GEOCODER_MAX_RETRIES`` / ``GEOCODER_RETRY_BACKOFF``: retries of transient
  errors (timeouts, 429, 5xx) waiting backoff * 2**attempt seconds;
- the cache is keyed by provider and the *normalised* query, so "12 Rue X" and
  "12 rue x " cost one call. Misses (no match) are cached too; errors are not.
"""

from __future__ import annotations

import inspect
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geopy import exc as geopy_exc
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from netcrawl.geocoding.normalise import fold
from netcrawl.geocoding.store import resolve_db_path
from netcrawl.normalisation.country import to_alpha2

logger = logging.getLogger(__name__)

OFFLINE = "offline"


class GeocodeFailure(Exception):
    """A query that got no answer; ``reason`` is a short code used in stats keys."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class GeoResult:
    """A provider-neutral answer: point, precision, address parts (city, state, postcode...)."""

    lat: float
    lon: float
    precision: str
    source: str
    components: dict[str, str] = field(default_factory=dict)
    address: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "lat": self.lat,
                "lon": self.lon,
                "precision": self.precision,
                "source": self.source,
                "components": self.components,
                "address": self.address,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> GeoResult:
        return cls(**json.loads(text))


def _failure_reason(error: Exception) -> str:
    if isinstance(error, geopy_exc.GeocoderTimedOut):
        return "timeout"
    if isinstance(error, geopy_exc.GeocoderQuotaExceeded | geopy_exc.GeocoderRateLimited):
        return "quota"
    if isinstance(
        error, geopy_exc.GeocoderAuthenticationFailure | geopy_exc.GeocoderInsufficientPrivileges
    ):
        return "auth"
    if isinstance(error, geopy_exc.GeocoderUnavailable):
        return "unavailable"
    if isinstance(error, geopy_exc.GeocoderParseError):
        return "parse_error"
    if isinstance(error, geopy_exc.GeocoderServiceError):
        return "service_error"
    return "error"


#: Service errors that retrying cannot fix (bad query, bad key, unreadable answer).
_PERMANENT = (
    geopy_exc.GeocoderQueryError,
    geopy_exc.GeocoderAuthenticationFailure,
    geopy_exc.GeocoderInsufficientPrivileges,
    geopy_exc.GeocoderParseError,
)


def _is_transient(error: Exception) -> bool:
    """Timeouts, 429, 5xx, connection errors: the same query may succeed a moment later."""
    return isinstance(error, geopy_exc.GeocoderServiceError) and not isinstance(error, _PERMANENT)


def normalise_query(query: str | Mapping[str, Any]) -> str:
    """Cache key of a query: folded text, dict parts in a fixed order."""
    if isinstance(query, Mapping):
        return "|".join(f"{k}={fold(str(v))}" for k, v in sorted(query.items()) if v)
    return fold(str(query))


# --- Remote answers to GeoResult -------------------------------------------

_PRECISION_BY_TYPE = {
    "house": "rooftop",
    "building": "rooftop",
    "address": "rooftop",
    "street": "street",
    "road": "street",
    "residential": "street",
    "postcode": "postcode",
    "city": "city",
    "town": "city",
    "village": "city",
    "hamlet": "city",
    "suburb": "city",
    "district": "city",
    "locality": "city",
    "municipality": "city",
    "county": "region",
    "state": "region",
    "region": "region",
    "administrative": "region",
    "country": "country",
}


def result_from_location(location, source: str) -> GeoResult:
    """A geopy Location (of any provider) as a :class:`GeoResult`."""
    raw = location.raw if isinstance(location.raw, dict) else {}
    if source == OFFLINE or "precision" in raw:
        components = dict(raw.get("address") or {})
        return GeoResult(
            location.latitude, location.longitude, raw.get("precision", "city"), source,
            components, location.address or "",
        )  # fmt: skip
    if "properties" in raw:  # Photon (GeoJSON feature)
        props = raw["properties"]
        components = {
            "housenumber": props.get("housenumber"),
            "street": props.get("street")
            or (props.get("name") if props.get("type") == "street" else None),
            "city": props.get("city") or props.get("town") or props.get("village"),
            "state": props.get("state"),
            "postcode": props.get("postcode"),
            "country_code": (props.get("countrycode") or "").upper()
            or to_alpha2(props.get("country")),
        }
        kind = props.get("type") or props.get("osm_value")
        precision = "rooftop" if props.get("housenumber") else _PRECISION_BY_TYPE.get(kind, "city")
    else:  # Nominatim and look-alikes
        address = raw.get("address") or {}
        components = {
            "housenumber": address.get("house_number"),
            "street": address.get("road") or address.get("pedestrian"),
            "city": address.get("city") or address.get("town") or address.get("village")
            or address.get("hamlet") or address.get("municipality"),
            "state": address.get("state") or address.get("region"),
            "postcode": address.get("postcode"),
            "country_code": (address.get("country_code") or "").upper() or None,
        }  # fmt: skip
        kind = raw.get("addresstype") or raw.get("type")
        if address.get("house_number"):
            precision = "rooftop"
        else:
            precision = _PRECISION_BY_TYPE.get(kind, "street" if address.get("road") else "city")
    components = {k: str(v) for k, v in components.items() if v}
    return GeoResult(
        location.latitude, location.longitude, precision, source, components, location.address or ""
    )


# --- The service -----------------------------------------------------------


class GeocodeCache:
    """Answers by (provider, kind, normalised query), in a table of an SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS geocode_cache (provider TEXT, kind TEXT, query_key TEXT,"
            " result TEXT, created REAL, PRIMARY KEY (provider, kind, query_key))"
        )
        self._lock = threading.Lock()

    _MISS = object()

    def get(self, provider: str, kind: str, key: str):
        """The cached GeoResult, None for a cached "no match", or ``GeocodeCache._MISS``."""
        with self._lock:
            row = self._conn.execute(
                "SELECT result FROM geocode_cache WHERE provider=? AND kind=? AND query_key=?",
                (provider, kind, key),
            ).fetchone()
        if row is None:
            return self._MISS
        return GeoResult.from_json(row[0]) if row[0] else None

    def put(self, provider: str, kind: str, key: str, result: GeoResult | None) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO geocode_cache VALUES (?,?,?,?,?)",
                (provider, kind, key, result.to_json() if result else "", time.time()),
            )
            self._conn.commit()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class GeocodingService:
    """One provider with rate limiting, retries and cache; safe to call from many threads."""

    def __init__(
        self,
        provider: str = OFFLINE,
        *,
        provider_kwargs: Mapping[str, Any] | None = None,
        db_path: str | Path | None = None,
        min_delay: float = 0.0,
        max_retries: int = 2,
        retry_backoff: float = 1.0,
        timeout: float = 10.0,
        cache: bool = True,
        cache_path: str | Path | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.provider = provider.lower()
        kwargs = dict(provider_kwargs or {})
        self.max_retries = max(0, int(max_retries))
        self.retry_backoff = float(retry_backoff)
        self._sleep = time.sleep
        self._forward_kwargs: dict[str, Any] = {}
        if self.provider == OFFLINE:
            from netcrawl.geocoding import set_default_index, shared_offline_geocoder

            self.geocoder = shared_offline_geocoder(db_path)
            set_default_index(db_path)  # reverse_country() (normalisation) uses the same index
            self.cache_id = OFFLINE
            # The offline index is faster than any cache lookup: no cache, no limiter.
            self.cache = None
            self._geocode = self.geocoder.geocode
            self._reverse = self.geocoder.reverse
            return
        cls = get_geocoder_for_service(self.provider)
        kwargs.setdefault("timeout", timeout)
        if user_agent:
            kwargs.setdefault("user_agent", user_agent)
        self.geocoder = cls(**kwargs)
        self.cache_id = f"{self.provider}:{kwargs.get('domain', '')}"
        self.cache = GeocodeCache(resolve_db_path(cache_path or db_path)) if cache else None
        limiter_args = {
            "min_delay_seconds": float(min_delay),
            "max_retries": 0,  # retries (with backoff) are ours, see _call
            "swallow_exceptions": False,
        }
        self._geocode = RateLimiter(self.geocoder.geocode, **limiter_args)
        # Ask for address parts where the provider can give them (Nominatim): they fill
        # country/state of items whose page left them out.
        if "addressdetails" in inspect.signature(self.geocoder.geocode).parameters:
            self._forward_kwargs = {"addressdetails": True}
        self._reverse = RateLimiter(self.geocoder.reverse, **limiter_args)

    @classmethod
    def from_settings(cls, settings) -> GeocodingService:
        return cls(
            settings.get("GEOCODER", OFFLINE) or OFFLINE,
            provider_kwargs=settings.getdict("GEOCODER_KWARGS"),
            db_path=settings.get("GEOCODER_DB") or None,
            min_delay=settings.getfloat("GEOCODER_MIN_DELAY", 0.0),
            max_retries=settings.getint("GEOCODER_MAX_RETRIES", 2),
            retry_backoff=settings.getfloat("GEOCODER_RETRY_BACKOFF", 1.0),
            timeout=settings.getfloat("GEOCODER_TIMEOUT", 10.0),
            cache=settings.getbool("GEOCODER_CACHE", True),
            cache_path=settings.get("GEOCODER_CACHE_DB") or None,
            user_agent=settings.get("USER_AGENT"),
        )

    @property
    def is_offline(self) -> bool:
        return self.provider == OFFLINE

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    def _call(self, func, *args, **kwargs):
        for attempt in range(self.max_retries + 1):
            try:
                return func(*args, **kwargs)
            except geopy_exc.GeopyError as error:
                if not _is_transient(error) or attempt == self.max_retries:
                    raise GeocodeFailure(_failure_reason(error), str(error)) from error
                wait = self.retry_backoff * 2**attempt
                logger.info("%s: %s; retry %d in %.1fs", self.provider, error, attempt + 1, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")

    def _cached(self, kind: str, key: str, compute):
        if self.cache is not None:
            hit = self.cache.get(self.cache_id, kind, key)
            if hit is not GeocodeCache._MISS:
                return hit
        result = compute()
        if self.cache is not None:
            self.cache.put(self.cache_id, kind, key, result)
        return result

    def forward(self, query: str | Mapping[str, Any]) -> GeoResult:
        """Coordinates of an address; raises :class:`GeocodeFailure` (``no_match``...)."""
        if not self.is_offline and isinstance(query, Mapping):
            query = ", ".join(str(v) for v in query.values() if v)
        if not query:
            raise GeocodeFailure("no_query")

        def compute():
            location = self._call(self._geocode, query, exactly_one=True, **self._forward_kwargs)
            return result_from_location(location, self.provider) if location else None

        result = self._cached("forward", normalise_query(query), compute)
        if result is None:
            raise GeocodeFailure("no_match", str(query))
        return result

    def reverse(self, lat: float, lon: float) -> GeoResult:
        """Address parts of a point; raises :class:`GeocodeFailure`."""

        def compute():
            location = self._call(self._reverse, (lat, lon), exactly_one=True)
            if not location:
                return None
            result = result_from_location(location, self.provider)
            # The answer describes the point asked about, not the place it found.
            result.lat, result.lon = lat, lon
            return result

        result = self._cached("reverse", f"{lat:.6f},{lon:.6f}", compute)
        if result is None:
            raise GeocodeFailure("no_match", f"{lat},{lon}")
        return result

    def reverse_many(
        self, points: Iterable[tuple[float, float]]
    ) -> list[GeoResult | GeocodeFailure]:
        """Reverse many points; offline answers all places with one KD-tree query."""
        points = list(points)
        if not self.is_offline or self.geocoder.matcher.has_addresses:
            out: list[GeoResult | GeocodeFailure] = []
            for lat, lon in points:
                try:
                    out.append(self.reverse(lat, lon))
                except GeocodeFailure as failure:
                    out.append(failure)
            return out
        if not points:
            return []
        lats, lons = zip(*points, strict=True)
        batch = self.geocoder.reverse_batch(lats, lons)
        results: list[GeoResult | GeocodeFailure] = []
        for i, (lat, lon) in enumerate(points):
            components = {"city": batch.city[i], "country_code": batch.country_code[i]}
            if batch.state[i]:
                components["state"] = batch.state[i]
            if batch.county[i]:
                components["county"] = batch.county[i]
            results.append(GeoResult(lat, lon, "city", OFFLINE, components))
        return results
