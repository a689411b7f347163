"""A generated store-finder site for the resume tests, and readers for crawl logs.

``build_site(root)`` writes 151 pages: an index linking to 10 region pages,
each linking to 14 store pages (one JSON-LD place each, 140 in all) and to the
next region; store pages link to their neighbour (so the duplicate filter has
work). The index also links to a page robots.txt disallows (a download that
fails for good) and to a missing page (an HTTP 404 through the errback).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REGIONS = 10
STORES_PER_REGION = 14
PLACES = REGIONS * STORES_PER_REGION


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )


def _links(*hrefs: str) -> str:
    return "\n".join(f'<a href="{href}">{href}</a>' for href in hrefs)


def _store(region: int, number: int) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "Store",
        "name": f"Resume Test Store {region:02d}-{number:02d}",
        "branchCode": f"RT-{region:02d}-{number:02d}",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": f"Hauptstraße {number + 1}",
            "addressLocality": f"Teststadt {region}",
            "postalCode": f"{10000 + region * 100 + number}",
            "addressCountry": "DE",
        },
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": round(50.0 + region * 0.1 + number * 0.002, 5),
            "longitude": round(8.0 + region * 0.1 + number * 0.002, 5),
        },
    }
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def build_site(root: Path) -> Path:
    def write(name: str, text: str) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    write("robots.txt", "User-agent: *\nDisallow: /private/\n")
    write("private/secret.html", _page("Private", "not to be crawled"))
    regions = [f"region-{region:02d}.html" for region in range(REGIONS)]
    write("index.html", _page("Store finder", _links(*regions, "private/secret.html",
                                                      "missing.html")))
    for region in range(REGIONS):
        stores = [f"store-{region:02d}-{number:02d}.html" for number in range(STORES_PER_REGION)]
        following = regions[(region + 1) % REGIONS]
        write(regions[region], _page(f"Region {region}", _links(*stores, following)))
        for number, name in enumerate(stores):
            neighbour = stores[(number + 1) % STORES_PER_REGION]
            write(name, _page(f"Store {region}-{number}",
                              _store(region, number) + _links(neighbour, "index.html")))
    return root


_PORT = re.compile(r"127\.0\.0\.1:\d+")


def read_places(path: Path) -> list[str]:
    """The export's records as canonical JSON strings, the served port replaced."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return sorted(
        _PORT.sub("127.0.0.1:PORT", json.dumps(json.loads(line), sort_keys=True))
        for line in lines if line.strip()
    )
