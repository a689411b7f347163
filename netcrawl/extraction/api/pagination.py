"""Next-page links of paginated locator APIs.

Followed only when the response names the next page as a URL (``next``,
``links.next``, ``next_page``, ``nextPageUrl``, HAL ``_links.next.href``,
OData ``@odata.nextLink``, an RFC 8288 ``Link: <...>; rel="next"`` header), or
when the request's own ``page`` query parameter can be stepped because the
response reports how many pages there are. Opaque cursors
(``next_page_token``) are not URLs: building a request from them needs the
site's API knowledge, which belongs in a site spider.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from netcrawl.extraction.api.body import ApiBody
from netcrawl.extraction.api.sniff import Format
from netcrawl.extraction.api.vocabulary import normalise_key

_NEXT_KEYS = frozenset(
    normalise_key(key) for key in (
        "next", "next_page", "nextPage", "next_page_url", "nextPageUrl", "next_url", "nextUrl",
        "next_link", "nextLink", "@odata.nextLink", "odata.nextLink", "next_href",
    )
)
_WRAPPER_KEYS = frozenset(
    normalise_key(key) for key in ("links", "_links", "pagination", "paging", "meta", "page_info",
                                   "pageInfo", "cursor", "pager")
)
_TOTAL_PAGE_KEYS = frozenset(
    normalise_key(key) for key in ("total_pages", "totalPages", "pages", "last_page", "lastPage",
                                   "page_count", "pageCount", "num_pages", "numPages")
)
_PAGE_PARAMS = ("page", "p", "pageNumber", "page_number", "pg")
_RELATIVE_PATH = re.compile(
    r"^[\w.~%-]+(?:/[\w.~%-]*)+(?:\?\S*)?$|^[\w~%-]+(?:\.(?:json|geojson|xml|kml|php|html?|aspx?))"
    r"(?:\?\S*)?$|^[\w.~%/-]*\?\S*=\S*$"
)
_LINK_NEXT = re.compile(r"<([^>]+)>\s*;[^,]*\brel\s*=\s*\"?(?:[^\",]*\s)?next\b", re.I)


def _as_url(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("href") or value.get("url") or value.get("link")
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.startswith(("http://", "https://", "/", "?", "./", "../")):
        return value
    if _RELATIVE_PATH.match(value):  # ``stores-2.json``, ``page/3``: not an opaque cursor
        return value
    return None


def _next_in(node: Any, depth: int = 0) -> list[str]:
    found: list[str] = []
    if not isinstance(node, dict) or depth > 3:
        return found
    for key, value in node.items():
        normal = normalise_key(key)
        if normal in _NEXT_KEYS and (url := _as_url(value)):
            found.append(url)
        elif normal in _WRAPPER_KEYS and isinstance(value, dict):
            found.extend(_next_in(value, depth + 1))
    return found


def _page_count(node: Any, depth: int = 0) -> int | None:
    if not isinstance(node, dict) or depth > 3:
        return None
    for key, value in node.items():
        normal = normalise_key(key)
        if normal in _TOTAL_PAGE_KEYS and isinstance(value, int) and not isinstance(value, bool):
            return value
        if normal in _WRAPPER_KEYS and (count := _page_count(value, depth + 1)):
            return count
    return None


def _stepped_page(url: str, page_count: int) -> str | None:
    """``?page=2`` -> ``?page=3`` while below the reported page count."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for index, (name, value) in enumerate(query):
        if name in _PAGE_PARAMS and value.isdigit():
            if int(value) >= page_count:
                return None
            query[index] = (name, str(int(value) + 1))
            return urlunsplit(parts._replace(query=urlencode(query)))
    return None


def find_next_pages(body: bytes | str | ApiBody, url: str, content_type: str | None = None,
                    link_header: str | None = None) -> list[str]:
    """Absolute URLs of the next page(s) of an API response (empty on the last page).

    ``body`` may be an :class:`ApiBody` already read for the response's places
    (then ``content_type`` is its own).
    """
    found: list[str] = []
    if link_header:
        found.extend(match.group(1) for match in _LINK_NEXT.finditer(link_header))
    data = body if isinstance(body, ApiBody) else ApiBody(body, content_type)
    if data.kind == Format.JSON:
        document, problems = data.json
        if not problems:
            found.extend(_next_in(document))
            if not found and (count := _page_count(document)):
                stepped = _stepped_page(url, count)
                if stepped:
                    found.append(stepped)
    absolute = [urljoin(url, link) for link in found]
    return [link for link in dict.fromkeys(absolute) if link != url]
