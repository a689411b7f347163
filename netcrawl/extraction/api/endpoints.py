"""Locator endpoints named in a page's scripts, and place data embedded in them.

Store finders load their stores from an endpoint the page's JavaScript calls
(``fetch("/api/stores?...")``, ``$.getJSON``, ``axios.get``, ``xhr.open``, a
``data-api`` attribute) or ship them inline (``var stores = [...]``,
``window.__INITIAL_STATE__ = {...}``, Next.js's ``__NEXT_DATA__``). Following
such endpoints and reading such objects finds places no markup describes.
Only same-site endpoints are returned (plus, optionally, a few well-known
locator SaaS hosts that serve a site's own stores), so a crawl never wanders
off to analytics or ad servers.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import chompjs
from lxml import etree
from tldextract import TLDExtract

from netcrawl.extraction import ExtractionResult
from netcrawl.extraction.api.records import iter_places, unique_places
from netcrawl.extraction.page import load_html

INVALID_EMBEDDED_JSON = "invalid_embedded_json"
INVALID_EMBEDDED_JS = "invalid_embedded_js"

#: Hosts of store-locator services that publish a site's own store list.
KNOWN_PROVIDER_HOSTS = (
    "api.storepoint.co",
    "stockist.co",
    "storerocket.io",
    "api.storerocket.io",
    "cdn.storelocatorwidgets.com",
    "liveapi.yext.com",
    "api.closeby.co",
    "where2getit.com",
    "api.woosmap.com",
    "uberall.com",
)

_SCRIPTS = etree.XPath("//script[not(@src)]")
_DATA_ATTRIBUTES = etree.XPath("//@*[starts-with(name(), 'data-')]")
_CALL = re.compile(
    r"""(?:\bfetch|\$\.getJSON|\$\.get|\$\.post|jQuery\.getJSON|jQuery\.get|jQuery\.post|"""
    r"""\baxios(?:\.get|\.post|\.request)?|\bhttp\.get|\bky(?:\.get)?|\bsuperagent\.get)"""
    r"""\s*\(\s*(?P<q>["'`])(?P<url>[^"'`\s]{2,}?)(?P=q)"""
)
_XHR_OPEN = re.compile(
    r"""\.open\(\s*["'](?:GET|POST)["']\s*,\s*(?P<q>["'`])(?P<url>[^"'`\s]{2,}?)(?P=q)""", re.I
)
_URL_OPTION = re.compile(
    r"""["']?\b(?:url|endpoint|api|apiUrl|api_url|apiEndpoint|ajaxUrl|ajaxurl|ajax_url|dataUrl|"""
    r"""data_url|jsonUrl|json_url|storesUrl|stores_url|locationsUrl|locations_url|feedUrl|"""
    r"""searchUrl|search_url)["']?\s*[:=]\s*(?P<q>["'`])(?P<url>[^"'`\s]{2,}?)(?P=q)"""
)
_DATA_FILE = re.compile(
    r"""(?P<q>["'`])(?P<url>(?:https?:)?[\w./:%-]*?[\w-]+\.(?:json|geojson|ndjson|jsonl|kml|kmz)"""
    r"""(?:\?[^"'`\s]*)?)(?P=q)""", re.I
)
#: Data-attribute names that hold an endpoint whatever it looks like, and those that
#: hold one only when the URL looks like data (``data-url`` is also a share-button URL).
_ENDPOINT_ATTRIBUTE = re.compile(r"^data-(?:[\w-]*-)?(?:api|endpoint|json)(?:-url|-src)?$")
_MAYBE_ENDPOINT_ATTRIBUTE = re.compile(r"^data-(?:[\w-]*-)?(?:url|source|feed|src)$")
_DATA_URL = re.compile(
    r"(?:/api/|/api\b|ajax|wp-json|graphql|\.json|\.geojson|\.kml|\.xml|\.ndjson|/feeds?/|\.php\?|"
    r"[/_-](?:stores?|store-?locator|locations?|locator|dealers?|branch(?:es)?|retailers?|"
    r"outlets?|stockists?|shops?|filialen|standorte)(?:[/?._-]|$))",
    re.I,
)
_ASSET = re.compile(r"\.(?:js|mjs|css|png|jpe?g|gif|svg|webp|ico|woff2?|ttf|mp4|pdf|html?)(?:\?|$)",
                    re.I)
_PLACEHOLDER = re.compile(r"\$\{|\{\{|%s|\{[a-zA-Z_]+\}")
_COORDINATE_HINT = re.compile(r"lat(?:itude)?\b|\blng\b|\blon(?:gitude)?\b|coordinates", re.I)
_NOT_DATA_SCRIPT_TYPES = ("application/ld+json",)


@lru_cache(maxsize=1)
def _domain_splitter() -> TLDExtract:
    # The bundled public-suffix snapshot: no network access, ever.
    return TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable domain of ``host`` (``www.shop.co.uk`` -> ``shop.co.uk``)."""
    host = host.lower().rstrip(".")
    parts = _domain_splitter()(host)
    if parts.top_domain_under_public_suffix:
        return parts.top_domain_under_public_suffix
    if parts.suffix or host.replace(".", "").isdigit() or ":" in host:
        return host  # an IP address, or a public suffix itself
    # A name under no known suffix (``shop.example``, ``intranet.local``): its last two labels.
    return ".".join(host.split(".")[-2:])


def same_site(url: str, page_url: str) -> bool:
    a, b = urlsplit(url).hostname or "", urlsplit(page_url).hostname or ""
    return bool(a) and (a == b or site_of(a) == site_of(b))


def _is_provider(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == known or host.endswith("." + known) for known in KNOWN_PROVIDER_HOSTS)


def clean_endpoint(raw: str) -> str | None:
    """A URL written in code, without template placeholders or the empty parameters
    that concatenation leaves (``"/api/stores?lat=" + lat`` -> ``/api/stores``)."""
    raw = raw.replace("\\/", "/").strip()
    match = _PLACEHOLDER.search(raw)
    if match:
        raw = raw[: match.start()]
    parts = urlsplit(raw)
    # ``key=`` with nothing after it was followed by a variable; a bare ``flag`` is kept.
    query = "&".join(item for item in parts.query.split("&") if item and not item.endswith("="))
    cleaned = urlunsplit(parts._replace(query=query, fragment=""))
    if not cleaned or cleaned in ("/", "//") or cleaned.startswith(("#", "javascript:", "data:")):
        return None
    return cleaned


def _script_urls(text: str) -> list[str]:
    """URLs the script calls, in the order the script names them."""
    found = [(m.start("url"), m.group("url")) for m in _CALL.finditer(text)]
    found += [(m.start("url"), m.group("url")) for m in _XHR_OPEN.finditer(text)]
    found += [(m.start("url"), m.group("url")) for m in _URL_OPTION.finditer(text)
              if _DATA_URL.search(m.group("url"))]
    found += [(m.start("url"), m.group("url")) for m in _DATA_FILE.finditer(text)]
    return [url for _, url in sorted(found)]


def _attribute_urls(root: etree._Element) -> list[str]:
    urls = []
    for value in _DATA_ATTRIBUTES(root):
        name = value.attrname.lower()
        if _ENDPOINT_ATTRIBUTE.match(name) or (
            _MAYBE_ENDPOINT_ATTRIBUTE.match(name) and _DATA_URL.search(value)
        ):
            urls.append(str(value))
    return urls


def find_endpoints(response_or_html: Any, url: str | None = None, *,
                   known_providers: bool = True) -> list[str]:
    """Absolute URLs of the data endpoints a page's scripts and data attributes name.

    Same-site only (same registrable domain), plus hosts in
    :data:`KNOWN_PROVIDER_HOSTS` when ``known_providers``. Order is the page's.
    """
    root, page_url = load_html(response_or_html, url)
    if not page_url:
        return []
    raw: list[str] = []
    for script in _SCRIPTS(root):
        if (script.get("type") or "").strip().lower() in _NOT_DATA_SCRIPT_TYPES:
            continue
        raw.extend(_script_urls(script.text or ""))
    raw.extend(_attribute_urls(root))
    found: dict[str, None] = {}
    for candidate in raw:
        cleaned = clean_endpoint(candidate)
        if not cleaned or _ASSET.search(urlsplit(cleaned).path):
            continue
        absolute = urljoin(page_url, cleaned)
        if not absolute.startswith(("http://", "https://")) or absolute == page_url:
            continue
        if same_site(absolute, page_url) or (known_providers and _is_provider(absolute)):
            found.setdefault(absolute)
    return list(found)


def _embedded_documents(root: etree._Element) -> tuple[list[Any], list[str]]:
    documents: list[Any] = []
    problems: list[str] = []
    for script in _SCRIPTS(root):
        kind = (script.get("type") or "").strip().lower()
        text = script.text or ""
        if kind in _NOT_DATA_SCRIPT_TYPES or not _COORDINATE_HINT.search(text):
            continue
        if kind.endswith("json"):  # __NEXT_DATA__, other JSON data islands
            try:
                documents.append(json.loads(text))
            except ValueError:
                problems.append(INVALID_EMBEDDED_JSON)
            continue
        if kind not in ("", "text/javascript", "application/javascript", "module"):
            continue  # templates (text/x-template, text/html) are not data
        try:
            documents.extend(chompjs.parse_js_objects(text, omitempty=True))
        except (ValueError, TypeError, RecursionError):
            problems.append(INVALID_EMBEDDED_JS)
    return documents, problems


def extract_embedded_places(html_or_response: Any, url: str | None = None) -> ExtractionResult:
    """Places in JavaScript objects and JSON data islands embedded in a page.

    Stricter than an API response: a record must carry coordinates, because
    page state also holds the publisher's own organisation, authors, etc.
    ``source_format`` is ``api`` (the objects are the locator's API data).
    """
    root, page_url = load_html(html_or_response, url)
    documents, problems = _embedded_documents(root)
    places = unique_places(iter_places(documents, page_url, require_coordinates=True))
    return ExtractionResult(places, list(dict.fromkeys(problems)))
