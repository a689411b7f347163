"""Distances on the Earth's surface, shared by extraction, geocoding, quality and datasets.

A sphere of the mean Earth radius is accurate to about 0.5% at the scales netcrawl
compares (metres to a few kilometres), and costs a few microseconds per pair,
which matters on per-item paths such as duplicate detection.
"""

from __future__ import annotations

import math

#: Mean Earth radius (IUGG), in metres.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
