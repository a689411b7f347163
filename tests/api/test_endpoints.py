"""Endpoint discovery in pages' scripts and data attributes, same-site only."""

from __future__ import annotations

from netcrawl.extraction.api import find_endpoints

PAGE = "https://www.shop.example/stores/"


def page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>Stores</title></head><body>{body}</body></html>"


def test_fetch_jquery_axios_and_xhr():
    html = page("""<script>
      fetch("/api/stores?country=GB").then(r => r.json());
      $.getJSON('/store-locator/data.json', function (stores) {});
      jQuery.ajax({url: "/wp-admin/admin-ajax.php?action=store_search&autoload=1",
                   dataType: "json"});
      axios.get(`/api/v2/locations`).then(render);
      var xhr = new XMLHttpRequest(); xhr.open("GET", "https://api.shop.example/dealers.xml");
    </script>""")
    assert find_endpoints(html, PAGE) == [
        "https://www.shop.example/api/stores?country=GB",
        "https://www.shop.example/store-locator/data.json",
        "https://www.shop.example/wp-admin/admin-ajax.php?action=store_search&autoload=1",
        "https://www.shop.example/api/v2/locations",
        "https://api.shop.example/dealers.xml",  # a subdomain of the same site
    ]


def test_placeholders_and_concatenation_are_cut():
    html = page("""<script>
      fetch(`/api/stores/search?lat=${lat}&lng=${lng}`);
      $.get("/api/branches?postcode=" + postcode + "&radius=10");
    </script>""")
    assert find_endpoints(html, PAGE) == [
        "https://www.shop.example/api/stores/search",
        "https://www.shop.example/api/branches",
    ]


def test_data_attributes():
    html = page("""
      <div id="map" data-api="/api/locations" data-endpoint="/locator/endpoint"></div>
      <div data-stores-url="/data/stores.geojson"></div>
      <a class="share" data-url="https://www.shop.example/stores/">Share</a>
      <img data-src="/img/map.png">
    """)
    assert find_endpoints(html, PAGE) == [
        "https://www.shop.example/api/locations",
        "https://www.shop.example/locator/endpoint",
        "https://www.shop.example/data/stores.geojson",
    ]


def test_off_site_and_assets_are_dropped_known_providers_kept():
    html = page("""<script>
      fetch("https://www.google-analytics.com/collect?v=1");
      fetch("https://tracker.example.net/api/events");
      fetch("/static/app.js");
      $.getJSON("https://api.storepoint.co/v1/15f3e4f/locations?rq");
    </script>""")
    assert find_endpoints(html, PAGE) == ["https://api.storepoint.co/v1/15f3e4f/locations?rq"]
    assert find_endpoints(html, PAGE, known_providers=False) == []


def test_json_ld_and_external_scripts_ignored():
    html = page("""<script type="application/ld+json">{"url": "/api/stores.json"}</script>
      <script src="/js/locator.js"></script>""")
    assert find_endpoints(html, PAGE) == []


def test_scrapy_response():
    from scrapy.http import HtmlResponse

    response = HtmlResponse(PAGE, body=page('<script>fetch("/api/stores")</script>').encode(),
                            encoding="utf-8")
    assert find_endpoints(response) == ["https://www.shop.example/api/stores"]
