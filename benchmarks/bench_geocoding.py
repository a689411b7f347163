"""Benchmark of the embedded geocoder: speed, cold start and accuracy, vs reverse_geocoder.

Run: ``python benchmarks/bench_geocoding.py [--points 200000] [--import-rows 500000]``

Measures, in one run on this machine:

- cold build of the gazetteer index (first use) and cold start of a process
  that opens an existing index and answers its first reverse and forward query;
- reverse geocoding in batch (points/s) against ``reverse_geocoder.search`` on
  the same points, and accuracy of both (right country, right town) on points
  scattered within 1 km of known populated places;
- import of an OpenAddresses CSV (rows/s);
- forward geocoding (addresses/s) and accuracy on a synthetic register whose
  true coordinates are known: queries written in varied ways (within 25 m),
  withheld house numbers (interpolation, within 100 m), and "town, region,
  country" queries of gazetteer places (within 10 km).

Goals (2 cores): reverse >= 200,000 points/s, forward >= 2,000 addresses/s,
import >= 50,000 rows/s, cold start < 2 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netcrawl.geocoding import OfflineGeocoder  # noqa: E402
from netcrawl.geocoding.importer import import_addresses  # noqa: E402
from netcrawl.geocoding.store import connect, ensure_index  # noqa: E402
from netcrawl.geocoding.synthetic import OPENADDRESSES_HEADER, generate, written_queries  # noqa: E402
from netcrawl.geodesy import haversine_m  # noqa: E402

ROWS: list[tuple[str, str, str]] = []


def report(name: str, value: str, note: str = "") -> None:
    ROWS.append((name, value, note))
    print(f"  {name:<46} {value:>16}  {note}", flush=True)


def bench_cold(workdir: Path) -> Path:
    db = workdir / "geocoder.sqlite"
    started = time.perf_counter()
    ensure_index(db)
    report("cold build of the index (first use)", f"{time.perf_counter() - started:.2f} s")
    code = (
        "import time; t = time.perf_counter();"
        "from netcrawl.geocoding import OfflineGeocoder;"
        f"g = OfflineGeocoder({str(db)!r});"
        "g.reverse((48.85, 2.35)); g.geocode('Lyon, France');"
        "print(time.perf_counter() - t)"
    )
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    report("cold start: open + first reverse + forward", f"{float(out.stdout):.2f} s",
           f"(whole new process incl. Python start: {wall:.2f} s; goal < 2 s)")  # fmt: skip
    return db


def sample_places(db: Path, count: int, rng: random.Random):
    conn = connect(db)
    rows = conn.execute("SELECT id, name, admin1, cc, lat, lon, population FROM places").fetchall()
    conn.close()
    return [rows[i] for i in rng.sample(range(len(rows)), count)]


def jitter(lat: float, lon: float, rng: random.Random, metres: float) -> tuple[float, float]:
    d = rng.uniform(0, metres)
    angle = rng.uniform(0, 2 * np.pi)
    dlat = d * np.cos(angle) / 111_320
    dlon = d * np.sin(angle) / (111_320 * max(0.05, np.cos(np.radians(lat))))
    return lat + dlat, lon + dlon


def bench_reverse(db: Path, points: int, rng: random.Random) -> None:
    import reverse_geocoder

    geocoder = OfflineGeocoder(db)
    places = sample_places(db, min(points, 50_000), rng)
    truth = [places[i % len(places)] for i in range(points)]
    coords = [jitter(p[4], p[5], rng, 1_000) for p in truth]
    lats = np.array([c[0] for c in coords])
    lons = np.array([c[1] for c in coords])
    geocoder.reverse_batch(lats[:100], lons[:100])  # load the index, as rg's first call does

    started = time.perf_counter()
    batch = geocoder.reverse_batch(lats, lons)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    geocoder.reverse_country_batch(lats, lons)
    ours_cc = time.perf_counter() - started

    reverse_geocoder.search([(0.0, 0.0)], verbose=False)  # rg loads its data on first call
    started = time.perf_counter()
    theirs_result = reverse_geocoder.search(coords, verbose=False)
    theirs = time.perf_counter() - started

    report(
        "reverse batch (place, region, country)",
        f"{points / ours:,.0f} pts/s",
        f"x{theirs / ours:.2f} vs reverse_geocoder.search ({points / theirs:,.0f} pts/s)",
    )
    report("reverse batch (country only)", f"{points / ours_cc:,.0f} pts/s", "goal >= 200,000")
    ours_country = np.mean([batch.country_code[i] == t[3] for i, t in enumerate(truth)])
    ours_town = np.mean([batch.city[i] == t[1] for i, t in enumerate(truth)])
    rg_country = np.mean([r["cc"] == t[3] for r, t in zip(theirs_result, truth, strict=True)])
    rg_town = np.mean([r["name"] == t[1] for r, t in zip(theirs_result, truth, strict=True)])
    report(
        "reverse right country (points < 1 km of a town)",
        f"{ours_country:.2%}",
        f"reverse_geocoder: {rg_country:.2%}",
    )
    report("reverse right town", f"{ours_town:.2%}", f"reverse_geocoder: {rg_town:.2%}")
    started = time.perf_counter()
    for lat, lon in coords[:2000]:
        geocoder.reverse((lat, lon))
    report("reverse one by one (geopy API)", f"{2000 / (time.perf_counter() - started):,.0f} pts/s")
    geocoder.close()


def write_big_openaddresses(path: Path, rows: int, rng: random.Random) -> None:
    """A register of ``rows`` points: many towns, each with a few dozen streets."""
    names = [
        "Main",
        "Oak",
        "Elm",
        "Maple",
        "Cedar",
        "Pine",
        "Lake",
        "Hill",
        "Park",
        "Church",
        "Mill",
        "River",
        "Spring",
        "Washington",
        "Lincoln",
        "Jefferson",
        "Walnut",
        "Cherry",
    ]
    types = ["St", "Ave", "Rd", "Blvd", "Dr", "Ln", "Ct", "Way", "Pl"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(OPENADDRESSES_HEADER)
        written = 0
        town = 0
        while written < rows:
            town += 1
            lat0, lon0 = rng.uniform(30, 47), rng.uniform(-120, -75)
            # 40 distinct street names per town (a name twice in a town would be ambiguous).
            town_names = rng.sample(
                [f"{d}{n} {t}" for d in ("", "N ", "S ") for n in names for t in types], 40
            )
            for street, name in enumerate(town_names):
                for number in range(1, 251):
                    writer.writerow((
                        f"{lon0 + street * 0.002 + number * 0.00003:.7f}",
                        f"{lat0 + street * 0.003:.7f}", number, name, "",
                        f"Town {town}", "", "ZZ", f"{10000 + town:05d}",
                    ))  # fmt: skip
                written += 250
                if written >= rows:
                    return


def bench_import(db: Path, workdir: Path, rows: int, rng: random.Random) -> None:
    source = workdir / "big-openaddresses.csv"
    write_big_openaddresses(source, rows, rng)
    target = workdir / "import.sqlite"
    shutil.copyfile(db, target)
    result = import_addresses(source, target, progress=False)
    report(
        "import OpenAddresses CSV",
        f"{result.rows_per_second:,.0f} rows/s",
        f"{result.imported:,} rows in {result.seconds:.1f} s incl. indexes; goal >= 50,000",
    )
    source.unlink()
    target.unlink()


def share_within(answers: list, truth: list[tuple[float, float]], metres: float) -> float:
    """Share of answers (``None`` when not found) within ``metres`` of the true (lat, lon)."""
    return float(np.mean([
        a is not None and haversine_m(a.latitude, a.longitude, lat, lon) <= metres
        for a, (lat, lon) in zip(answers, truth, strict=True)
    ]))  # fmt: skip


def bench_forward(db: Path, workdir: Path, rng: random.Random) -> None:
    register = generate(houses_per_street=400, withheld_share=0.05)
    source = register.write_openaddresses(workdir / "synthetic.csv")
    target = workdir / "synthetic.sqlite"
    shutil.copyfile(db, target)
    import_addresses(source, target, progress=False)
    geocoder = OfflineGeocoder(target)
    queries = list(written_queries(register.points))
    geocoder.geocode(queries[0][0])
    started = time.perf_counter()
    answers = [geocoder.geocode(q) for q, _ in queries]
    elapsed = time.perf_counter() - started
    report("forward addresses", f"{len(queries) / elapsed:,.0f} addr/s", "goal >= 2,000")
    within = share_within(answers, [(p.lat, p.lon) for _, p in queries], 25)
    report(
        "addresses as people write them, within 25 m",
        f"{within:.2%}",
        f"{len(queries):,} queries (US, FR, NL forms); goal >= 98%",
    )
    withheld = list(written_queries(register.withheld))
    answers = [geocoder.geocode(q) for q, _ in withheld]
    within = share_within(answers, [(p.lat, p.lon) for _, p in withheld], 100)
    report(
        "withheld numbers (interpolated), within 100 m",
        f"{within:.2%}",
        f"{len(withheld):,} queries; goal >= 95%",
    )
    geocoder.close()

    gazetteer = OfflineGeocoder(db)
    places = [p for p in sample_places(db, 6_000, rng) if p[2]][:3_000]
    started = time.perf_counter()
    answers = [gazetteer.geocode(f"{p[1]}, {p[2]}, {p[3]}") for p in places]
    elapsed = time.perf_counter() - started
    within = share_within(answers, [(p[4], p[5]) for p in places], 10_000)
    report(
        "'town, region, country' within 10 km",
        f"{within:.2%}",
        f"{len(places):,} random places, {len(places) / elapsed:,.0f} q/s; goal >= 95%",
    )
    gazetteer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=500_000)
    args = parser.parse_args()
    rng = random.Random(42)
    print(f"netcrawl geocoding benchmark ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="bench-geocoding-") as tmp:
        workdir = Path(tmp)
        db = bench_cold(workdir)
        bench_reverse(db, args.points, rng)
        bench_import(db, workdir, args.import_rows, rng)
        bench_forward(db, workdir, rng)


if __name__ == "__main__":
    main()
