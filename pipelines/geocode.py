"""GeocodePipeline: coordinates for address-only places, address parts for coordinate-only ones.

- address, no coordinates -> forward geocoding fills ``lat``/``lon``;
- coordinates, missing city/country -> reverse geocoding fills ``city``,
  ``state``, ``country`` (and ``postcode`` where known);
- ``geo_source`` is ``page`` when the page gave the coordinates, else the
  provider's name; ``geo_precision`` says how precise geocoded coordinates are;
- what the page gave is never overwritten unless ``GEOCODER_OVERWRITE``.

Geocoding runs in the reactor's thread pool, never on the reactor thread, so
a slow provider does not stall the crawl. Offline reverse lookups of items
that arrive together are answered by one batched KD-tree query. A failure
(timeout, quota, no match) is counted in ``netcrawl/geocode/<reason>``,
recorded in ``extras["geocode_error"]``, and the item still goes on.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, threads

from netcrawl.extraction.values import valid_coordinates
from netcrawl.geocoding.service import GeocodeFailure, GeocodingService, GeoResult
from netcrawl.normalisation.country import to_alpha2

logger = logging.getLogger(__name__)

#: Place fields a reverse answer fills, named as in its ``components``.
_REVERSE_FIELDS = ("city", "state", "postcode")
#: Offline reverse lookups are gathered for this long (seconds) into one batch.
BATCH_WINDOW = 0.005
BATCH_MAX = 512


def _valid_coordinates(adapter: ItemAdapter) -> tuple[float, float] | None:
    try:
        lat, lon = float(adapter.get("lat")), float(adapter.get("lon"))
    except (TypeError, ValueError):
        return None
    return (lat, lon) if valid_coordinates(lat, lon) else None


def forward_query(adapter: ItemAdapter) -> str | dict | None:
    """The address of an item as a geocoder query (structured when the parts are known)."""
    street = adapter.get("street_address") or " ".join(
        str(p) for p in (adapter.get("housenumber"), adapter.get("street")) if p
    )
    parts = {
        "street": street,
        "city": adapter.get("city"),
        "postalcode": adapter.get("postcode"),
        "state": adapter.get("state"),
        "country": adapter.get("country"),
    }
    parts = {k: str(v) for k, v in parts.items() if v}
    if adapter.get("addr_full") and not street:
        text = str(adapter["addr_full"])
        extra = [parts[k] for k in ("country",) if k in parts and parts[k] not in text]
        return ", ".join([text, *extra])
    if not (street or parts.get("city") or parts.get("postalcode")):
        return None
    return parts


class _ReverseBatcher:
    """Collect reverse lookups for a few milliseconds, answer them with one call in a thread."""

    def __init__(self, service: GeocodingService) -> None:
        from twisted.internet import reactor

        self.reactor = reactor
        self.service = service
        self.pending: list[tuple[tuple[float, float], defer.Deferred]] = []
        self.scheduled = None

    def submit(self, point: tuple[float, float]) -> defer.Deferred:
        d: defer.Deferred = defer.Deferred()
        self.pending.append((point, d))
        if len(self.pending) >= BATCH_MAX:
            self.flush()
        elif self.scheduled is None:
            self.scheduled = self.reactor.callLater(BATCH_WINDOW, self.flush)
        return d

    def flush(self) -> None:
        if self.scheduled is not None and self.scheduled.active():
            self.scheduled.cancel()
        self.scheduled = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        points = [point for point, _ in batch]
        running = threads.deferToThread(self.service.reverse_many, points)

        def deliver(results):
            for (_, d), result in zip(batch, results, strict=True):
                d.callback(result)

        def fail(failure):
            for _, d in batch:
                d.errback(failure)

        running.addCallbacks(deliver, fail)


class GeocodePipeline:
    """Fill coordinates or address parts from the configured geocoder (see module doc)."""

    def __init__(self, crawler, service: GeocodingService | None = None) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.overwrite = settings.getbool("GEOCODER_OVERWRITE", False)
        self.enabled = settings.getbool("GEOCODER_ENABLED", True)
        self._service = service
        self._batcher: _ReverseBatcher | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def service(self) -> GeocodingService:
        if self._service is None:
            self._service = GeocodingService.from_settings(self.crawler.settings)
        return self._service

    async def open_spider(self) -> None:
        if self.enabled:
            # Build/load the index (or the remote client) before items arrive, off the reactor.
            await maybe_deferred_to_future(threads.deferToThread(lambda: self.service))

    async def close_spider(self) -> None:
        if self._service is not None:
            self._service.close()

    async def process_item(self, item: Any) -> Any:
        if not self.enabled:
            return item
        adapter = ItemAdapter(item)
        point = _valid_coordinates(adapter)
        try:
            if point is not None:
                if not adapter.get("geo_source"):
                    adapter["geo_source"] = "page"
                if self.overwrite or not (adapter.get("city") and adapter.get("country")):
                    result = await self._reverse(point)
                    self._apply_reverse(adapter, result)
                return item
            query = forward_query(adapter)
            if query is None:
                self._count("no_address")
                return item
            result = await maybe_deferred_to_future(
                threads.deferToThread(self.service.forward, query)
            )
            self._apply_forward(adapter, result)
        except GeocodeFailure as failure:
            self._record_failure(adapter, failure)
        except Exception as error:  # a geocoder bug must not lose the item
            logger.exception("Geocoding failed for %s", adapter.get("source_url"))
            self._record_failure(adapter, GeocodeFailure("error", repr(error)))
        return item

    async def _reverse(self, point: tuple[float, float]) -> GeoResult:
        if self.service.is_offline:
            if self._batcher is None:
                self._batcher = _ReverseBatcher(self.service)
            result = await maybe_deferred_to_future(self._batcher.submit(point))
        else:
            result = await maybe_deferred_to_future(
                threads.deferToThread(self.service.reverse, *point)
            )
        if isinstance(result, GeocodeFailure):
            raise result
        return result

    def _set(self, adapter: ItemAdapter, field: str, value) -> None:
        if value in (None, ""):
            return
        if self.overwrite or not adapter.get(field):
            adapter[field] = value

    def _apply_reverse(self, adapter: ItemAdapter, result: GeoResult) -> None:
        for field in _REVERSE_FIELDS:
            self._set(adapter, field, result.components.get(field))
        self._set(adapter, "country", to_alpha2(result.components.get("country_code")))
        self._count("reverse")

    def _apply_forward(self, adapter: ItemAdapter, result: GeoResult) -> None:
        adapter["lat"] = float(result.lat)
        adapter["lon"] = float(result.lon)
        adapter["geo_source"] = result.source
        adapter["geo_precision"] = result.precision
        # A forward answer also tells the country (and region) when the page did not.
        self._set(adapter, "country", to_alpha2(result.components.get("country_code")))
        if not adapter.get("state"):
            self._set(adapter, "state", result.components.get("state"))
        self._count("forward")
        self._count(f"precision/{result.precision}")

    def _record_failure(self, adapter: ItemAdapter, failure: GeocodeFailure) -> None:
        self._count(failure.reason)
        extras = dict(adapter.get("extras") or {})
        extras["geocode_error"] = failure.reason
        adapter["extras"] = extras
        logger.debug("Geocoding %s: %s", adapter.get("source_url"), failure)

    def _count(self, key: str) -> None:
        self.stats.inc_value(f"netcrawl/geocode/{key}")
