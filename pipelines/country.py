"""CountryPipeline: every place gets an ISO 3166-1 alpha-2 ``country`` where it can be told.

The published country ("Deutschland", "USA", "GBR") is normalised with
:func:`netcrawl.normalisation.country.to_alpha2`; an unrecognisable one moves to
``extras["country_invalid"]``. A place with none gets one inferred from its
address, coordinates, phone calling code or ccTLD
(:func:`~netcrawl.normalisation.country.infer_country`), with the evidence in
``extras["country_source"]``. Runs first (order 100): phone and address
normalisation need the country.

Stats: ``netcrawl/country/normalised``, ``netcrawl/country/invalid``,
``netcrawl/country/from_<source>``, ``netcrawl/country/unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itemadapter import ItemAdapter

from netcrawl.normalisation.country import infer_country, to_alpha2


class CountryPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> CountryPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        raw = adapter.get("country")
        if isinstance(raw, Mapping):  # schema.org Country object
            raw = raw.get("name") or raw.get("identifier") or raw.get("@id")
        if raw not in (None, ""):
            code = to_alpha2(str(raw))
            if code:
                if code != adapter.get("country"):
                    adapter["country"] = code
                    self.stats.inc_value("netcrawl/country/normalised")
                return item
            del adapter["country"]
            extras = dict(adapter.get("extras") or {})
            extras["country_invalid"] = str(raw)
            adapter["extras"] = extras
            self.stats.inc_value("netcrawl/country/invalid")
        evidence = infer_country(adapter.asdict())
        if evidence is None:
            self.stats.inc_value("netcrawl/country/unknown")
            return item
        adapter["country"] = evidence.code
        extras = dict(adapter.get("extras") or {})
        extras["country_source"] = evidence.source
        adapter["extras"] = extras
        self.stats.inc_value(f"netcrawl/country/from_{evidence.source}")
        return item
