"""Parse the ``Content-Range`` response header (RFC 9110, section 14.4).

A resumed download is only appended to the partial file when the server
says, in this header, that the bytes start exactly where the file ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SATISFIED = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSATISFIED = re.compile(r"^\s*bytes\s+\*/(\d+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ContentRange:
    """``bytes first-last/total`` (``total`` None when the server wrote ``*``)."""

    first: int
    last: int
    total: int | None

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def parse_content_range(value: str | None) -> ContentRange | None:
    """A satisfied byte range, or None when the header is absent or malformed."""
    if not value:
        return None
    match = _SATISFIED.match(value)
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if last < first or (total is not None and last >= total):
        return None
    return ContentRange(first, last, total)


def parse_unsatisfied_range(value: str | None) -> int | None:
    """The complete length from a 416's ``bytes */length``, or None."""
    if not value:
        return None
    match = _UNSATISFIED.match(value)
    return int(match.group(1)) if match else None
