"""OpeningHoursPipeline: raw opening hours to OpenStreetMap ``opening_hours`` syntax.

Reads ``extras["openingHoursSpecification"]``, ``extras["openingHours"]`` and
``extras["opening_hours_text"]`` (in that order of trust), or an
``opening_hours`` value already set by the extractor, and writes the canonical
OSM string to ``opening_hours`` (see :mod:`netcrawl.normalisation.opening_hours`).
Raw values stay in extras. When nothing parses, ``opening_hours`` is left
unset (a raw value found there moves to ``extras["opening_hours_unparsed"]``)
and ``netcrawl/opening_hours/unparsed`` is counted.

Stats: ``netcrawl/opening_hours/parsed``, ``netcrawl/opening_hours/unparsed``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from netcrawl.normalisation.opening_hours import to_osm


class OpeningHoursPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> OpeningHoursPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        extras = adapter.get("extras") or {}
        specification = extras.get("openingHoursSpecification")
        strings = extras.get("openingHours")
        text = extras.get("opening_hours_text")
        published = adapter.get("opening_hours")
        if not (specification or strings or text or published):
            return item
        try:
            osm = to_osm(opening_hours=strings, specification=specification, text=text)
            if osm is None and published:
                osm = to_osm(opening_hours=published)
        except (TypeError, ValueError, AttributeError):
            osm = None  # malformed raw structures count as unparsed, never stop the crawl
        if osm:
            adapter["opening_hours"] = osm
            self.stats.inc_value("netcrawl/opening_hours/parsed")
            return item
        if published:
            adapter.pop("opening_hours", None)
            adapter["extras"] = {**extras, "opening_hours_unparsed": published}
        self.stats.inc_value("netcrawl/opening_hours/unparsed")
        return item
