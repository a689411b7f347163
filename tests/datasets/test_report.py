"""The HTML report: escaped, self-contained, one map marker per place with coordinates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import lxml.html
import pytest
from datasets_site import render, screenshot

from netcrawl.datasets.report import build_report, write_report
from netcrawl.datasets.runs import RunStore, write_json_atomic
from netcrawl.datasets.svgmap import Marker, Projection, render_svg_map
from netcrawl.exporters import write_places

WHEN = datetime(2026, 5, 1, tzinfo=UTC)
OLD = [
    {"ref": "a", "name": "Alpha", "lat": 51.50, "lon": -0.12, "country": "GB", "city": "London"},
    {"ref": "b", "name": "Beta", "lat": 48.85, "lon": 2.35, "country": "FR"},
]
NEW = [
    {"ref": "a", "name": "Alpha <script>alert('x')</script> & Co", "lat": 51.50, "lon": -0.12,
     "country": "GB", "city": "London"},
    {"ref": "c", "name": "Gamma", "lat": 52.52, "lon": 13.40, "country": "DE"},
    {"ref": "d", "name": "Delta", "lat": 40.41, "lon": -3.70, "country": "ES"},
    {"ref": "e", "name": "No coordinates", "country": "DE"},
]


def add_run(store, places, hour, stats):
    partial = store.create_partial("shops", WHEN.replace(hour=hour))
    write_places(places, partial / "places.parquet")
    write_json_atomic(partial / "stats.json", {"finish_reason": "finished", **stats})
    run = store.finalise(partial)
    store.set_latest(run)
    return run


@pytest.fixture
def runs(tmp_path):
    store = RunStore(tmp_path / "runs")
    old = add_run(store, OLD, 1, {"item_scraped_count": 2})
    new = add_run(store, NEW, 2, {
        "item_scraped_count": 4, "elapsed_time_seconds": 12.5, "log_count/ERROR": 0,
        "netcrawl/fill_rate/name": 1.0, "netcrawl/fill_rate/phone": 0.25,
        "netcrawl/dropped/no_name": 3, "netcrawl/dropped/<bad> reason": 1,
        "netcrawl/health/status": "passed",
        "netcrawl/health/checks": [{"name": "item_count", "status": "passed",
                                    "detail": "4 places, 200% of the previous run's 2"}],
    })
    return store, old, new


def test_report_sections_and_escaping(runs):
    store, _old, new = runs
    page = build_report(new, store.previous_complete(new))
    assert "<script>alert" not in page
    assert "Alpha &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;bad&gt; reason" in page
    document = lxml.html.fromstring(page)
    markers = document.xpath("//*[contains(concat(' ', @class, ' '), ' place-marker ')]")
    assert len(markers) == 3  # the place without coordinates has no marker
    colours = sorted(m.get("class") for m in markers)
    assert colours == ["place-marker change-added", "place-marker change-added",
                       "place-marker change-changed"]
    titles = sorted(m.findtext("title") for m in markers)
    assert titles[0].startswith("Alpha <script>") and "[a]" in titles[0]
    text = document.text_content()
    assert "Placeswithcoordinates3" in re.sub(r"\s+", "", text)
    for expected in ("no_name", "25.0%", "200% of the previous run", "DE", "12.5 s"):
        assert expected in text
    changes = document.xpath("//td[starts-with(@class, 'change-')]/text()")
    assert sorted(changes) == ["added", "added", "added", "changed", "removed"]


def test_report_is_self_contained(runs):
    store, _, new = runs
    page = build_report(new, store.previous_complete(new))
    # Nothing to fetch: no scripts, stylesheets, images, fonts or imports.
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", page)


def test_large_runs_sample_the_map(runs):
    _, _, new = runs
    page = build_report(new, max_markers=2)
    assert page.count('class="place-marker"') == 2
    assert "showing an even sample of 2" in page


def test_projection_keeps_markers_inside_and_north_up():
    markers = [Marker(10.0, 20.0, "south-west"), Marker(11.0, 21.0, "north-east")]
    projection = Projection.fit([m.lat for m in markers], [m.lon for m in markers])
    sw = (projection.x(20.0), projection.y(10.0))
    ne = (projection.x(21.0), projection.y(11.0))
    assert 0 < sw[0] < ne[0] < projection.width
    assert 0 < ne[1] < sw[1] < projection.height
    # Equal scale: one degree of longitude at ~10.5°N is cos(10.5°) of one of latitude.
    assert (ne[0] - sw[0]) / (sw[1] - ne[1]) == pytest.approx(0.983, abs=0.01)
    single = render_svg_map([Marker(0.0, 0.0, "only")])
    assert single.count("place-marker") == 1 and "graticule" in single


def test_chromium_renders_one_marker_per_place(runs, tmp_path):
    store, _, new = runs
    path = write_report(new, store.previous_complete(new))
    assert path == new.path / "report.html"
    dom = render(path.as_uri(), "--dump-dom", profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = lxml.html.fromstring(dom.stdout)
    assert len(rendered.xpath("//*[contains(@class, 'place-marker')]")) == 3
    result, shot = screenshot(path.as_uri(), "datasets-report-library.png", height=1600,
                              profile=tmp_path / "profile")
    assert result.returncode == 0 and shot.stat().st_size > 10_000
