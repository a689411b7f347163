"""Microdata: read ``itemscope``/``itemprop`` markup into schema.org nodes.

A lean reader on the page's existing lxml tree (the WHATWG microdata
algorithm: property ownership by nearest ``itemscope``, ``itemref``,
``itemid``, per-element values), producing the node shape
:mod:`.schemaorg` maps to places. It runs one XPath for all properties and
assigns each to its owner by walking up, instead of re-scanning every item's
subtree as generic extractors do.
"""

from __future__ import annotations

from lxml import etree

from .schemaorg import normalise_property, normalise_type
from .values import element_text, has_digit

_XP_ITEMPROP = etree.XPath("//*[@itemprop]")
_SRC_TAGS = frozenset({"audio", "embed", "iframe", "img", "source", "track", "video"})
_HREF_TAGS = frozenset({"a", "area", "link"})
#: Properties whose value is a link even when the anchor has visible text.
_LINK_PROPS = frozenset(
    {"url", "sameAs", "image", "logo", "photo", "hasMap", "mainEntityOfPage", "menu", "map"}
)


def _is_scope(element) -> bool:
    return element.get("itemscope") is not None


def _owner(element):
    for ancestor in element.iterancestors():
        if _is_scope(ancestor):
            return ancestor
    return None


def _text(element) -> str:
    return element_text(element)


def _value(element, names: list[str]) -> str:
    """The property value per element kind (``content``, ``href``, ``datetime``, text)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.rsplit("}", 1)[-1].lower()
    if tag == "meta":
        return element.get("content") or ""
    content = element.get("content")
    if content is not None:
        return content
    if tag in _SRC_TAGS:
        return element.get("src") or ""
    if tag in _HREF_TAGS:
        href = element.get("href")
        if tag == "link" or not href:
            return href or _text(element)
        if any(name in _LINK_PROPS for name in names):
            return href
        if "email" in names and href.lower().startswith("mailto:"):
            return href
        text = _text(element).strip()
        if "telephone" in names and href.lower().startswith("tel:") and not has_digit(text):
            return href  # <a href="tel:+4930..">Call us</a>: the number is in the link
        return text or href
    if tag == "object":
        return element.get("data") or ""
    if tag in ("data", "meter"):
        return element.get("value") or _text(element)
    if tag == "time":
        return element.get("datetime") or _text(element)
    return _text(element)


class _Reader:
    def __init__(self, root):
        self.root = root
        self.by_owner: dict = {}
        self.nodes: dict = {}
        self._ids: dict | None = None
        for element in _XP_ITEMPROP(root):
            self.by_owner.setdefault(_owner(element), []).append(element)

    def _element_by_id(self, element_id: str):
        if self._ids is None:
            self._ids = {el.get("id"): el for el in self.root.iterfind(".//*[@id]")}
        return self._ids.get(element_id)

    def _properties(self, scope) -> list:
        props = list(self.by_owner.get(scope, ()))
        refs = (scope.get("itemref") or "").split()
        for ref in refs:
            target = self._element_by_id(ref)
            if target is None or target is scope:
                continue
            if target.get("itemprop") is not None:
                props.append(target)
            if _is_scope(target):
                continue
            inside = None
            for element in target.iterdescendants():
                if element.get("itemprop") is None:
                    continue
                owner = _owner(element)
                if owner is not None:
                    if inside is None:
                        inside = set(target.iterdescendants())
                    if owner in inside:
                        continue
                props.append(element)
        return props

    def node(self, scope) -> dict:
        if scope in self.nodes:
            return self.nodes[scope]
        types = [normalise_type(t) for t in (scope.get("itemtype") or "").split()]
        node: dict = {"@type": types}
        self.nodes[scope] = node
        item_id = (scope.get("itemid") or "").strip()
        if item_id:
            node["@id"] = item_id
        for element in self._properties(scope):
            names = [normalise_property(n) for n in element.get("itemprop").split()]
            if not names:
                continue
            value = self.node(element) if _is_scope(element) else _value(element, names)
            for name in names:
                node.setdefault(name, []).append(value)
        return node


def microdata_nodes(root, scopes) -> list[dict]:
    """Top-level microdata items of the page (``scopes``: its ``itemscope`` elements)."""
    reader = _Reader(root)
    tops = [scope for scope in scopes if scope.get("itemprop") is None or _owner(scope) is None]
    return [reader.node(scope) for scope in tops]
