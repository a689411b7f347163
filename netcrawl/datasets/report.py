"""A self-contained HTML report of one run: counts, health, changes, fill rates, map.

The page is written into the run folder as ``report.html`` so ``scrapy serve`` (or a
browser on the file) shows it; it has inline CSS and an inline SVG map
(:mod:`netcrawl.datasets.svgmap`) and loads nothing, so it works offline and as a CI
artefact. Every value from the crawl is HTML-escaped: place names and stats come from
arbitrary websites.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from netcrawl import __version__
from netcrawl.datasets.diff import CHANGE_KINDS, DiffResult, diff_files
from netcrawl.datasets.health import item_count
from netcrawl.datasets.places_table import read_places
from netcrawl.datasets.runs import REPORT_FILE, Run
from netcrawl.datasets.svgmap import Marker, render_svg_map
from netcrawl.exporters.storage import atomic_text
from netcrawl.items import PLACE_FIELDS

# Read through importlib.resources: under Scrapyd the package is a zipped egg (no real file).
TEMPLATE_PATH = resources.files(__package__).joinpath("report_template.html")
#: Above this many places the map shows an even sample (a browser struggles beyond).
DEFAULT_MAX_MARKERS = 20_000
DEFAULT_MAX_CHANGE_ROWS = 300
_MAP_COLUMNS = ("ref", "name", "city", "country", "lat", "lon")


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]], numeric: set[int] = frozenset()
           ) -> str:
    head = "".join(
        f'<th class="num">{escape(str(h))}</th>' if i in numeric else f"<th>{escape(str(h))}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
            css = ' class="num"' if i in numeric else ""
            cells.append(f"<td{css}>{escape(str(text))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {key[len(prefix):]: value for key, value in stats.items() if key.startswith(prefix)}


def _fill_rates(stats: Mapping[str, Any], places: pd.DataFrame) -> dict[str, float]:
    rates = {k: float(v) for k, v in _prefixed(stats, "netcrawl/fill_rate/").items()}
    if rates or places.empty:
        return rates
    # Runs crawled without the fill-rate pipeline: compute from the places themselves.
    present = places.notna() & places.astype("string").ne("").fillna(False)
    return {c: float(present[c].mean()) for c in places.columns if c in PLACE_FIELDS}


def _summary(run: Run, count: int, mapped: int) -> str:
    stats = run.stats
    rows = [
        ("Spider", run.spider),
        ("Run", run.name),
        ("Started", stats.get("start_time") or (run.started.isoformat() if run.started else "")),
        ("Finished", stats.get("finish_time", "")),
        ("Finish reason", stats.get("finish_reason", "(not closed)")),
        ("Duration", f"{float(stats['elapsed_time_seconds']):.1f} s"
         if "elapsed_time_seconds" in stats else ""),
        ("Places", f"{count:,}"),
        ("Places with coordinates", f"{mapped:,}"),
        ("Pages fetched", stats.get("response_received_count", "")),
        ("Errors logged", stats.get("log_count/ERROR", 0)),
        ("Health", stats.get("netcrawl/health/status", "not checked")),
    ]
    return "".join(
        f"<tr><td>{escape(label)}</td><td>{escape(str(value))}</td></tr>" for label, value in rows
    )


def _health(stats: Mapping[str, Any]) -> str:
    checks = stats.get("netcrawl/health/checks")
    if not checks:
        return '<p class="muted">No health checks recorded for this run.</p>'
    rows = "".join(
        f'<tr><td>{escape(str(c.get("name")))}</td>'
        f'<td class="{escape(str(c.get("status")))}">{escape(str(c.get("status")))}</td>'
        f'<td>{escape(str(c.get("detail")))}</td></tr>'
        for c in checks
    )
    return f"<table><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead>" \
           f"<tbody>{rows}</tbody></table>"


def _diff_section(diff: DiffResult | None, previous: Run | None, max_rows: int) -> str:
    if diff is None:
        return '<p class="muted">No previous complete run to compare with.</p>'
    counts = diff.counts()
    intro = (f"<p>Compared with {escape(previous.name if previous else '')} "
             f"({diff.old_count:,} places → {diff.new_count:,}).</p>")
    summary = _table(["Change", "Places"], [(k, counts[k]) for k in CHANGE_KINDS], {1})
    table = diff.table()
    if table.empty:
        return intro + summary + "<p>No changes.</p>"
    shown = table.head(max_rows)
    rows = []
    for record in shown.itertuples(index=False):
        rows.append(
            f'<tr><td class="change-{escape(str(record.change))}">{escape(str(record.change))}'
            f"</td><td>{_text(record.ref)}</td><td>{_text(record.name)}</td>"
            f"<td>{_text(record.field)}</td><td>{_text(record.old)}</td><td>{_text(record.new)}"
            f'</td><td class="num">{_text(record.distance_m)}</td></tr>'
        )
    more = (f'<p class="muted">Showing {max_rows:,} of {len(table):,} changes; the full list is '
            "in diff.csv / diff.geojson (<code>scrapy dataset diff</code>).</p>"
            if len(table) > max_rows else "")
    return (intro + summary + "<table><thead><tr><th>Change</th><th>ref</th><th>Name</th>"
            "<th>Field</th><th>Old</th><th>New</th><th class=\"num\">Moved (m)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>" + more)


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return escape(str(value))


def _changes_by_ref(diff: DiffResult | None) -> dict[str, str]:
    """Per ``ref`` of the current run, its most visible change (for marker colours)."""
    if diff is None:
        return {}
    table = diff.table()
    changes: dict[str, str] = {}
    for kind in ("changed", "moved", "added"):  # later kinds win
        for ref in table.loc[(table["change"] == kind) & table["ref"].notna(), "ref"]:
            changes[str(ref)] = kind
    return changes


def _markers(places: pd.DataFrame, max_markers: int, changes: dict[str, str] | None = None
             ) -> tuple[list[Marker], int]:
    if places.empty or "lat" not in places or "lon" not in places:
        return [], 0
    lat = pd.to_numeric(places["lat"], errors="coerce")
    lon = pd.to_numeric(places["lon"], errors="coerce")
    located = places[lat.between(-90, 90) & lon.between(-180, 180)]
    total = len(located)
    if total > max_markers:
        located = located.iloc[:: -(-total // max_markers)]
    markers = []
    for row in located.itertuples(index=False):
        data = row._asdict()
        label = " · ".join(
            str(data[k]) for k in ("name", "city", "country")
            if k in data and data[k] is not None and not (isinstance(data[k], float)
                                                          and pd.isna(data[k]))
        )
        ref = data.get("ref")
        if isinstance(ref, str) and ref:
            label = f"{label} [{ref}]" if label else ref
        label = f"{label} ({float(data['lat']):.5f}, {float(data['lon']):.5f})"
        change = (changes or {}).get(ref, "") if isinstance(ref, str) else ""
        if change:
            label = f"{label} - {change} since the previous run"
        markers.append(Marker(float(data["lat"]), float(data["lon"]), label, change))
    return markers, total


def build_report(
    run: Run,
    previous: Run | None = None,
    *,
    diff: DiffResult | None = None,
    max_markers: int = DEFAULT_MAX_MARKERS,
    max_change_rows: int = DEFAULT_MAX_CHANGE_ROWS,
) -> str:
    """The report page as a string; ``diff`` is computed against ``previous`` if not given."""
    stats = run.stats
    places_path = run.places_path
    places = read_places(places_path) if places_path else pd.DataFrame()
    if diff is None and previous is not None and previous.places_path and places_path:
        diff = diff_files(previous.places_path, places_path)
    count = len(places) if places_path else item_count(stats)
    markers, mapped = _markers(places[[c for c in _MAP_COLUMNS if c in places.columns]],
                               max_markers, _changes_by_ref(diff))
    map_caption = (f'<p class="muted">{mapped:,} places with coordinates'
                   + (f"; showing an even sample of {len(markers):,}." if len(markers) < mapped
                      else ", one marker each (hover for details).")
                   + (' Since the previous run: <span class="change-added">added</span>, '
                      '<span class="change-moved">moved</span>, '
                      '<span class="change-changed">changed</span>.' if diff is not None else "")
                   + "</p>")

    fill = _fill_rate_table(_fill_rates(stats, places))

    drops = {**_prefixed(stats, "netcrawl/dropped/")}
    for reason, value in _prefixed(stats, "item_dropped_reasons_count/").items():
        drops.setdefault(f"({reason})", value)
    drops_html = _table(["Reason", "Places"], sorted(drops.items(), key=lambda kv: -int(kv[1])),
                        {1}) if drops else "<p>No places were dropped.</p>"

    if "country" in places.columns and not places.empty:
        per_country = places["country"].fillna("(unknown)").value_counts()
        countries = _table(["Country", "Places"], per_country.items(), {1})
    else:
        countries = '<p class="muted">No country information.</p>'

    template = Template(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return template.substitute(
        version=escape(__version__),
        title=escape(f"netcrawl report: {run.spider} {run.name}"),
        heading=escape(f"{run.spider}: run {run.name}"),
        subtitle=escape(str(run.path)),
        summary=_summary(run, count, mapped),
        map=render_svg_map(markers, caption=f"Places of {run.spider} run {run.name}"),
        map_caption=map_caption,
        health=_health(stats),
        diff=_diff_section(diff, previous, max_change_rows),
        fill_rates=fill,
        drops=drops_html,
        countries=countries,
        generated=escape(datetime.now(UTC).isoformat(timespec="seconds")),
    )


def _fill_rate_table(rates: Mapping[str, float]) -> str:
    if not rates:
        return '<p class="muted">No fill rates.</p>'
    rows = "".join(
        f'<tr><td>{escape(field)}</td><td class="num">{rate:.1%}</td>'
        f'<td><span class="bar" style="width:{max(rate, 0.0) * 200:.0f}px"></span></td></tr>'
        for field, rate in sorted(rates.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return ('<table><thead><tr><th>Field</th><th class="num">Filled</th><th></th></tr>'
            f"</thead><tbody>{rows}</tbody></table>")


def write_report(run: Run, previous: Run | None = None, path: str | Path | None = None,
                 **options: Any) -> Path:
    """Write the report (default ``<run>/report.html``) atomically; returns its path."""
    target = Path(path) if path else run.path / REPORT_FILE
    html = build_report(run, previous, **options)
    with atomic_text(target) as out:
        out.write(html)
    return target
