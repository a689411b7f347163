"""PhonePipeline: phone numbers to E.164 with the place's country as region.

- ``phone``: the first valid number; ``extras["phones"]``: every valid number
  (E.164) when there are several;
- ``extras["phone_invalid"]``: raw strings that are not valid numbers;
- ``extras["phone_unresolved"]`` with ``extras["phone_unresolved_reason"]``:
  national numbers of a place whose country is unknown (not guessed).

Stats: ``netcrawl/phone/normalised``, ``netcrawl/phone/invalid``,
``netcrawl/phone/unresolved`` (counts of raw strings).
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from netcrawl.normalisation.phone import REASON_NO_COUNTRY, normalise_phones


class PhonePipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> PhonePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        extras = dict(adapter.get("extras") or {})
        raw_phones: list[str] = []
        for value in [*_as_list(adapter.get("phone")), *_as_list(extras.get("phones"))]:
            if value not in (None, "") and str(value) not in raw_phones:
                raw_phones.append(str(value))
        if not raw_phones:
            return item
        result = normalise_phones(raw_phones, adapter.get("country"))
        extras.pop("phones", None)
        if result.valid:
            adapter["phone"] = result.valid[0]
            if len(result.valid) > 1:
                extras["phones"] = result.valid
            self.stats.inc_value("netcrawl/phone/normalised", len(result.valid))
        else:
            adapter.pop("phone", None)
        if result.invalid:
            extras["phone_invalid"] = result.invalid
            self.stats.inc_value("netcrawl/phone/invalid", len(result.invalid))
        if result.unresolved:
            extras["phone_unresolved"] = result.unresolved
            extras["phone_unresolved_reason"] = REASON_NO_COUNTRY
            self.stats.inc_value("netcrawl/phone/unresolved", len(result.unresolved))
        if extras:
            adapter["extras"] = extras
        else:
            adapter.pop("extras", None)
        return item


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
