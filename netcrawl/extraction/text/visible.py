"""A page's visible text as lines, each knowing where on the page it sits.

Addresses are written as blocks of short lines (``<br>`` or one element per
line); where a line sits decides how much it is worth: inside ``<address>``
it is an address by the author's own word, inside the footer or navigation
it is boilerplate repeated on every page, inside a long paragraph it is prose.
The tree is only read (other extractors share it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "select",
     "option", "button", "form", "input", "textarea", "canvas", "video", "audio", "map", "title",
     "meta", "link"}
)
_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div", "dl",
     "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
     "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
     "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "html", "caption", "center"}
)
_BOILERPLATE_TAGS = frozenset({"footer", "nav", "header", "aside"})
_BOILERPLATE_ROLES = frozenset({"contentinfo", "navigation", "banner", "complementary", "menu"})
_BOILERPLATE_NAMES = re.compile(
    r"(?:^|[\s_-])(?:footer|foot|nav|navbar|navigation|menu|cookie|cookies|consent|breadcrumbs?|"
    r"sidebar|newsletter|masthead|site-header|header|topbar|legal|copyright|social|share)"
    r"(?:$|[\s_-])",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


@dataclass(frozen=True)
class Line:
    """One visible line of text and where it sits."""

    text: str
    boilerplate: bool
    #: Number of the enclosing ``<address>`` element (lines of one block share it).
    address_block: int | None
    #: Words in the enclosing paragraph-level block: prose when large.
    block_words: int


def is_boilerplate(element: etree._Element) -> bool:
    if element.tag in _BOILERPLATE_TAGS:
        return True
    if (element.get("role") or "").lower() in _BOILERPLATE_ROLES:
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    return bool(names.strip()) and bool(_BOILERPLATE_NAMES.search(names))


def _is_hidden(element: etree._Element) -> bool:
    return (
        element.get("hidden") is not None
        or (element.get("aria-hidden") or "").lower() == "true"
        or bool(_HIDDEN_STYLE.search(element.get("style") or ""))
    )


class _LineBuilder:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._parts: list[str] = []
        self._context: tuple[bool, int | None, etree._Element | None] | None = None
        # Keyed by the element itself: holding it keeps lxml's proxy (and its hash) alive.
        self._words: dict[etree._Element, int] = {}
        self.address_blocks = 0

    def add(self, text: str | None, boilerplate: bool, address: int | None,
            block: etree._Element | None) -> None:
        if not text:
            return
        if self._context is None and text.strip():
            self._context = (boilerplate, address, block)
        self._parts.append(text)

    def _block_words(self, block: etree._Element | None) -> int:
        if block is None:
            return 0
        if block not in self._words:
            self._words[block] = len(" ".join(block.itertext()).split())
        return self._words[block]

    def flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self._parts)).strip()
        if text and self._context is not None:
            boilerplate, address, block = self._context
            words = self._block_words(block)
            for part in text.split("\n"):
                part = part.strip()
                if part:
                    self.lines.append(Line(part, boilerplate, address, words))
        self._parts = []
        self._context = None


def visible_lines(root: etree._Element) -> list[Line]:
    """The page's visible text, one entry per rendered line."""
    builder = _LineBuilder()
    body = root.find(".//body")

    def walk(element: etree._Element, boilerplate: bool, address: int | None,
             block: etree._Element | None) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP_TAGS or not tag or _is_hidden(element):
            return
        is_block = tag in _BLOCK_TAGS
        if is_block:
            builder.flush()
        boilerplate = boilerplate or is_boilerplate(element)
        if tag == "address":
            builder.address_blocks += 1
            address = builder.address_blocks
        if tag in ("p", "li", "td", "dd", "blockquote", "div", "address", "section"):
            block = element
        if tag == "br":
            builder.add("\n", boilerplate, address, block)
        builder.add(element.text, boilerplate, address, block)
        for child in element:
            walk(child, boilerplate, address, block)
            builder.add(child.tail, boilerplate, address, block)
        if is_block:
            builder.flush()

    walk(body if body is not None else root, False, None, None)
    builder.flush()
    return builder.lines
