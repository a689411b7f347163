"""Next-page links of paginated API responses."""

from __future__ import annotations

import json

from netcrawl.extraction.api import ApiBody, extract_api_places, find_next_pages
from netcrawl.extraction.api import body as api_body

URL = "https://shop.example/api/stores?page=2&limit=50"


def next_of(document, url: str = URL, **kwargs) -> list[str]:
    return find_next_pages(json.dumps(document), url, "application/json", **kwargs)


def test_links_next_relative_and_absolute():
    assert next_of({"links": {"next": "/api/stores?page=3&limit=50"}}) == [
        "https://shop.example/api/stores?page=3&limit=50"
    ]
    assert next_of({"next": "https://shop.example/api/stores?cursor=abc"}) == [
        "https://shop.example/api/stores?cursor=abc"
    ]


def test_common_key_spellings():
    assert next_of({"pagination": {"nextPageUrl": "?page=3"}}) == [
        "https://shop.example/api/stores?page=3"
    ]
    assert next_of({"next_page": "/api/stores/p/3"}) == ["https://shop.example/api/stores/p/3"]
    assert next_of({"_links": {"next": {"href": "/api/stores?page=3"}}}) == [
        "https://shop.example/api/stores?page=3"
    ]
    assert next_of({"@odata.nextLink": "https://shop.example/odata/Stores?$skip=50"}) == [
        "https://shop.example/odata/Stores?$skip=50"
    ]


def test_relative_file_names():
    assert next_of({"links": {"next": "stores-3.json"}}, url="https://shop.example/api/s.json") == [
        "https://shop.example/api/stores-3.json"
    ]
    assert next_of({"next": "page/3"}, url="https://shop.example/api/stores/") == [
        "https://shop.example/api/stores/page/3"
    ]


def test_last_page_and_cursors_that_are_not_urls():
    assert next_of({"links": {"next": None}}) == []
    assert next_of({"next_page_token": "Aap_uEA7vb0DDYVJWEaX3O"}) == []
    assert next_of({"next": "Aap_uEA7vb0DDYVJWEaX3O"}) == []
    assert next_of({"paging": {"next": "eyJvZmZzZXQiOjUwfQ=="}}) == []
    assert next_of({"next": 3}) == []
    assert next_of({"links": {"next": URL}}) == []  # a page pointing to itself


def test_page_parameter_stepped_while_pages_remain():
    assert next_of({"meta": {"total_pages": 4}}) == [
        "https://shop.example/api/stores?page=3&limit=50"
    ]
    assert next_of({"meta": {"total_pages": 2}}) == []
    assert next_of({"totalPages": 9}, url="https://shop.example/api/stores") == []


def test_link_header():
    header = (
        '<https://shop.example/api/stores?page=3>; rel="next", '
        '<https://shop.example/api/stores?page=9>; rel="last"'
    )
    assert find_next_pages("[]", URL, "application/json", header) == [
        "https://shop.example/api/stores?page=3"
    ]


def test_not_json_gives_nothing():
    assert find_next_pages("<stores/>", URL, "text/xml") == []
    assert find_next_pages("{broken", URL, "application/json") == []


def test_places_and_next_pages_share_one_parse_of_the_body(monkeypatch):
    """A spider reads an API response for its places and its next page: JSON parsed once."""
    calls = []
    real_parse_json = api_body.parse_json

    def counting_parse_json(text):
        calls.append(text)
        return real_parse_json(text)

    monkeypatch.setattr(api_body, "parse_json", counting_parse_json)
    document = {
        "stores": [{"id": "7", "name": "Leeds", "lat": 53.8, "lng": -1.55, "city": "Leeds"}],
        "links": {"next": "/api/stores?page=3&limit=50"},
    }
    shared = ApiBody(json.dumps(document).encode(), "application/json; charset=utf-8")
    (place,) = extract_api_places(shared, URL).places
    assert (place["name"], place["lat"], place["lon"]) == ("Leeds", 53.8, -1.55)
    assert find_next_pages(shared, URL) == ["https://shop.example/api/stores?page=3&limit=50"]
    assert len(calls) == 1
