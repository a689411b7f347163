"""Validators and conditional requests (RFC 9110, section 13).

The precedence is the one RFC 9110 section 13.2.2 prescribes: If-Match, then
If-Unmodified-Since (only without If-Match), then If-None-Match, then
If-Modified-Since (only without If-None-Match), and If-Range last, deciding
whether a Range header is honoured at all.
"""

from __future__ import annotations

import email.utils
import os
from dataclasses import dataclass
from enum import Enum


class Outcome(Enum):
    """What the conditional headers decide for a GET or HEAD."""

    PROCEED = "proceed"
    NOT_MODIFIED = 304
    PRECONDITION_FAILED = 412


@dataclass(frozen=True)
class Validators:
    """The ETag (strong, quoted) and modification time (whole seconds) of a representation."""

    etag: str
    mtime: int

    @property
    def last_modified(self) -> str:
        return email.utils.formatdate(self.mtime, usegmt=True)


def validators_for(stat: os.stat_result, coding: str | None = None) -> Validators:
    """Validators of a file; a content-coded variant gets its own strong ETag.

    The ETag combines inode, size and nanosecond mtime, so any rewrite of the
    file (even within the same second) changes it.
    """
    suffix = f"-{coding}" if coding else ""
    tag = f'"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}{suffix}"'
    return Validators(etag=tag, mtime=int(stat.st_mtime))


def parse_http_date(value: str) -> int | None:
    """An HTTP-date as a POSIX timestamp, or None when it is not a valid date."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


def _entity_tags(header: str) -> list[str]:
    """The entity-tags of an If-Match/If-None-Match list (``*`` kept as is)."""
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def strong_match(tags: list[str], etag: str) -> bool:
    """Strong comparison: both tags strong and identical."""
    return any(tag == "*" or (not tag.startswith("W/") and tag == etag) for tag in tags)


def weak_match(tags: list[str], etag: str) -> bool:
    """Weak comparison: opaque parts equal, W/ prefixes ignored."""
    return any(tag == "*" or _opaque(tag) == _opaque(etag) for tag in tags)


def evaluate(headers: dict[str, str], validators: Validators) -> Outcome:
    """Evaluate If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since.

    ``headers`` maps lower-cased header names to values; the method is GET or HEAD.
    """
    if_match = headers.get("if-match")
    if if_match is not None:
        if not strong_match(_entity_tags(if_match), validators.etag):
            return Outcome.PRECONDITION_FAILED
    elif (if_unmodified := headers.get("if-unmodified-since")) is not None:
        limit = parse_http_date(if_unmodified)
        if limit is not None and validators.mtime > limit:
            return Outcome.PRECONDITION_FAILED
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if weak_match(_entity_tags(if_none_match), validators.etag):
            return Outcome.NOT_MODIFIED
    elif (if_modified := headers.get("if-modified-since")) is not None:
        since = parse_http_date(if_modified)
        if since is not None and validators.mtime <= since:
            return Outcome.NOT_MODIFIED
    return Outcome.PROCEED


def if_range_allows(value: str | None, validators: Validators) -> bool:
    """Whether an If-Range header (absent: yes) lets the Range header apply.

    An entity-tag must match strongly; a date must equal Last-Modified exactly
    (RFC 9110 section 13.1.5), otherwise the full representation is sent.
    """
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return not value.startswith("W/") and value == validators.etag
    date = parse_http_date(value)
    return date is not None and date == validators.mtime
