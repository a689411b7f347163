"""Memory and speed of duplicate detection: compact keys vs keeping the items.

Run: ``python benchmarks/bench_duplicates.py [--places N]``. Generates N
synthetic places (10 % repeats: same ref, same name+address, or same name a
few metres away), runs :class:`netcrawl.quality.duplicates.DuplicateDetector`
and, for comparison in the same run, the naive approach of holding every kept
item in dicts (what a merge-in-memory pipeline would do). Time is measured
without tracing; memory in a second pass with tracemalloc (peak of Python
allocations made by the detector, the input list excluded).
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from netcrawl.quality.duplicates import DuplicateDetector


def synthetic_places(count: int, seed: int = 7):
    rng = random.Random(seed)
    made: list[dict] = []
    for index in range(count):
        if made and rng.random() < 0.10:
            original = rng.choice(made[-1000:])
            kind = rng.randrange(3)
            if kind == 0:
                yield dict(original, source_url=f"https://example.com/p/{index}")
            elif kind == 1:
                repeat = {k: v for k, v in original.items() if k not in ("ref", "lat", "lon")}
                yield dict(repeat, source_url=f"https://example.com/q/{index}")
            else:
                yield dict(original, ref=f"other-{index}", lat=original["lat"] + 0.00005,
                           source_url=f"https://example.com/r/{index}")
            continue
        place = {
            "ref": f"store-{index}",
            "name": f"Shop {index % 5000}",
            "street_address": f"{rng.randrange(1, 300)} {rng.choice(['High', 'Main', 'Park'])} St",
            "postcode": f"{rng.randrange(10000, 99999)}",
            "city": rng.choice(["Berlin", "Paris", "Madrid", "Rome"]),
            "lat": rng.uniform(35, 60),
            "lon": rng.uniform(-10, 30),
            "phone": f"+49 30 {rng.randrange(1000000, 9999999)}",
            "opening_hours": "Mo-Fr 09:00-18:00; Sa 10:00-14:00",
            "source_url": f"https://example.com/s/{index}",
            "spider": "bench",
        }
        made.append(place)
        yield place


def _measure(function, places: list[dict]) -> tuple[float, int, int]:
    """(seconds without tracing, peak traced bytes in a second pass, repeats found)."""
    start = time.perf_counter()
    repeats = function(places)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    function(places)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, repeats


def compact_detector(places: list[dict]) -> int:
    detector = DuplicateDetector("bench")
    return sum(detector.check(place) is not None for place in places)


def items_in_memory(places: list[dict]) -> int:
    """Hold every kept item, by ref and by name+address, to merge repeats into it."""
    by_ref: dict[str, dict] = {}
    by_address: dict[tuple, dict] = {}
    repeats = 0
    for place in places:
        address = (place["name"].lower(), place["street_address"].lower(), place["postcode"])
        if place.get("ref") in by_ref or address in by_address:
            repeats += 1
            continue
        kept = dict(place)
        by_address[address] = kept
        if place.get("ref"):
            by_ref[place["ref"]] = kept
    return repeats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--places", type=int, default=200_000)
    args = parser.parse_args()
    places = list(synthetic_places(args.places))
    compact = _measure(compact_detector, places)
    naive = _measure(items_in_memory, places)
    print(f"{args.places} places (10 % repeats; the naive approach cannot do the 25 m test)")
    print(f"{'approach':<34}{'seconds':>9}{'peak MB':>10}{'B/place':>9}{'repeats':>9}")
    for label, (elapsed, peak, repeats) in (
        ("DuplicateDetector (compact keys)", compact),
        ("items kept in memory", naive),
    ):
        per_place = peak / len(places)
        print(f"{label:<34}{elapsed:>9.2f}{peak / 1e6:>10.1f}{per_place:>9.0f}{repeats:>9}")
    print(f"memory ratio compact/items: {compact[1] / naive[1]:.2f}; "
          f"time per place: {compact[0] / len(places) * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
