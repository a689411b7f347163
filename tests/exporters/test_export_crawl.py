"""Real ``scrapy crawl`` runs (child processes) writing every format through the feed system.

The crawls run in a throw-away Scrapy project whose settings import netcrawl's
(so FEED_EXPORTERS/FEED_STORAGES are the real ones) but list only a tiny
spider and no item pipelines: these tests are about exports, not about
extraction or normalisation, and must not break while those change.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_scrapy
from test_export_formats import PLACES, assert_rfc7946_feature_collection, read_back

FORMATS = ("jsonl", "csv", "geojson", "parquet")

SPIDER = '''
import asyncio
import json

import scrapy

from netcrawl.items import Place


class TinySpider(scrapy.Spider):
    """Yields the places listed in a JSON file served over HTTP."""

    name = "tiny"

    def __init__(self, source, hang="0", **kwargs):
        super().__init__(**kwargs)
        self.source = source
        self.hang = hang == "1"

    async def start(self):
        yield scrapy.Request(self.source)

    async def parse(self, response):
        for record in json.loads(response.text):
            yield Place(**record)
        if self.hang:  # keep the crawl (and its unfinished exports) open until killed
            await asyncio.sleep(600)
'''


BROKEN_EXPORTER = '''
from netcrawl.exporters.geojson import GeoJsonItemExporter


class BrokenExporter(GeoJsonItemExporter):
    """Fails while writing its footer, as a full disk would."""

    def finish_exporting(self):
        raise OSError("No space left on device (simulated)")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "tinyspiders").mkdir(parents=True)
    (root / "tinyspiders" / "__init__.py").write_text("")
    (root / "tinyspiders" / "tiny.py").write_text(SPIDER)
    (root / "tinyspiders" / "broken.py").write_text(BROKEN_EXPORTER)
    (root / "tiny_settings.py").write_text(
        textwrap.dedent(
            """
            from netcrawl.settings import *  # noqa: F403 - the real feed settings

            SPIDER_MODULES = ["tinyspiders"]
            NEWSPIDER_MODULE = "tinyspiders"
            COMMANDS_MODULE = ""
            ITEM_PIPELINES = {}
            ADDONS = {}
            EXTENSIONS = {}
            LOG_LEVEL = "INFO"
            NETCRAWL_PARQUET_ROW_GROUP_SIZE = 2
            FEED_EXPORTERS = {**FEED_EXPORTERS, "broken": "tinyspiders.broken.BrokenExporter"}
            """
        )
    )
    (root / "scrapy.cfg").write_text("[settings]\ndefault = tiny_settings\n")
    return root


@pytest.fixture
def source(tmp_path: Path, serve_dir) -> callable:
    """Serve a JSON list of places; returns its URL."""
    site = tmp_path / "site"
    site.mkdir()
    base = serve_dir(site)

    def publish(places: list[dict], name: str = "places.json") -> str:
        (site / name).write_text(json.dumps(places), encoding="utf-8")
        return base + name

    return publish


def crawl(project: Path, url: str, *options: str) -> subprocess.CompletedProcess:
    result = run_scrapy("crawl", "tiny", "-a", f"source={url}", *options, cwd=project)
    return result


def test_crawl_writes_every_format(project: Path, source, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outputs = [out / f"places.{fmt}" for fmt in FORMATS]
    result = crawl(project, source(PLACES), *[a for p in outputs for a in ("-O", str(p))])
    assert result.returncode == 0, result.stderr[-3000:]
    for path in outputs:
        assert read_back(path) == PLACES, path
        assert f"Stored {format_name(path)} feed ({len(PLACES)} items) in: {path}" in result.stderr
    assert_rfc7946_feature_collection(json.loads((out / "places.geojson").read_text("utf-8")))
    # NETCRAWL_PARQUET_ROW_GROUP_SIZE = 2 reached the exporter through from_crawler.
    import pyarrow.parquet as pq

    assert pq.ParquetFile(out / "places.parquet").metadata.num_row_groups == 2
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in outputs)


def format_name(path: Path) -> str:
    return path.suffix.lstrip(".")


def test_empty_crawl_writes_valid_empty_files(project: Path, source, tmp_path: Path) -> None:
    outputs = [tmp_path / f"empty.{fmt}" for fmt in FORMATS]
    result = crawl(project, source([]), *[a for p in outputs for a in ("-O", str(p))])
    assert result.returncode == 0, result.stderr[-3000:]
    for path in outputs:
        assert read_back(path) == [], path
    assert pd.read_parquet(tmp_path / "empty.parquet").shape == (0, 23)
    assert json.loads((tmp_path / "empty.geojson").read_text("utf-8"))["features"] == []


def test_append_with_o_and_refusal_for_geojson(project: Path, source, tmp_path: Path) -> None:
    csv_path = tmp_path / "places.csv"
    geojson_path = tmp_path / "places.geojson"
    assert crawl(project, source(PLACES[:1], "a.json"), "-o", str(csv_path)).returncode == 0
    assert crawl(project, source(PLACES[1:], "b.json"), "-o", str(csv_path)).returncode == 0
    assert read_back(csv_path) == PLACES

    assert crawl(project, source(PLACES), "-O", str(geojson_path)).returncode == 0
    before = geojson_path.read_bytes()
    refused = crawl(project, source(PLACES), "-o", str(geojson_path))
    assert refused.returncode != 0
    assert "Cannot append geojson items to the existing file" in refused.stderr
    assert "Use -O to overwrite it" in refused.stderr
    assert geojson_path.read_bytes() == before


def test_killed_crawl_leaves_final_file_untouched(project: Path, source, tmp_path: Path) -> None:
    final = tmp_path / "places.geojson"
    final.write_text('{"type":"FeatureCollection","features":[]}\n', encoding="utf-8")
    before = final.read_bytes()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "tiny",
            "-a",
            f"source={source(PLACES)}",
            "-a",
            "hang=1",
            "-O",
            str(final),
        ],
        cwd=project,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        temporary = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and temporary is None:
            parts = [p for p in tmp_path.iterdir() if p.name.startswith(".places.geojson.")]
            if parts:  # opened when the first item was exported
                temporary = parts[0]
            time.sleep(0.1)
        assert temporary is not None, "the crawl never started writing its export"
        assert temporary.name.endswith(".part")
        time.sleep(1)  # let the other items reach the exporter too
        assert final.read_bytes() == before
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert final.read_bytes() == before
    assert temporary.exists()  # left clearly named as incomplete ...

    result = crawl(project, source(PLACES[:1], "again.json"), "-O", str(final))
    assert result.returncode == 0, result.stderr[-3000:]
    assert not temporary.exists()  # ... and removed by the next run
    assert read_back(final) == PLACES[:1]


def test_export_failing_at_the_end_leaves_no_file(project: Path, source, tmp_path: Path) -> None:
    final = tmp_path / "places.broken"
    result = crawl(project, source(PLACES), "-O", str(final))
    assert "No space left on device (simulated)" in result.stderr
    assert "did not finish; its temporary file was removed" in result.stderr
    assert list(tmp_path.glob("*places.broken*")) == []


def test_project_settings_map_extensions_to_our_exporters() -> None:
    """``-O x.<ext>`` picks the format named like the extension (Scrapy's CLI rule)."""
    from scrapy.settings import Settings
    from scrapy.utils.conf import feed_process_params_from_cli
    from scrapy.utils.misc import load_object

    settings = Settings()
    settings.setmodule("netcrawl.settings", priority="project")
    feeds = feed_process_params_from_cli(
        settings, [], overwrite_output=[f"out/places.{fmt}" for fmt in FORMATS]
    )
    assert {uri: options["format"] for uri, options in feeds.items()} == {
        f"out/places.{fmt}": fmt for fmt in FORMATS
    }
    exporters = settings.getwithbase("FEED_EXPORTERS")
    expected = {
        "jsonl": "netcrawl.exporters.jsonl.PlaceJsonLinesItemExporter",
        "csv": "netcrawl.exporters.csv.PlaceCsvItemExporter",
        "geojson": "netcrawl.exporters.geojson.GeoJsonItemExporter",
        "parquet": "netcrawl.exporters.parquet.ParquetItemExporter",
    }
    for fmt, path in expected.items():
        assert exporters[fmt] == path
        load_object(path)
    storages = settings.getwithbase("FEED_STORAGES")
    for scheme in ("", "file"):
        assert storages[scheme] == "netcrawl.exporters.storage.AtomicFileFeedStorage"
