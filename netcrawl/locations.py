"""Where netcrawl writes files it creates by itself: the checkout's ``data/`` or per-user folders.

In a source checkout the geocoder index (``geocoder.sqlite``) and the run history
(``runs/``) live in ``data/`` next to the code, which is what every doc shows and what
``scrapy serve`` publishes. That folder does not exist in the other ways netcrawl runs:

- deployed to Scrapyd, the package is imported from a zipped egg, so ``data/`` would be
  a path *inside* the archive: nothing can be written there (see docs/deploying.md);
- installed with pip, ``PROJECT_ROOT`` is ``site-packages``, which must not collect
  crawl output;
- a read-only checkout (a container image, a shared mount) cannot take new files.

Then netcrawl falls back to per-user folders (:mod:`platformdirs`, a Scrapy dependency):
the geocoder index goes to the user *cache* folder, since it is rebuilt from installed
packages whenever it is missing, and runs go to the user *data* folder, since they are
the user's datasets. ``NETCRAWL_DATA_DIR`` (environment) puts both in one chosen folder
with the checkout's layout. Explicit settings (``GEOCODER_DB``, ``NETCRAWL_RUNS_DIR``)
always win over all of this.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from netcrawl import DATA_DIR, PROJECT_ROOT

#: Environment variable naming one writable folder for everything netcrawl creates.
DATA_DIR_ENV = "NETCRAWL_DATA_DIR"
#: A checkout is recognised by its Scrapy project file next to the packages.
CHECKOUT_MARKER = "scrapy.cfg"
APP_NAME = "netcrawl"


def checkout_data_dir() -> Path | None:
    """The checkout's writable ``data/`` folder, or None when netcrawl runs from elsewhere.

    None for a zipped egg (``PROJECT_ROOT`` is the archive file, not a folder), for a
    pip installation (no ``scrapy.cfg`` in ``site-packages``) and for a read-only checkout.
    """
    if not (PROJECT_ROOT / CHECKOUT_MARKER).is_file():
        return None
    existing = DATA_DIR if DATA_DIR.is_dir() else PROJECT_ROOT
    return DATA_DIR if os.access(existing, os.W_OK | os.X_OK) else None


def _override() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def writable_data_dir() -> Path:
    """Folder for the user's own output (run history): checkout ``data/`` or user data dir."""
    return _override() or checkout_data_dir() or Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """Folder for rebuildable files (geocoder index): checkout ``data/`` or user cache dir."""
    return _override() or checkout_data_dir() or Path(platformdirs.user_cache_dir(APP_NAME))
