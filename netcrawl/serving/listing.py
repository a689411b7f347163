"""HTML directory listings that show what a dataset folder holds: names, sizes, dates.

Every name is HTML-escaped and every link percent-encoded, so a file called
``<script>.csv`` or ``a&b #1.jsonl`` is shown and linked safely.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from netcrawl.serving.paths import is_visible_entry


@dataclass(frozen=True)
class ListingEntry:
    name: str
    is_dir: bool
    size: int
    mtime: float


def human_size(size: int) -> str:
    """``1536`` -> ``1.5 KiB``: sizes a reader can compare at a glance."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def list_directory(root: Path, directory: Path) -> list[ListingEntry]:
    """Visible entries of ``directory``: directories first, then files, by name."""
    entries: list[ListingEntry] = []
    with os.scandir(directory) as scan:
        for item in scan:
            path = Path(item.path)
            if not is_visible_entry(root, path):
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            is_dir = path.is_dir()
            entries.append(ListingEntry(item.name, is_dir, 0 if is_dir else stat.st_size,
                                        stat.st_mtime))
    entries.sort(key=lambda entry: (not entry.is_dir, entry.name.lower(), entry.name))
    return entries


def render_listing(url_path: str, entries: list[ListingEntry]) -> bytes:
    """The HTML page for a directory at ``url_path`` (decoded, ending with ``/``)."""
    title = html.escape(f"Index of {url_path}")
    rows = []
    if url_path != "/":
        rows.append('<tr><td><a href="../">../</a></td><td></td><td></td></tr>')
    total = 0
    for entry in entries:
        display = entry.name + ("/" if entry.is_dir else "")
        href = quote(entry.name) + ("/" if entry.is_dir else "")
        modified = datetime.fromtimestamp(entry.mtime, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        size_text = "" if entry.is_dir else html.escape(human_size(entry.size))
        size_bytes = "" if entry.is_dir else str(entry.size)
        total += entry.size
        rows.append(
            f'<tr><td><a href="{html.escape(href, quote=True)}">{html.escape(display)}</a></td>'
            f'<td class="size" data-bytes="{size_bytes}">{size_text}</td>'
            f"<td>{modified}</td></tr>"
        )
    files = sum(1 for entry in entries if not entry.is_dir)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif}}td{{padding:0 1em}}.size{{text-align:right}}</style>
</head>
<body>
<h1>{title}</h1>
<table>
<thead><tr><th>Name</th><th>Size</th><th>Last modified</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p>{files} file(s), {html.escape(human_size(total))} in total.</p>
</body>
</html>
"""
    return page.encode("utf-8")
