"""An API response body read once: decoded, sniffed and (for JSON) parsed on first use.

A locator response has several readers (its places, its next pages); each
decoding, sniffing and ``json.loads``-ing the same body again would double the
work on every API response of a crawl. They share one :class:`ApiBody`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from netcrawl.extraction.api.json_api import parse_json
from netcrawl.extraction.api.sniff import Format, decode, sniff


@dataclass
class ApiBody:
    """A response body and its content type (a hint), with lazily computed readings."""

    raw: bytes | str
    content_type: str | None = None

    @cached_property
    def text(self) -> str:
        return decode(self.raw, self.content_type)

    @cached_property
    def kind(self) -> Format:
        return sniff(self.text, self.content_type)

    @cached_property
    def json(self) -> tuple[Any, list[str]]:
        """The parsed JSON document and its problems (see :func:`.json_api.parse_json`)."""
        return parse_json(self.text)
