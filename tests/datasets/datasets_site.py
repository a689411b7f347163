"""Shared by the dataset tests: a store-locator site on disk, runs, chromium."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

#: slug -> (name, street, city, postcode, country, lat, lon)
Store = tuple[str, str, str, str, str, float, float]


def store_page(store: Store) -> str:
    name, street, city, postcode, country, lat, lon = store
    data = {
        "@context": "https://schema.org",
        "@type": "Store",
        "name": name,
        "address": {"@type": "PostalAddress", "streetAddress": street,
                    "addressLocality": city, "postalCode": postcode,
                    "addressCountry": country},
        "geo": {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon},
    }
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(name)}"
            f'</title><script type="application/ld+json">{json.dumps(data)}</script></head>'
            f"<body><h1>{html.escape(name)}</h1><p>{html.escape(street)}</p></body></html>\n")


def build_site(root: Path, stores: dict[str, Store]) -> Path:
    """(Re)write the site: an index linking to one JSON-LD page per store."""
    if root.exists():
        shutil.rmtree(root)
    (root / "stores").mkdir(parents=True)
    links = []
    for slug, store in stores.items():
        (root / "stores" / f"{slug}.html").write_text(store_page(store), encoding="utf-8")
        links.append(f'<li><a href="stores/{slug}.html">{html.escape(store[0])}</a></li>')
    (root / "index.html").write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Our stores</title></head>"
        f"<body><ul>{''.join(links)}</ul></body></html>\n", encoding="utf-8")
    return root


def scrapy_popen(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.Popen:
    """A ``scrapy`` child process that the test can kill (``run_scrapy`` waits for it)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium is not installed (apt-get install chromium) - report not rendered")


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync")


def render(url: str, *extra: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True, text=True, timeout=120,
    )


def screenshot(
    url: str, name: str, *, height: int, profile: Path
) -> tuple[subprocess.CompletedProcess, Path]:
    """Render ``url`` into ``test-artifacts/name`` (an older file is removed first)."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    result = render(url, f"--screenshot={shot}", f"--window-size=1100,{height}", profile=profile)
    return result, shot
