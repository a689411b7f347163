"""Remote providers (geopy's Nominatim and Photon) against loopback fakes of those services.

No internet: each test starts an HTTP server on 127.0.0.1 that answers like the
real service, and records every request so the tests can assert the path, the
query parameters, the User-Agent and the spacing between calls.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from netcrawl.geocoding.service import GeocodeFailure, GeocodingService

USER_AGENT = "netcrawl-tests/1.0"

NOMINATIM_PLACE = {
    "place_id": 1,
    "lat": "52.3731",
    "lon": "4.8926",
    "display_name": "1, Damrak, Amsterdam, Noord-Holland, 1012 LG, Nederland",
    "addresstype": "building",
    "address": {
        "house_number": "1",
        "road": "Damrak",
        "city": "Amsterdam",
        "state": "Noord-Holland",
        "postcode": "1012 LG",
        "country": "Nederland",
        "country_code": "nl",
    },
}
PHOTON_FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584]},
    "properties": {
        "name": "Paris",
        "city": "Paris",
        "state": "Île-de-France",
        "postcode": "75007",
        "country": "France",
        "countrycode": "FR",
        "type": "city",
    },
}


class FakeService:
    """A loopback server answering queued (status, JSON body) responses, recording requests."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.responses: deque[tuple[int, object]] = deque()
        self.default: tuple[int, object] = (200, [])
        #: Optional answer chosen from the request: (path, params) -> (status, body) or None.
        self.route = None
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                service.requests.append(
                    {
                        "time": time.monotonic(),
                        "path": url.path,
                        "params": {k: v[0] for k, v in parse_qs(url.query).items()},
                        "user_agent": self.headers.get("User-Agent"),
                    }
                )
                params = service.requests[-1]["params"]
                routed = service.route(url.path, params) if service.route else None
                if routed is not None:
                    status, body = routed
                elif service.responses:
                    status, body = service.responses.popleft()
                else:
                    status, body = service.default
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    server = FakeService()
    yield server
    server.stop()


def _service(fake, provider, tmp_path, **options) -> GeocodingService:
    options.setdefault("retry_backoff", 0.01)
    return GeocodingService(
        provider,
        provider_kwargs={"domain": fake.domain, "scheme": "http"},
        db_path=tmp_path / "cache.sqlite",
        user_agent=USER_AGENT,
        timeout=5,
        **options,
    )


def test_nominatim_forward_request_and_answer(fake, tmp_path):
    fake.default = (200, [NOMINATIM_PLACE])
    service = _service(fake, "nominatim", tmp_path)
    result = service.forward("Damrak 1, Amsterdam")
    request = fake.requests[0]
    assert request["path"] == "/search"
    assert request["params"] == {
        "q": "Damrak 1, Amsterdam",
        "format": "json",
        "limit": "1",
        "addressdetails": "1",
    }
    assert request["user_agent"] == USER_AGENT
    assert (result.lat, result.lon, result.precision, result.source) == (
        52.3731,
        4.8926,
        "rooftop",
        "nominatim",
    )
    assert result.components["country_code"] == "NL"
    assert result.components["postcode"] == "1012 LG"


def test_nominatim_reverse(fake, tmp_path):
    fake.default = (200, NOMINATIM_PLACE)
    service = _service(fake, "nominatim", tmp_path)
    result = service.reverse(52.3731, 4.8926)
    request = fake.requests[0]
    assert request["path"] == "/reverse"
    assert request["params"] == {
        "lat": "52.3731",
        "lon": "4.8926",
        "format": "json",
        "addressdetails": "1",
    }
    assert (result.components["city"], result.components["country_code"]) == ("Amsterdam", "NL")


def test_photon_forward_and_reverse(fake, tmp_path):
    fake.default = (200, {"type": "FeatureCollection", "features": [PHOTON_FEATURE]})
    service = _service(fake, "photon", tmp_path)
    result = service.forward("Paris, France")
    assert fake.requests[0]["path"] == "/api"
    assert fake.requests[0]["params"] == {"q": "Paris, France", "limit": "1"}
    assert fake.requests[0]["user_agent"] == USER_AGENT
    assert (result.lat, result.lon, result.precision) == (48.8584, 2.2945, "city")
    assert result.components["country_code"] == "FR"
    reverse = service.reverse(48.8584, 2.2945)
    assert fake.requests[1]["path"] == "/reverse"
    assert fake.requests[1]["params"] == {"lat": "48.8584", "lon": "2.2945", "limit": "1"}
    assert reverse.components["postcode"] == "75007"


