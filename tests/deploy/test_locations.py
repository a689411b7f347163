"""Where netcrawl writes when it is not a writable checkout (netcrawl.locations).

Scrapyd imports the project from a zipped egg; these tests pin the choice of folders
for each way netcrawl can be installed, and import the package from a real zip file
to check that its data files are read from the archive.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from netcrawl import locations


@pytest.fixture
def user_dirs(tmp_path, monkeypatch) -> tuple[Path, Path]:
    cache, data = tmp_path / "xdg-cache", tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.delenv(locations.DATA_DIR_ENV, raising=False)
    return cache / "netcrawl", data / "netcrawl"


def _run_from(monkeypatch, root: Path) -> None:
    monkeypatch.setattr(locations, "PROJECT_ROOT", root)
    monkeypatch.setattr(locations, "DATA_DIR", root / "data")


def test_a_writable_checkout_keeps_everything_in_its_data_folder(tmp_path, monkeypatch,
                                                                 user_dirs):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "scrapy.cfg").write_text("[settings]\ndefault = netcrawl.settings\n")
    _run_from(monkeypatch, checkout)
    # Before data/ exists (fresh clone) and after.
    assert locations.cache_dir() == locations.writable_data_dir() == checkout / "data"
    (checkout / "data").mkdir()
    assert locations.cache_dir() == locations.writable_data_dir() == checkout / "data"


def test_a_zipped_egg_uses_the_user_cache_and_data_folders(tmp_path, monkeypatch, user_dirs):
    egg = tmp_path / "1795560000.egg"
    with zipfile.ZipFile(egg, "w") as archive:
        archive.writestr("netcrawl/__init__.py", "")
        archive.writestr("scrapy.cfg", "")  # even a stray marker inside the archive
    _run_from(monkeypatch, egg)
    cache, data = user_dirs
    assert locations.checkout_data_dir() is None
    assert locations.cache_dir() == cache
    assert locations.writable_data_dir() == data


def test_a_pip_installation_does_not_write_into_site_packages(tmp_path, monkeypatch, user_dirs):
    site_packages = tmp_path / "site-packages"
    (site_packages / "netcrawl").mkdir(parents=True)
    _run_from(monkeypatch, site_packages)
    assert locations.checkout_data_dir() is None
    assert locations.cache_dir() == user_dirs[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to read-only folders")
def test_a_read_only_checkout_falls_back_to_user_folders(tmp_path, monkeypatch, user_dirs):
    checkout = tmp_path / "checkout"
    (checkout / "data").mkdir(parents=True)
    (checkout / "scrapy.cfg").write_text("")
    (checkout / "data").chmod(0o555)
    try:
        _run_from(monkeypatch, checkout)
        assert locations.writable_data_dir() == user_dirs[1]
    finally:
        (checkout / "data").chmod(0o755)


def test_netcrawl_data_dir_overrides_every_default(tmp_path, monkeypatch, user_dirs):
    monkeypatch.setenv(locations.DATA_DIR_ENV, str(tmp_path / "chosen"))
    _run_from(monkeypatch, PROJECT_ROOT)
    assert locations.cache_dir() == locations.writable_data_dir() == tmp_path / "chosen"


ZIP_PROBE = """
from netcrawl.datasets import report
from netcrawl.datasets.runs import DEFAULT_RUNS_DIR
from netcrawl.extraction.schematypes import canonical_type, is_known
from netcrawl.geocoding.store import DEFAULT_DB_PATH
from netcrawl.rendering.splash import load_lua_source
import netcrawl
print(netcrawl.__file__)
print(DEFAULT_DB_PATH)
print(DEFAULT_RUNS_DIR)
print(is_known("CafeOrCoffeeShop"), canonical_type("localbusiness"))
print("$summary" in report.TEMPLATE_PATH.read_text(encoding="utf-8"))
print("function main(splash" in load_lua_source("scroll_and_load_more.lua"))
"""


def test_the_package_runs_from_a_zip_archive(tmp_path, user_dirs):
    """Import netcrawl from a zip (as Scrapyd does) and read its bundled data files."""
    archive_path = tmp_path / "netcrawl.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for path in (PROJECT_ROOT / "netcrawl").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(PROJECT_ROOT).as_posix())
    env = {k: v for k, v in os.environ.items() if k != locations.DATA_DIR_ENV}
    env["PYTHONPATH"] = str(archive_path)  # ahead of the editable install's finder
    result = subprocess.run(
        [sys.executable, "-c", ZIP_PROBE], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    module, db_path, runs_dir, types, template, lua = result.stdout.splitlines()
    assert module == str(archive_path / "netcrawl" / "__init__.py")
    assert db_path == str(user_dirs[0] / "geocoder.sqlite")
    assert runs_dir == str(user_dirs[1] / "runs")
    assert types == "True LocalBusiness"
    assert template == lua == "True"
