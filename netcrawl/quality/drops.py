"""Counted, logged drops: no record leaves the pipeline without a trace.

Scrapy logs every dropped item at WARNING with its whole content; on a crawl of
a large site that buries the log. A :class:`DropRecorder` instead counts each
drop in the stats (``netcrawl/dropped/<reason>``), logs the first drop of each
reason once per spider with an example, and raises a :class:`DropItem` whose
own log line Scrapy emits at DEBUG.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem

logger = logging.getLogger(__name__)

#: A place with neither an address (street, city, postcode, addr_full) nor coordinates.
NO_LOCATION = "no_location"
#: A place already exported under another URL or markup (merged into the first one).
DUPLICATE = "duplicate"

DROP_REASONS = {
    NO_LOCATION: "neither an address nor coordinates",
    DUPLICATE: "same place already exported (same ref, name+address, or name within 25 m)",
}


class DropRecorder:
    """Counts drops per reason and logs each reason once per spider."""

    def __init__(self, stats: Any, level: int = logging.WARNING) -> None:
        self.stats = stats
        self.level = level
        self._logged: set[str] = set()

    def drop(self, reason: str, item: Any, detail: str = "") -> DropItem:
        """Count and (first time per reason) log a drop; return the exception to raise."""
        self.stats.inc_value(f"netcrawl/dropped/{reason}")
        explanation = DROP_REASONS.get(reason, reason)
        message = f"{reason}: {explanation}" + (f" ({detail})" if detail else "")
        if reason not in self._logged:
            self._logged.add(reason)
            source = item.get("source_url") if hasattr(item, "get") else None
            logger.log(
                self.level,
                "Dropping places for reason %r (%s); first one from %s. Further drops for "
                "this reason are only counted in stats netcrawl/dropped/%s.",
                reason,
                explanation,
                source or "an unknown URL",
                reason,
            )
        return DropItem(message, log_level="DEBUG")
