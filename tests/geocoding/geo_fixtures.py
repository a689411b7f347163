"""Fixtures of the geocoding tests: one gazetteer index per test run, copies with addresses.

Not named conftest.py: the tests import ``run_scrapy`` from the root ``tests/conftest.py``
as ``conftest``, which a second conftest module would shadow. Each test module imports
the fixtures it uses; the expensive builds are cached per process so every module
shares one gazetteer and one imported register.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest

from netcrawl.geocoding import OfflineGeocoder
from netcrawl.geocoding.importer import import_addresses
from netcrawl.geocoding.store import ensure_index
from netcrawl.geocoding.synthetic import generate

__all__ = ["address_db", "gazetteer_db", "gazetteer_geocoder", "geocoder", "register"]


@cache
def _workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="netcrawl-geocoding-tests-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@cache
def _gazetteer_db() -> Path:
    return ensure_index(_workdir() / "gazetteer" / "geocoder.sqlite")


@cache
def _register():
    return generate(houses_per_street=120, withheld_share=0.06)


@cache
def _address_db() -> Path:
    directory = _workdir() / "addresses"
    directory.mkdir()
    path = copy_index(_gazetteer_db(), directory)
    source = _register().write_openaddresses(directory / "addresses.csv")
    import_addresses(source, path, progress=False)
    return path


@pytest.fixture(scope="session")
def gazetteer_db() -> Path:
    """An index holding only the gazetteer (built once per run, ~5 s)."""
    return _gazetteer_db()


def copy_index(source: Path, directory: Path) -> Path:
    target = directory / "geocoder.sqlite"
    shutil.copyfile(source, target)
    return target


@pytest.fixture(scope="session")
def register():
    """The synthetic US/FR/NL register (points imported, withheld points, queries)."""
    return _register()


@pytest.fixture(scope="session")
def address_db() -> Path:
    """Gazetteer plus the synthetic register."""
    return _address_db()


@pytest.fixture(scope="session")
def geocoder(address_db) -> OfflineGeocoder:
    return OfflineGeocoder(address_db)


@pytest.fixture(scope="session")
def gazetteer_geocoder(gazetteer_db) -> OfflineGeocoder:
    return OfflineGeocoder(gazetteer_db)
