"""The signs that a page's content is drawn by JavaScript, read from its plain HTML.

``auto`` rendering fetches a page again in a browser only when its plain HTML
yielded no place **and** shows one of these signs; a rendering costs ten to a
hundred plain requests, so each sign is narrow, and the checks stop early:

- ``app_root``: an empty application root a framework fills in the browser
  (``<div id="root"></div>``, ``id="app"``, ``__next``, ``__nuxt``, ``___gatsby``,
  ``data-reactroot``, ``ng-version``, ``data-v-app``...);
- ``locator_widget``: an (almost) empty element named as a store finder
  (``id``/``class`` with ``store-locator``, ``storefinder``, ``stockist``,
  ``dealer-locator``, ``find-a-store``...);
- ``map_container``: an empty map element (``id``/``class`` token ``map``,
  ``store-map``, ``map-canvas``, ``gmap``...), which scripts fill with markers;
  one holding an ``iframe`` or ``img`` (an embedded or static map) does not count;
- ``noscript``: a ``<noscript>`` asking to enable JavaScript on a page with
  little text of its own;
- ``script_only``: several scripts and almost no visible text.

:func:`script_built_reason` works on any HTML (no crawl needed); it takes a
Scrapy response to reuse the tree the spider's extractors already parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse

#: Reasons, in the order they are checked (the first that holds is reported).
REASONS = ("app_root", "locator_widget", "map_container", "noscript", "script_only")

#: ids of framework mount points; attributes frameworks put on theirs.
_APP_ROOT_IDS = ("root", "app", "__next", "__nuxt", "___gatsby", "app-root", "main-app", "svelte")
_APP_ROOT_XPATH = (
    "//body//*["
    + " or ".join(f"@id='{name}'" for name in _APP_ROOT_IDS)
    + " or @data-reactroot or @ng-version or @data-v-app]"
)
#: id/class fragments naming a store finder (compared lower-cased, separators removed).
_LOCATOR_WORDS = (
    "storelocator",
    "storefinder",
    "shopfinder",
    "shoplocator",
    "branchfinder",
    "branchlocator",
    "dealerlocator",
    "dealerfinder",
    "locationfinder",
    "locationslist",
    "findastore",
    "findstore",
    "stockist",
    "storelist",
    "locator",
)
_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ-_', 'abcdefghijklmnopqrstuvwxyz')"
_NAME = _LOWER.format("concat(@id, ' ', @class)")
_LOCATOR_XPATH = (
    "//body//*[" + " or ".join(f"contains({_NAME}, '{word}')" for word in _LOCATOR_WORDS) + "]"
)
_MAP_XPATH = "//body//*[contains(translate(concat(@id, ' ', @class), 'MAP', 'map'), 'map')]"
#: id/class tokens of a map container (tokens split on spaces, dashes and underscores).
_MAP_TOKENS = frozenset({"map", "gmap", "maps", "mapcanvas", "mapcontainer", "leaflet", "mapbox"})
_MAP_COMPOUND = re.compile(r"^(?:store|stores|location|locations|locator|dealer|branch|shop)?map")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
_NOSCRIPT_HINT = re.compile(
    r"javascript\W+(?:is\s+)?(?:required|disabled|needed|must)|"
    r"(?:enable|activate|turn\s+on|requires?|needs?|allow)\W+(?:\w+\W+){0,3}javascript",
    re.IGNORECASE,
)
# Pre-checks on the page's id and class values only (one XPath collecting attribute
# strings, then substring tests): most pages show none of the signs, and the
# per-element XPaths below then never run.
_NAMES_XPATH = etree.XPath("//body//@id | //body//@class")
_FRAMEWORK_ROOT_XPATH = etree.XPath("boolean(//*[@data-reactroot or @ng-version or @data-v-app])")
_LOCATOR_HINT = re.compile(
    r"locator|finder|stockist|find[-_]?a?[-_]?store|store[-_]?list|locations[-_]?list"
)
_SCRIPT_COUNT_XPATH = etree.XPath("count(//script)")

#: Elements whose text a visitor does not read as the page's content.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "svg", "head", "title"})

#: An element counts as empty below this much text (a "Loading..." placeholder).
EMPTY_TEXT = 40
#: ``script_only``: at least this many scripts and less visible text than this.
SCRIPT_ONLY_MIN_SCRIPTS = 3
SCRIPT_ONLY_MAX_TEXT = 200
#: ``noscript``: a page with more visible text than this is not a script shell.
NOSCRIPT_MAX_TEXT = 1500


def _selector(page: TextResponse | Selector | str | bytes) -> Selector:
    if isinstance(page, Selector):
        return page
    if isinstance(page, TextResponse):
        return page.selector  # the tree the spider's extractors already parsed
    if isinstance(page, bytes):
        page = page.decode("utf-8", "replace")
    return Selector(text=page)


def _text_length(element: etree._Element, limit: int) -> int:
    """Visible text length under ``element``, counted only up to ``limit`` (early exit).

    Scripts, styles, templates and the like are skipped with their whole subtree; the
    text after one (its ``tail``) belongs to the parent and is counted.
    """
    if not isinstance(element.tag, str) or element.tag in _INVISIBLE:
        return 0
    total = len((element.text or "").strip())
    stack = list(element)
    while stack and total < limit:
        node = stack.pop()
        if node.tail:
            total += len(node.tail.strip())
        if isinstance(node.tag, str) and node.tag not in _INVISIBLE:
            if node.text:
                total += len(node.text.strip())
            stack.extend(node)
    return total


def _inside_invisible(element: etree._Element) -> bool:
    return any(ancestor.tag in _INVISIBLE for ancestor in element.iterancestors())


def _is_empty(element: etree._Element) -> bool:
    """No content of its own yet: little text and no embedded frame or picture."""
    if element.tag in ("iframe", "img", "svg", "canvas", "picture", "object", "embed"):
        return False
    for child in element.iterdescendants():
        if child.tag in ("iframe", "img", "picture", "object", "embed", "a", "li", "table"):
            return False
    return _text_length(element, EMPTY_TEXT) < EMPTY_TEXT


def _first_empty(elements: Iterable[etree._Element]) -> bool:
    return any(_is_empty(element) and not _inside_invisible(element) for element in elements)


def _is_map_element(element: etree._Element) -> bool:
    names = f"{element.get('id') or ''} {element.get('class') or ''}".lower()
    return any(
        token in _MAP_TOKENS
        or (_MAP_COMPOUND.match(token) is not None and token.endswith(("map", "maps")))
        for token in _TOKEN_SPLIT.split(names)
        if token
    )


def script_built_reason(page: TextResponse | Selector | str | bytes) -> str | None:
    """The first of :data:`REASONS` that ``page`` shows, or ``None`` for an ordinary page."""
    selector = _selector(page)
    root = selector.root
    if not isinstance(root, etree._Element):
        return None
    names = " ".join(_NAMES_XPATH(root)).lower()
    ids = set(names.split())
    if (ids.intersection(_APP_ROOT_IDS) or _FRAMEWORK_ROOT_XPATH(root)) and _first_empty(
        node.root for node in selector.xpath(_APP_ROOT_XPATH)
    ):
        return "app_root"
    if _LOCATOR_HINT.search(names) and _first_empty(
        node.root for node in selector.xpath(_LOCATOR_XPATH)
    ):
        return "locator_widget"
    if "map" in names:
        maps = (node.root for node in selector.xpath(_MAP_XPATH))
        if _first_empty(element for element in maps if _is_map_element(element)):
            return "map_container"
    body = root.find("body")
    if body is None:
        return None
    noscript = " ".join(selector.xpath("//noscript//text()").getall())
    if (
        noscript
        and _NOSCRIPT_HINT.search(noscript)
        and _text_length(body, NOSCRIPT_MAX_TEXT) < NOSCRIPT_MAX_TEXT
    ):
        return "noscript"
    if (
        _SCRIPT_COUNT_XPATH(root) >= SCRIPT_ONLY_MIN_SCRIPTS
        and _text_length(body, SCRIPT_ONLY_MAX_TEXT) < SCRIPT_ONLY_MAX_TEXT
    ):
        return "script_only"
    return None
