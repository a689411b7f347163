"""ValidationPipeline: trustworthy coordinates and contacts; places without a location dropped.

- coordinates: non-numeric, out of range and (0, 0) ones move to
  ``extras["coordinates_invalid"]`` with the reason; exchanged latitude and
  longitude are swapped back (decided against the country with
  :func:`netcrawl.geocoding.reverse_country`), the published pair kept in
  ``extras["coordinates_swapped"]``;
- ``email`` and ``website`` that are malformed move to
  ``extras["email_invalid"]`` / ``extras["website_invalid"]`` with the reason;
- a place with neither an address (street, city, postcode, addr_full) nor
  coordinates is dropped with reason ``no_location``.

Runs after geocoding (order 600) so that an address-only place has had its
chance to get coordinates, and a coordinates-only one a city.

Stats: ``netcrawl/validation/<event>`` (``coordinates_swapped``,
``coordinates_null_island``, ``coordinates_out_of_range``,
``coordinates_not_numeric``, ``email_invalid``, ``website_invalid``) and
``netcrawl/dropped/no_location``.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter

from netcrawl.geocoding import reverse_country
from netcrawl.quality.drops import NO_LOCATION, DropRecorder
from netcrawl.quality.validation import (
    ValidationOutcome,
    check_contacts,
    check_coordinates,
    has_location,
)


class ValidationPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats
        self.drops = DropRecorder(stats, logging.WARNING)

    @classmethod
    def from_crawler(cls, crawler) -> ValidationPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        place = adapter.asdict()
        # Only a known country can tell an exchanged pair from a real one.
        reverse = reverse_country if place.get("country") else None
        for outcome in (check_coordinates(place, reverse), check_contacts(place)):
            self._apply(adapter, outcome)
        if not has_location(adapter):
            raise self.drops.drop(NO_LOCATION, adapter, str(adapter.get("name") or ""))
        return item

    def _apply(self, adapter: ItemAdapter, outcome: ValidationOutcome) -> None:
        for name in outcome.removals:
            adapter.pop(name, None)
        for name, value in outcome.updates.items():
            adapter[name] = value
        if outcome.extras:
            adapter["extras"] = {**(adapter.get("extras") or {}), **outcome.extras}
        for event in outcome.events:
            self.stats.inc_value(f"netcrawl/validation/{event}")
