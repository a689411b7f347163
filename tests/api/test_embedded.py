"""Place data embedded in pages' JavaScript and JSON data islands (parsed with chompjs)."""

from __future__ import annotations

import json

from netcrawl.extraction.api import extract_embedded_places

URL = "https://www.shop.example/stores/"


def page(scripts: str) -> str:
    return f"<html><head><title>Stores</title>{scripts}</head><body><h1>Stores</h1></body></html>"


def test_javascript_variable_with_unquoted_keys():
    html = page("""<script>
      var mapOptions = {center: {lat: 51.5, lng: -0.12}, zoom: 6};
      var stores = [
        {id: 1, name: 'Covent Garden', lat: 51.5117, lng: -0.1240, address: '12 Long Acre',
         postcode: 'WC2E 9LH'},
        {id: 2, name: "Camden", lat: 51.5390, lng: -0.1426, address: "1 Camden High St",
         postcode: "NW1 7JE"},
      ];
      initMap(mapOptions, stores);
    </script>""")
    result = extract_embedded_places(html, URL)
    assert [place["name"] for place in result.places] == ["Covent Garden", "Camden"]
    assert result.places[0]["lat"] == 51.5117
    assert all(place["source_format"] == "api" for place in result.places)


def test_initial_state_object():
    state = {"app": {"locale": "de"}, "storeLocator": {"results": {"items": [
        {"storeName": "Filiale Mitte", "geo": {"latitude": 52.52, "longitude": 13.40},
         "address": {"street": "Alexanderplatz 1", "zip": "10178", "city": "Berlin"}},
    ]}}}
    html = page(f"<script>window.__INITIAL_STATE__ = {json.dumps(state)};</script>")
    (place,) = extract_embedded_places(html, URL).places
    assert (place["name"], place["postcode"], place["lat"]) == ("Filiale Mitte", "10178", 52.52)


def test_next_data_json_island():
    data = {"props": {"pageProps": {
        "organization": {"name": "Shop GmbH", "address": "Hauptstr. 1, 10115 Berlin"},
        "store": {"id": "b-1", "name": "Shop Berlin", "coordinates": {"lat": 52.53, "lng": 13.38},
                  "address": {"line1": "Invalidenstr. 5", "postalCode": "10115"}},
    }}, "page": "/stores/[id]"}
    html = page(f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>')
    (place,) = extract_embedded_places(html, URL).places  # the organisation has no coordinates
    assert place["ref"] == "b-1" and place["street_address"] == "Invalidenstr. 5"


def test_pages_without_place_data_and_broken_islands():
    html = page("""<script>var config = {lat: 1.5, lng: 2.5, zoom: 3};</script>
      <script type="application/ld+json">{"@type": "Store", "name": "X",
        "geo": {"latitude": 1, "longitude": 2}}</script>
      <script type="application/json" id="state">{"lat": 1, broken</script>""")
    result = extract_embedded_places(html, URL)
    assert result.places == []  # config is a bare pair; JSON-LD is another extractor's job
    assert result.problems == ["invalid_embedded_json"]
