"""Store-locator XML: element or attribute records (``<marker name= lat= lng=/>``,
``<store><latitude>..</latitude></store>``).

The XML is turned into the same dict/list tree a JSON response gives (attributes
and leaf elements become keys, repeated elements lists) so one record walker
serves both. Parsing is safe for hostile input: no entity expansion, no DTD,
no network access.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

INVALID_XML = "invalid_api_xml"
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def safe_parser() -> etree.XMLParser:
    """An lxml parser that resolves no entities, loads no DTD and never fetches."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )


def parse_xml(text: str) -> tuple[etree._Element | None, list[str]]:
    """The document's root element, or None and ``[problem]`` when it does not parse."""
    data = _DECLARATION.sub("", text, count=1).strip().encode("utf-8")
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None, [INVALID_XML]
    if root is None:
        return None, [INVALID_XML]
    return root, []


def local_name(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def element_to_tree(element: etree._Element) -> Any:
    """``<store id="1"><name>A</name><lat>1</lat></store>`` -> ``{"id": "1", "name": "A", ...}``."""
    children = [child for child in element if isinstance(child.tag, str)]
    text = (element.text or "").strip()
    if not children and (text or not element.attrib):
        return text
    node: dict[str, Any] = {local_name(key): value for key, value in element.attrib.items()}
    repeated: set[str] = set()
    for child in children:
        name = local_name(child.tag)
        value = element_to_tree(child)
        if name in node:
            if name not in repeated:
                node[name] = [node[name]]
                repeated.add(name)
            node[name].append(value)
        else:
            node[name] = value
    if text and children:
        node.setdefault("text", text)
    return node
