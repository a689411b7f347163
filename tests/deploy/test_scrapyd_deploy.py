"""Deploy netcrawl to a real Scrapyd with scrapyd-deploy and run a crawl through its JSON API.

One Scrapyd (127.0.0.1, free port, everything under a temporary folder) serves the
module. The project is deployed from a temporary copy of the checkout, with the
checkout's own scrapy.cfg (target ``env``, URL from ``SCRAPYD_URL``), so the build
artefacts scrapyd-client makes (``build/``, ``*.egg-info``) never land in the checkout.
The crawl is scheduled through ``schedule.json`` against the sample site served on
loopback, and must give the sample site's 20 places. It must also prove it ran the
*egg*: the geocoder index and the run folder are written to the per-user folders
(``XDG_CACHE_HOME``/``XDG_DATA_HOME`` inside the temporary folder), which only code
imported from a zip archive chooses; the checkout's code would write to ``data/``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, SAMPLE_SITE
from scrapyd_launcher import ScrapydServer, start_scrapyd

pytest.importorskip(
    "scrapyd", reason="scrapyd is not installed: pip install 'scrapyd==1.6.0' (test extra)"
)
pytest.importorskip(
    "scrapyd_client",
    reason="scrapyd-client is not installed: pip install 'scrapyd-client==2.0.3' (deploy extra)",
)

#: What the egg build needs from the checkout (see pyproject.toml and setup.py).
PROJECT_FILES = ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md")
PROJECT_PACKAGES = ("netcrawl", "spiders", "pipelines")
EXPECTED = json.loads((SAMPLE_SITE / "EXPECTED.json").read_text(encoding="utf-8"))
JOB_TIMEOUT = 45.0
#: Places the sample site publishes outside page markup (text-only page, store-locator
#: API pages and KML; see docs/sample-site.md): with EXPECTED.json's 12, the site's 20.
#: stores.json lists Manchester twice; the duplicates pipeline exports it once.
OTHER_PLACES = {
    "stores/text-only-edinburgh.html": {"Copperleaf Edinburgh Old Town"},
    "api/stores.json": {
        "Copperleaf Manchester Northern Quarter",
        "Copperleaf Dublin Grafton Street",
        "Copperleaf Bruxelles Sablon",
    },
    "api/stores-2.json": {"Copperleaf Wien Graben", "Copperleaf København Strøget"},
    "api/stockists.kml": {"The Bean Counter, Edinburgh", "Kaffeerösterei Nord"},
}
#: Address-only store pages: the offline geocoder places them in their city.
GEOCODED_NEAR = {
    "Copperleaf Dam": (52.37, 4.89),
    "Copperleaf Knightsbridge": (51.50, -0.13),
    "Copperleaf Ferry Building": (37.77, -122.42),
}


def _scrapyd_deploy() -> list[str]:
    script = Path(sys.executable).with_name("scrapyd-deploy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scrapyd_client.deploy"]


def _copy_project(target: Path) -> Path:
    target.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(PROJECT_ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for package in PROJECT_PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, target / package, ignore=ignore)
    return target


def _deploy_env(server: ScrapydServer | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    if server is not None:
        env["SCRAPYD_URL"] = server.url
    return env


def _project_spiders() -> set[str]:
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule("netcrawl.settings", priority="project")
    return set(SpiderLoader.from_settings(settings).list())


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    return _copy_project(tmp_path_factory.mktemp("checkout") / "netcrawl")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    server = start_scrapyd(tmp_path_factory.mktemp("scrapyd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployed(scrapyd, project_copy) -> dict:
    """Run ``scrapyd-deploy env`` in the project copy; Scrapyd's addversion.json answer."""
    result = subprocess.run(
        [*_scrapyd_deploy(), "env"],
        cwd=project_copy, env=_deploy_env(scrapyd), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{scrapyd.log_text()[-3000:]}"
    answer = json.loads(result.stdout)
    assert answer["status"] == "ok", answer
    return answer


def test_egg_holds_the_packages_their_data_and_the_settings_entry_point(project_copy, tmp_path):
    egg = tmp_path / "netcrawl.egg"
    result = subprocess.run(
        [*_scrapyd_deploy(), "--build-egg", str(egg)],
        cwd=project_copy, env=_deploy_env(None), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = netcrawl.settings" in entry_points
    for required in (
        "netcrawl/settings.py",
        "netcrawl/commands/crawl.py",
        "netcrawl/datasets/report_template.html",
        "netcrawl/extraction/schemaorg_types.txt",
        "spiders/places.py",
        "pipelines/geocode.py",
    ):
        assert required in names, f"{required} missing from the egg"
    # Every module and data file of the three packages is in the egg: a package without
    # __init__.py is left out by find_packages, a data file without a package-data entry
    # in pyproject.toml is left out of the build, and either breaks crawls under Scrapyd.
    for package in PROJECT_PACKAGES:
        for path in (project_copy / package).rglob("*"):
            if path.is_file():
                relative = path.relative_to(project_copy).as_posix()
                assert relative in names, f"{relative} missing from the egg"
    assert not any(name.startswith(("tests/", "data/", "benchmarks/")) for name in names)
    # scrapyd-deploy kept the project's setup.py shim instead of writing its own.
    assert (project_copy / "setup.py").read_text() == (PROJECT_ROOT / "setup.py").read_text()


def test_deploy_registers_the_project_and_every_spider(scrapyd, deployed):
    expected = _project_spiders()
    assert "places" in expected
    assert deployed["project"] == "netcrawl"
    assert deployed["spiders"] == len(expected)
    assert "netcrawl" in scrapyd.get("listprojects.json")["projects"]
    assert deployed["version"] in scrapyd.get("listversions.json", project="netcrawl")["versions"]
    listed = scrapyd.get("listspiders.json", project="netcrawl", _version=deployed["version"])
    assert set(listed["spiders"]) == expected


def _wait_for_job(server: ScrapydServer, job: str) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        jobs = server.get("listjobs.json", project="netcrawl")
        for entry in jobs["finished"]:
            if entry["id"] == job:
                return entry
        time.sleep(0.3)
    server.post("cancel.json", [("project", "netcrawl"), ("job", job)])
    pytest.fail(f"job {job} not finished after {JOB_TIMEOUT}s; Scrapyd log:\n"
                f"{server.log_text()[-3000:]}")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=1e-6)


def test_scheduled_crawl_of_a_loopback_site_gives_the_sample_places(scrapyd, deployed, serve_dir):
    site = serve_dir(SAMPLE_SITE)
    answer = scrapyd.post("schedule.json", [
        ("project", "netcrawl"),
        ("spider", "places"),
        ("_version", deployed["version"]),
        ("start_urls", site),
        ("setting", "CONCURRENT_REQUESTS_PER_DOMAIN=4"),
        ("setting", "NETCRAWL_HEALTH_MIN_ITEMS=20"),
    ])
    job = _wait_for_job(scrapyd, answer["jobid"])

    log = scrapyd.fetch(job["log_url"]).decode("utf-8")
    problems = [line for line in log.splitlines() if " ERROR: " in line or " CRITICAL: " in line]
    assert not problems, "\n".join(problems)
    assert "Spider closed (finished)" in log
    assert "'CONCURRENT_REQUESTS_PER_DOMAIN': '4'" in log  # the setting reached the crawl

    items = [json.loads(line) for line in scrapyd.fetch(job["items_url"]).splitlines() if line]
    assert len(items) == 20
    by_name = {item["name"]: item for item in items}
    markup_places = EXPECTED["places"]
    assert set(by_name) == {p["name"] for p in markup_places} | set().union(*OTHER_PLACES.values())
    for page, names in OTHER_PLACES.items():
        for name in names:
            assert by_name[name]["source_url"] == site + page
    for place in markup_places:
        item = by_name[place["name"]]
        assert item["source_url"] == site + place["page"]
        for field in ("country", "postcode", "city"):
            assert item[field] == place[field], (place["name"], field, item)
        if "lat" in place:
            assert _close(item["lat"], place["lat"]) and _close(item["lon"], place["lon"]), item
        else:  # address-only page: geocoded offline with the index built under Scrapyd
            lat, lon = GEOCODED_NEAR[place["name"]]
            assert abs(item["lat"] - lat) < 0.2 and abs(item["lon"] - lon) < 0.2, item
    empire = by_name["Copperleaf Coffee Empire State"]
    assert (empire["street_address"], empire["state"]) == ("350 Fifth Avenue", "NY")

    # The egg's code ran: it put what it writes in the per-user folders, not in a data/
    # folder inside the zip (impossible) or in the checkout (the checkout's code would).
    cache = scrapyd.root / "xdg-cache" / "netcrawl" / "geocoder.sqlite"
    assert cache.is_file() and cache.stat().st_size > 1_000_000
    latest = scrapyd.root / "xdg-data" / "netcrawl" / "runs" / "places" / "latest"
    assert f"Recording this crawl in {latest.parent}" in log
    for name in ("places.parquet", "places.geojson", "stats.json", "report.html"):
        assert (latest / name).is_file(), f"{name} missing from the run folder"
    assert "Copperleaf Coffee Empire State" in (latest / "report.html").read_text("utf-8")
    stats = json.loads((latest / "stats.json").read_text("utf-8"))
    assert stats["item_scraped_count"] == 20
