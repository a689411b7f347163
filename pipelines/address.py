"""AddressPipeline: clean address text, split the street line, format postcodes, compose addr_full.

Runs after the country (order 150) because the split and the postcode format
depend on it; see :func:`netcrawl.normalisation.address.normalise_address`.

Stats: ``netcrawl/address/cleaned`` (a text field changed),
``netcrawl/address/split`` (housenumber and street found),
``netcrawl/address/postcode_formatted``, ``netcrawl/address/addr_full_composed``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from netcrawl.normalisation.address import normalise_address


class AddressPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> AddressPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        before = adapter.asdict()
        had_addr_full = bool(before.get("addr_full"))
        changes = normalise_address(before)
        for name, value in changes.items():
            if value in (None, ""):
                adapter.pop(name, None)
            else:
                adapter[name] = value
        if "housenumber" in changes and "street" in changes:
            self.stats.inc_value("netcrawl/address/split")
        if "postcode" in changes:
            self.stats.inc_value("netcrawl/address/postcode_formatted")
        if "addr_full" in changes and not had_addr_full:
            self.stats.inc_value("netcrawl/address/addr_full_composed")
        if any(name in before and name != "postcode" for name in changes):
            self.stats.inc_value("netcrawl/address/cleaned")
        return item
