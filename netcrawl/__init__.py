"""netcrawl: compile datasets of real-world places from the web with Scrapy.

The ``netcrawl`` package is a library that works without a running crawl
(extraction, normalisation, geocoding, export, serving); the Scrapy
components in ``spiders/``, ``pipelines/`` and ``netcrawl/commands/`` are
thin wrappers that call it.
"""

from pathlib import Path

__version__ = "0.1.0"

#: The checkout's (or installed distribution's) root, where ``data/`` lives.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Bundled reference data and the sample site. Deployed to Scrapyd, PROJECT_ROOT is the zipped
#: egg and DATA_DIR a path inside it: write through netcrawl.locations, read package data
#: with importlib.resources (docs/deploying.md).
DATA_DIR = PROJECT_ROOT / "data"