def test_min_delay_spaces_calls_even_from_threads(fake, tmp_path):
    fake.default = (200, [NOMINATIM_PLACE])
    service = _service(fake, "nominatim", tmp_path, min_delay=0.25, cache=False)
    threads = [
        threading.Thread(target=service.forward, args=(f"Damrak {n}, Amsterdam",)) for n in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = sorted(r["time"] for r in fake.requests)
    assert len(times) == 5
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.25 - 0.01, gaps


@pytest.mark.parametrize(("status", "reason"), [(429, "quota"), (500, "service_error")])
def test_errors_are_retried_then_counted(fake, tmp_path, status, reason):
    fake.default = (status, {"error": "nope"})
    service = _service(fake, "nominatim", tmp_path, max_retries=2)
    with pytest.raises(GeocodeFailure) as failure:
        service.forward("Damrak 1, Amsterdam")
    assert failure.value.reason == reason
    assert len(fake.requests) == 3  # one try and two retries
    # Errors are not cached: the next call asks again.
    fake.default = (200, [NOMINATIM_PLACE])
    assert service.forward("Damrak 1, Amsterdam").lat == 52.3731
    assert len(fake.requests) == 4


def test_transient_error_then_success(fake, tmp_path):
    fake.responses.extend([(429, {}), (503, {})])
    fake.default = (200, [NOMINATIM_PLACE])
    service = _service(fake, "nominatim", tmp_path, max_retries=2)
    assert service.forward("Damrak 1, Amsterdam").components["city"] == "Amsterdam"
    assert len(fake.requests) == 3


def test_empty_answer_is_no_match_and_cached_by_normalised_query(fake, tmp_path):
    fake.default = (200, [])
    service = _service(fake, "nominatim", tmp_path)
    with pytest.raises(GeocodeFailure) as failure:
        service.forward("Nowhere Street 1, Atlantis")
    assert failure.value.reason == "no_match"
    with pytest.raises(GeocodeFailure):
        service.forward("  nowhere street 1  atlantis ")
    assert len(fake.requests) == 1
    fake.default = (200, [NOMINATIM_PLACE])
    service.forward("Damrak 1, Amsterdam")
    service.close()
    # The cache persists across service instances (and processes).
    again = _service(fake, "nominatim", tmp_path)
    assert again.forward("DAMRAK 1, AMSTERDAM").lat == 52.3731
    assert len(fake.requests) == 2


SPIDER = """
import scrapy
from netcrawl.items import Place


class RemoteGeoSpider(scrapy.Spider):
    name = "remote_geo"

    async def start(self):
        yield Place(ref="a", street_address="Damrak 1", city="Amsterdam")
        yield Place(ref="b", street_address="Damrak 2", city="Amsterdam")
        yield Place(ref="c", lat=52.3731, lon=4.8926)
"""


def test_pipeline_with_nominatim_in_a_crawl(fake, tmp_path):
    from conftest import run_scrapy

    # Damrak 1 answers; Damrak 2 gets 500 on every try; the reverse lookup answers.
    def route(path, params):
        if path == "/reverse":
            return 200, NOMINATIM_PLACE
        return (500, {}) if params["q"].startswith("Damrak 2") else (200, [NOMINATIM_PLACE])

    fake.route = route
    spider = tmp_path / "remote_geo.py"
    spider.write_text(SPIDER, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    kwargs = json.dumps({"domain": fake.domain, "scheme": "http"})
    result = run_scrapy(
        "runspider", str(spider), "-O", str(out),
        "-s", "GEOCODER=nominatim",
        "-s", f"GEOCODER_KWARGS={kwargs}",
        "-s", f"GEOCODER_DB={tmp_path / 'geo.sqlite'}",
        "-s", "GEOCODER_MAX_RETRIES=1",
        "-s", "GEOCODER_RETRY_BACKOFF=0.01",
        "-s", 'ITEM_PIPELINES={"pipelines.geocode.GeocodePipeline": 400}',
        "-s", "NETCRAWL_RUNS_ENABLED=False",
        "-s", f"USER_AGENT={USER_AGENT}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    items = {item["ref"]: item for item in map(json.loads, out.read_text().splitlines())}
    assert (items["a"]["lat"], items["a"]["geo_source"], items["a"]["country"]) == (
        52.3731,
        "nominatim",
        "NL",
    )
    assert items["b"]["extras"]["geocode_error"] == "service_error"
    assert (items["c"]["city"], items["c"]["geo_source"]) == ("Amsterdam", "page")
    assert "'netcrawl/geocode/service_error': 1" in result.stderr
    assert sorted(r["path"] for r in fake.requests) == ["/reverse", "/search", "/search", "/search"]
    assert {r["user_agent"] for r in fake.requests} == {USER_AGENT}
