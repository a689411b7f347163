"""RDFa (1.1 and RDFa Lite as used with schema.org): ``typeof``/``property`` into nodes.

pyRdfa builds a full RDF graph and is far too slow to run on every crawled
page. Places are published with the RDFa Lite subset (``vocab``, ``prefix``,
``typeof``, ``property``, ``resource``), so this reader resolves exactly
that on the existing lxml tree: property and type names via ``vocab``,
``prefix`` (and legacy ``xmlns:`` declarations, plus the RDFa initial
context's ``schema:`` prefix) or full IRIs, keeping only schema.org (and
its predecessor data-vocabulary.org) terms.
"""

from __future__ import annotations

import re

from lxml import etree

from .schemaorg import normalise_property, normalise_type
from .values import element_text, has_digit

_XP_PROPERTY = etree.XPath("//*[@property]")
_SCHEMA_IRI = re.compile(r"^https?://(?:www\.)?(?:schema\.org|data-vocabulary\.org)/?#?", re.I)
_INITIAL_PREFIXES = {"schema": "http://schema.org/"}
_SRC_TAGS = frozenset({"audio", "embed", "iframe", "img", "source", "track", "video"})
_LINK_PROPS = frozenset(
    {"url", "sameAs", "image", "logo", "photo", "hasMap", "mainEntityOfPage", "menu", "map"}
)


def _local_tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


class _Reader:
    def __init__(self, root):
        self.root = root
        self.scopes: dict = {}
        self.nodes: dict = {}
        self.by_owner: dict = {}
        for element in _XP_PROPERTY(root):
            owner = self._owner(element)
            if owner is not None:
                self.by_owner.setdefault(owner, []).append(element)

    @staticmethod
    def _owner(element):
        for ancestor in element.iterancestors():
            if ancestor.get("typeof") is not None:
                return ancestor
        return None

    def _scope(self, element) -> tuple[str | None, dict]:
        """(vocab, prefixes) in effect at ``element``, memoised up the tree."""
        if element is None:
            return None, _INITIAL_PREFIXES
        cached = self.scopes.get(element)
        if cached is not None:
            return cached
        vocab, prefixes = self._scope(element.getparent())
        own_vocab = element.get("vocab")
        if own_vocab is not None:
            vocab = own_vocab.strip() or None
        declared = {}
        prefix_attr = element.get("prefix")
        if prefix_attr:
            tokens = prefix_attr.split()
            for name, iri in zip(tokens[::2], tokens[1::2], strict=False):
                if name.endswith(":"):
                    declared[name[:-1].lower()] = iri
        for attr, iri in element.attrib.items():
            if isinstance(attr, str) and attr.startswith("xmlns:"):
                declared[attr[6:].lower()] = iri
        if declared:
            prefixes = {**prefixes, **declared}
        result = (vocab, prefixes)
        self.scopes[element] = result
        return result

    def _terms(self, element, attr: str, resolve) -> list[str]:
        """schema.org local names of the terms in ``attr`` (others dropped)."""
        vocab, prefixes = self._scope(element)
        names = []
        for token in (element.get(attr) or "").split():
            if _SCHEMA_IRI.match(token):
                iri = token
            elif ":" in token:
                prefix, _, rest = token.partition(":")
                base = prefixes.get(prefix.lower())
                if base is None:
                    continue
                iri = base + rest
            elif vocab:
                iri = vocab + token
            else:
                continue
            match = _SCHEMA_IRI.match(iri)
            if match and iri[match.end() :]:
                names.append(resolve(iri[match.end() :]))
        return names

    def _value(self, element, names: list[str]) -> str:
        tag = _local_tag(element)
        content = element.get("content")
        if content is not None:
            return content
        if tag == "meta":
            return ""
        if element.get("datetime") is not None:
            return element.get("datetime")
        link = element.get("href") or element.get("resource")
        if tag in _SRC_TAGS:
            link = element.get("src") or link
        if link:
            if tag in _SRC_TAGS or tag == "link" or any(n in _LINK_PROPS for n in names):
                return link
            if "email" in names and link.lower().startswith("mailto:"):
                return link
        text = element_text(element)
        is_tel_link = bool(link) and link.lower().startswith("tel:")
        if is_tel_link and "telephone" in names and not has_digit(text):
            return link  # <a href="tel:+4930..">Call us</a>: the number is in the link
        return text if text.strip() else (link or "")

    def node(self, element) -> dict:
        if element in self.nodes:
            return self.nodes[element]
        node: dict = {"@type": self._terms(element, "typeof", normalise_type)}
        self.nodes[element] = node
        node_id = element.get("resource") or element.get("about")
        if node_id and node_id.strip():
            node["@id"] = node_id.strip()
        for prop_element in self.by_owner.get(element, ()):
            names = self._terms(prop_element, "property", normalise_property)
            if not names:
                continue
            if prop_element.get("typeof") is not None:
                value = self.node(prop_element)
            else:
                value = self._value(prop_element, names)
            for name in names:
                node.setdefault(name, []).append(value)
        return node


def rdfa_nodes(root, typed) -> list[dict]:
    """Top-level typed RDFa resources of the page (``typed``: ``@typeof|@vocab`` elements)."""
    reader = _Reader(root)
    tops = [
        element
        for element in typed
        if element.get("typeof") is not None
        and (element.get("property") is None or reader._owner(element) is None)
    ]
    return [reader.node(element) for element in tops]
