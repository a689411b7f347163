"""Coordinates in map links, embeds, geo: URIs, data attributes and geo meta tags."""

from __future__ import annotations

import pytest

from netcrawl.extraction.page import load_html
from netcrawl.extraction.text.maps import coordinates_from_url, map_hints


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("geo:51.5072,-0.1276", (51.5072, -0.1276, "marker")),
        ("geo:48.8566,2.3522;u=35", (48.8566, 2.3522, "marker")),
        ("https://www.google.com/maps/place/Big+Ben/@51.5007292,-0.1268141,17z/"
         "data=!3m1!4b1!4m6!3m5!1s0x487604c38c8cd1d9:0xb78f2474b9a45aa9!8m2!3d51.5007292!4d-0.1246254",
         (51.5007292, -0.1246254, "marker")),
        ("https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2483.5!2d-0.1268!3d51.5007"
         "!2m3!1f0!2f0!3f0", (51.5007, -0.1268, "marker")),
        ("https://www.google.com/maps/@40.7484405,-73.9856644,15z", (40.7484405, -73.9856644,
                                                                     "center")),
        ("https://maps.google.com/maps?q=40.7484,-73.9857&z=15", (40.7484, -73.9857, "marker")),
        ("https://www.google.com/maps/search/?api=1&query=47.5951518%2C-122.3316393",
         (47.5951518, -122.3316393, "marker")),
        ("https://www.google.com/maps/dir/?api=1&destination=52.52,13.405",
         (52.52, 13.405, "marker")),
        ("https://maps.google.co.uk/maps?ll=51.5,-0.12&spn=0.1", (51.5, -0.12, "marker")),
        ("https://maps.googleapis.com/maps/api/staticmap?center=Brooklyn&zoom=13&size=600x300"
         "&markers=color:red%7Clabel:S%7C40.702147,-74.015794", (40.702147, -74.015794, "marker")),
        ("https://www.openstreetmap.org/?mlat=52.3731&mlon=4.8922#map=17/52.3700/4.8900",
         (52.3731, 4.8922, "marker")),
        ("https://www.openstreetmap.org/#map=17/52.37310/4.89220", (52.3731, 4.8922, "center")),
        ("https://www.openstreetmap.org/export/embed.html?bbox=4.88%2C52.37%2C4.90%2C52.38"
         "&layer=mapnik&marker=52.3731%2C4.8922", (52.3731, 4.8922, "marker")),
        ("https://maps.apple.com/?ll=37.3349,-122.0090&q=Apple%20Park",
         (37.3349, -122.009, "marker")),
        ("https://www.bing.com/maps?cp=47.6062~-122.3321&lvl=12", (47.6062, -122.3321, "marker")),
        ("https://embed.waze.com/iframe?zoom=16&lat=45.5&lon=-73.57", (45.5, -73.57, "marker")),
    ],
)
def test_map_urls(url, expected):
    assert coordinates_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.openstreetmap.org/export/embed.html?bbox=4.88%2C52.37%2C4.90%2C52.38",
        "https://www.google.com/maps/place/Big+Ben",
        "https://example.com/?q=51.5,-0.12",  # not a map host
        "https://maps.google.com/?q=Big+Ben,+London",
        "geo:0,0",
        "https://www.google.com/maps/@95.0,200.0,15z",
    ],
)
def test_urls_without_place_coordinates(url):
    assert coordinates_from_url(url) is None


def test_hints_from_a_page():
    root, _ = load_html("""<html><head><meta name="geo.position" content="50.8503;4.3517">
      <meta name="ICBM" content="50.8503, 4.3517"></head><body>
      <div class="map" data-latitude="50.85" data-longitude="4.35"></div>
      <iframe src="https://www.google.com/maps/embed?pb=!1m14!2d4.3517!3d50.8503"></iframe>
      <a href="https://example.com/">not a map</a></body></html>""")
    hints = map_hints(root)
    assert [(hint.lat, hint.lon) for hint in hints] == [
        (50.8503, 4.3517), (50.8503, 4.3517), (50.8503, 4.3517), (50.85, 4.35),
    ]
