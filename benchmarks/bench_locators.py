"""Throughput of store-locator API reading and plain-text extraction, with baselines.

Measured in the same run, best of several rounds:

- ``extract_api_places`` on a synthetic 5,000-store locator response (nested
  wrappers, address objects, string coordinates) vs plain ``json.loads`` of the
  same body (the floor: any reader must at least parse it);
- the same stores as KML vs ``lxml.etree.fromstring`` of it;
- ``extract_text_places`` on every fixture page (an already parsed Scrapy
  ``HtmlResponse``, as in the spider) vs ``extruct.extract`` on the same pages
  (the markup extraction every page goes through anyway).

Run: ``python benchmarks/bench_locators.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import warnings

import extruct
from bench_extraction import best_of, collect_pages
from lxml import etree
from scrapy.http import HtmlResponse

from netcrawl.extraction.api import extract_api_places
from netcrawl.extraction.text import extract_text_places

STORES = 5000


def locator_json(count: int) -> bytes:
    stores = [
        {
            "storeId": f"S{n:05d}",
            "storeName": f"Store {n}",
            "address": {"line1": f"{n} High Street", "city": "Leeds", "postalCode": "LS1 6DT",
                        "countryCode": "GB"},
            "location": {"latitude": f"{50 + n % 5 + n / 1e5:.6f}",
                         "longitude": f"{-2 + n / 1e5:.6f}"},
            "phone": f"0113 496 {n % 10000:04d}",
            "hours": {"Mon-Fri": "09:00-17:30", "Sat": "10:00-16:00"},
            "services": [{"code": "wifi", "label": "Wi-Fi"}, {"code": "atm", "label": "ATM"}],
        }
        for n in range(count)
    ]
    document = {"status": "ok", "data": {"center": {"lat": 51.5, "lng": -0.1},
                                         "stores": stores}, "meta": {"total_pages": 1}}
    return json.dumps(document).encode()


def locator_kml(count: int) -> bytes:
    marks = "".join(
        f"<Placemark><name>Store {n}</name><address>{n} High Street, Leeds LS1 6DT</address>"
        f"<ExtendedData><Data name='Phone'><value>0113 496 {n % 10000:04d}</value></Data>"
        f"</ExtendedData><Point><coordinates>{-2 + n / 1e5:.6f},{51 + n / 1e5:.6f},0"
        f"</coordinates></Point></Placemark>"
        for n in range(count)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
            f"<Document>{marks}</Document></kml>").encode()


def fixture_responses() -> list[HtmlResponse]:
    """The extraction benchmark's pages, parsed as the spider receives them."""
    return [HtmlResponse(url, body=body, encoding="utf-8") for url, body in collect_pages()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    url = "http://127.0.0.1:8000/api/stores.json"
    rows = []

    body = locator_json(STORES)
    found = len(extract_api_places(body, url, "application/json").places)
    assert found == STORES, found
    ours = best_of(rounds, lambda: extract_api_places(body, url, "application/json"))
    floor = best_of(rounds, lambda: json.loads(body))
    rows.append((f"API JSON, {STORES} stores", "json.loads", ours, floor, STORES))

    kml = locator_kml(STORES)
    assert len(extract_api_places(kml, url, None).places) == STORES
    ours = best_of(rounds, lambda: extract_api_places(kml, url, None))
    floor = best_of(rounds, lambda: etree.fromstring(kml))
    rows.append((f"KML, {STORES} placemarks", "lxml parse", ours, floor, STORES))

    pages = fixture_responses()
    for page in pages:  # Scrapy parses each page once (for links); do it before timing
        page.selector  # noqa: B018
    ours = best_of(rounds, lambda: [extract_text_places(page) for page in pages])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        floor = best_of(max(1, rounds // 2), lambda: [
            extruct.extract(page.body, base_url=page.url) for page in pages
        ])
    rows.append((f"text, {len(pages)} pages", "extruct.extract", ours, floor, len(pages)))

    print(f"{'workload':<28} {'netcrawl s':>11} {'baseline':<16} {'baseline s':>11} "
          f"{'ratio':>7} {'per item µs':>12}")
    for name, baseline, ours, floor, items in rows:
        print(f"{name:<28} {ours:>11.4f} {baseline:<16} {floor:>11.4f} {ours / floor:>7.2f} "
              f"{ours / items * 1e6:>12.1f}")


if __name__ == "__main__":
    main()
