"""The JavaScript-built loopback site (tests/rendering/site/) and the places it holds.

Shared by the Chromium (test_browser_crawl.py) and Splash (test_splash.py) crawls,
which must find exactly the same places. Copperleaf's list is drawn by an inline
script, Juniper & Vine's fetched as JSON (XMLHttpRequest), Bramble Bakery's is JSON-LD
in the HTML; the about page has none. The scripts are ES5 with XMLHttpRequest so that
Splash's WebKit (Safari 10 level, no fetch()) runs them as Chromium does.
"""

from __future__ import annotations

from pathlib import Path

SITE = Path(__file__).parent / "site"

COPPERLEAF = {"Copperleaf Harbour", "Copperleaf Old Town", "Copperleaf Riverside"}
JUNIPER = {
    "Juniper & Vine Northgate",
    "Juniper & Vine Cathedral Quarter",
    "Juniper & Vine Market Hall",
    "Juniper & Vine Quayside",
}
BRAMBLE = {"Bramble Bakery Market Square", "Bramble Bakery Station Road"}
ALL_PLACES = COPPERLEAF | JUNIPER | BRAMBLE
#: Where Juniper & Vine's page fetches its list (relative to the site's root URL).
JUNIPER_FEED = "juniper/data/branch-feed.json"
