"""Parse the ``Range`` request header (RFC 9110, section 14).

Only the ``bytes`` unit exists in practice. The parser is strict about syntax
(an unparsable header is ignored, as RFC 9110 permits) and defensive about
abuse: many tiny or overlapping ranges are coalesced, and an absurd number of
them makes the server ignore the header rather than build a huge multipart
response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: More ranges than this after coalescing: ignore the header and send 200.
MAX_RANGES = 16

_RANGE_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class ByteRange:
    """An inclusive byte range ``first``..``last`` of a representation."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


class RangeNotSatisfiable(Exception):
    """No range in the header overlaps the representation: answer 416."""


def parse_range_header(header: str, size: int) -> list[ByteRange] | None:
    """The ranges selected by a ``Range`` header for a representation of ``size`` bytes.

    Returns ``None`` when the header must be ignored (other unit, bad syntax,
    too many ranges): the caller then sends the whole representation with 200.
    Raises :class:`RangeNotSatisfiable` when the syntax is valid but no range
    overlaps the content. The result is sorted and coalesced.
    """
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    ranges: list[ByteRange] = []
    for spec in specs.split(","):
        if not spec.strip():
            continue  # RFC 9110 allows empty list elements
        match = _RANGE_SPEC.match(spec)
        if match is None:
            return None
        first_text, last_text = match.groups()
        if first_text:
            first = int(first_text)
            last = int(last_text) if last_text else size - 1
            if last_text and last < first:
                return None  # invalid range-spec: ignore the whole header
            if first >= size:
                continue  # unsatisfiable on its own
            ranges.append(ByteRange(first, min(last, size - 1)))
        elif last_text:
            suffix_length = int(last_text)
            if suffix_length == 0 or size == 0:
                continue
            ranges.append(ByteRange(max(size - suffix_length, 0), size - 1))
        else:
            return None
    if not ranges:
        if any(spec.strip() for spec in specs.split(",")):
            raise RangeNotSatisfiable(header)
        return None
    coalesced = _coalesce(ranges)
    if len(coalesced) > MAX_RANGES:
        return None
    return coalesced


def _coalesce(ranges: list[ByteRange]) -> list[ByteRange]:
    """Merge overlapping or adjacent ranges, in ascending order."""
    merged: list[ByteRange] = []
    for byte_range in sorted(ranges, key=lambda r: r.first):
        if merged and byte_range.first <= merged[-1].last + 1:
            previous = merged[-1]
            merged[-1] = ByteRange(previous.first, max(previous.last, byte_range.last))
        else:
            merged.append(byte_range)
    return merged
