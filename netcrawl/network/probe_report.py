"""Render probe reports as aligned text tables or as JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Sequence

from netcrawl.network.probe import TargetReport


def aligned_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart, the last one unpadded."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render_text(reports: list[TargetReport]) -> str:
    rows = []
    for report in reports:
        if not report.connections:
            rows.append([report.target, "-", "-", "-", _ms(report.dns_ms),
                         report.error or "-"])
        for result in report.connections:
            rows.append([report.target, result.address, result.family, result.status,
                         _ms(result.connect_ms), result.error or "-"])
    sections = [aligned_table(["TARGET", "ADDRESS", "FAMILY", "TCP", "TIME", "DETAIL"], rows)]

    tls_rows = [[r.target, _text(r.tls.protocol), _text(r.tls.cipher), _text(r.tls.subject),
                 _text(r.tls.issuer), ",".join(r.tls.sans) or "-",
                 _text(r.tls.not_after and r.tls.not_after[:10]), _text(r.tls.days_left),
                 _text(r.tls.hostname_match), _text(r.tls.trusted),
                 r.tls.error or r.tls.verify_error or "-"]
                for r in reports if r.tls is not None]
    if tls_rows:
        sections.append(aligned_table(
            ["TARGET", "TLS", "CIPHER", "SUBJECT", "ISSUER", "SANS", "EXPIRES", "DAYS",
             "NAME OK", "TRUSTED", "DETAIL"], tls_rows))

    http_rows = [[r.target, _text(r.http.status), _text(r.http.reason), _text(r.http.server),
                  _text(r.http.location), _ms(r.http.ttfb_ms), r.http.error or "-"]
                 for r in reports if r.http is not None]
    if http_rows:
        sections.append(aligned_table(
            ["TARGET", "STATUS", "REASON", "SERVER", "REDIRECT", "TTFB", "DETAIL"], http_rows))

    robots_rows = [[r.target, _text(r.robots.status), _text(r.robots.allowed),
                    _text(r.robots.crawl_delay), r.robots.error or r.robots.note or "-"]
                   for r in reports if r.robots is not None]
    if robots_rows:
        sections.append(aligned_table(
            ["TARGET", "ROBOTS.TXT", "ALLOWED /", "CRAWL-DELAY", "DETAIL"], robots_rows))
    return "\n\n".join(sections)


def render_json_lines(reports: list[TargetReport]) -> str:
    """One JSON object per target and line; keys are always present and in a fixed order."""
    return "\n".join(json.dumps(report.to_dict(), ensure_ascii=False) for report in reports)
