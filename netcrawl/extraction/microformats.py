"""Microformats: h-card/h-adr/h-geo (mf2) and classic hCard/adr/geo (mf1) places.

mf2py parses every microformat on a page with a generic algorithm and is
slow on large pages; only cards, addresses and coordinates matter here, so
this lean reader handles exactly those roots on the existing lxml tree:
property classes (``p-``/``u-``/``dt-``/``e-`` and the classic class names),
the value-class pattern, ``abbr``/``data``/``time``/link values, nested
``p-adr``/``p-geo``/``geo:`` URIs and the implied name.

An h-card is a place only when it has an address or coordinates and does
not describe a person (structured personal names, birthday, or an ``org``
different from its name): a person's address is never emitted. A
standalone h-adr or h-geo (not part of a card) is a place fragment that
merging attaches to the page's place when there is one.
"""

from __future__ import annotations

from .schemaorg import NodeContext, node_to_place
from .values import absolute_url, clean_text

_V2_ROOTS = frozenset({"h-card", "h-adr", "h-geo"})
_V1_ROOTS = {"vcard": "h-card", "adr": "h-adr", "geo": "h-geo"}
#: Classic adr properties, of a vcard's address as of a standalone adr.
_V1_ADR_PROPERTIES = {
    "street-address": "p-street-address",
    "extended-address": "p-extended-address",
    "locality": "p-locality",
    "region": "p-region",
    "postal-code": "p-postal-code",
    "country-name": "p-country-name",
}
_V1_PROPERTIES = {
    "h-card": {
        "fn": "p-name",
        "org": "p-org",
        "adr": "p-adr",
        "geo": "p-geo",
        "tel": "p-tel",
        "email": "u-email",
        "url": "u-url",
        "given-name": "p-given-name",
        "family-name": "p-family-name",
        "additional-name": "p-additional-name",
        "honorific-prefix": "p-honorific-prefix",
        "honorific-suffix": "p-honorific-suffix",
        "nickname": "p-nickname",
        "bday": "dt-bday",
        "label": "p-label",
        **_V1_ADR_PROPERTIES,
        "latitude": "p-latitude",
        "longitude": "p-longitude",
        "category": "p-category",
    },
    "h-adr": {
        **_V1_ADR_PROPERTIES,
        "geo": "p-geo",
        "latitude": "p-latitude",
        "longitude": "p-longitude",
    },
    "h-geo": {"latitude": "p-latitude", "longitude": "p-longitude"},
}
_PERSONAL = (
    "given-name",
    "family-name",
    "additional-name",
    "honorific-prefix",
    "honorific-suffix",
    "nickname",
    "bday",
    "sex",
    "gender-identity",
)
_ADDRESS_MAP = (
    ("street-address", "streetAddress"),
    ("locality", "addressLocality"),
    ("region", "addressRegion"),
    ("postal-code", "postalCode"),
    ("country-name", "addressCountry"),
)


def _classes(element) -> list[str]:
    return (element.get("class") or "").split()


def _tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _root_kind(element) -> tuple[str, bool] | None:
    """(mf2 root type, is_v2) for a root element, else None."""
    classes = _classes(element)
    v2 = [c for c in classes if c in _V2_ROOTS]
    if v2:
        return v2[0], True
    if any(c.startswith("h-") for c in classes):
        return None
    for cls in classes:
        if cls in _V1_ROOTS:
            return _V1_ROOTS[cls], False
    return None


def _is_any_root(element) -> bool:
    classes = _classes(element)
    return any(c.startswith("h-") for c in classes) or any(c in _V1_ROOTS for c in classes)


def _text(element) -> str:
    parts = []
    for node in element.iter():
        if _tag(node) in ("script", "style"):
            continue
        if _tag(node) == "img" and node.get("alt"):
            parts.append(node.get("alt"))
        if node.text and _tag(node) not in ("script", "style"):
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return "".join(parts)


def _value_class(element) -> str | None:
    """The value-class pattern: ``value-title`` titles or joined ``value`` parts."""
    parts = []
    for child in element.iterdescendants():
        classes = _classes(child)
        if "value-title" in classes:
            return child.get("title") or ""
        if "value" in classes:
            tag = _tag(child)
            if tag in ("img", "area"):
                parts.append(child.get("alt") or "")
            elif tag == "data":
                parts.append(child.get("value") or _text(child))
            elif tag == "abbr":
                parts.append(child.get("title") or _text(child))
            else:
                parts.append(_text(child))
    return "".join(parts) if parts else None


def _plain_value(element, prefix: str, base_url: str | None) -> str:
    tag = _tag(element)
    if prefix == "u":
        for tags, attr in (
            (("a", "area", "link"), "href"),
            (("img", "audio", "video", "source", "iframe"), "src"),
            (("object",), "data"),
        ):
            if tag in tags and element.get(attr):
                return absolute_url(element.get(attr), base_url) or ""
    found = _value_class(element)
    if found is not None:
        return found
    if prefix == "dt" and tag in ("time", "ins", "del") and element.get("datetime"):
        return element.get("datetime")
    if tag == "abbr" and element.get("title"):
        return element.get("title")
    if tag == "data" and element.get("value"):
        return element.get("value")
    if tag in ("img", "area") and element.get("alt"):
        return element.get("alt")
    return _text(element)


class _Item:
    """One parsed microformat: its mf2 type and properties (name -> values)."""

    def __init__(self, kind: str, element, value: str | None = None):
        self.kind = kind
        self.element = element
        self.properties: dict[str, list] = {}
        self.value = value
        self.children: list[_Item] = []


def _props_of(element, kind: str, v2: bool) -> list[tuple[str, str]]:
    """(prefix, name) property pairs an element's classes declare."""
    found = []
    for cls in _classes(element):
        if v2:
            prefix, _, name = cls.partition("-")
            if prefix in ("p", "u", "dt", "e") and name:
                found.append((prefix, name))
        else:
            mapped = _V1_PROPERTIES.get(kind, {}).get(cls)
            if mapped:
                prefix, _, name = mapped.partition("-")
                found.append((prefix, name))
    return found


def parse_item(element, base_url: str | None) -> _Item | None:
    """Parse a root element into an :class:`_Item` (nested roots parsed recursively)."""
    kind_v2 = _root_kind(element)
    if kind_v2 is None:
        return None
    kind, v2 = kind_v2
    item = _Item(kind, element)
    has_p_or_nested = False
    stack = list(reversed(list(element)))
    while stack:
        child = stack.pop()
        if not isinstance(child.tag, str):
            continue
        props = _props_of(child, kind, v2)
        if _is_any_root(child):
            nested = parse_item(child, base_url)
            has_p_or_nested = True
            if nested is None:
                continue
            if props:
                for prefix, name in props:
                    nested.value = clean_text(_plain_value(child, prefix, base_url))
                    item.properties.setdefault(name, []).append(nested)
            else:
                item.children.append(nested)
            continue
        for prefix, name in props:
            if prefix in ("p", "e"):
                has_p_or_nested = True
            item.properties.setdefault(name, []).append(
                clean_text(_plain_value(child, prefix, base_url))
            )
        stack.extend(reversed(list(child)))
    if kind == "h-geo" and not v2 and not item.properties:
        item.value = clean_text(_plain_value(element, "p", base_url))
    if v2 and "name" not in item.properties and not has_p_or_nested:
        implied = clean_text(_plain_value(element, "p", base_url))
        if implied:
            item.properties["name"] = [implied]
    return item


def _first(item: _Item, name: str) -> str | None:
    for value in item.properties.get(name, ()):
        text = value.value if isinstance(value, _Item) else value
        if isinstance(value, _Item) and not text:
            text = _first(value, "name")
        if text:
            return text
    return None


def _is_person(card: _Item) -> bool:
    if any(card.properties.get(name) for name in _PERSONAL):
        return True
    if "n" in _classes(card.element):
        return True
    org, name = _first(card, "org"), _first(card, "name")
    return bool(org and name and org.casefold() != name.casefold())


def _geo_values(item: _Item) -> list:
    """schema.org-style ``geo`` values from ``p-geo``/``u-geo`` and lat/lon properties."""
    geos: list = []
    for value in item.properties.get("geo", ()):
        if isinstance(value, _Item):
            lat, lon = _first(value, "latitude"), _first(value, "longitude")
            if lat or lon:
                geos.append({"@type": ["GeoCoordinates"], "latitude": [lat], "longitude": [lon]})
            elif value.value:
                geos.append(value.value)
        elif value:
            geos.append(_geo_uri_pair(value) if value.lower().startswith("geo:") else value)
    lat, lon = _first(item, "latitude"), _first(item, "longitude")
    if lat or lon:
        geos.append({"@type": ["GeoCoordinates"], "latitude": [lat], "longitude": [lon]})
    if item.kind == "h-geo" and item.value:
        geos.append(item.value)
    if item.kind == "h-geo" and not geos and _first(item, "name"):
        geos.append(_first(item, "name"))  # <span class="h-geo">51.5;-0.1</span>
    return geos


def _geo_uri_pair(uri: str) -> str:
    """``geo:51.5,-0.1;u=40`` (RFC 5870; some pages write ``;`` between the two) -> pair."""
    parts = uri[4:].split(";")
    if "," in parts[0]:
        return parts[0]
    return ";".join(parts[:2])


def _address_node(item: _Item) -> dict:
    node: dict = {"@type": ["PostalAddress"]}
    for mf_name, schema_name in _ADDRESS_MAP:
        text = _first(item, mf_name)
        if text:
            node[schema_name] = [text]
    return node


def _to_node(item: _Item) -> dict:
    """Map a card/address/geo item to a schema.org-like node for :func:`node_to_place`."""
    node: dict = {"@type": []}
    name = _first(item, "name")
    if item.kind == "h-geo":
        node["geo"] = _geo_values(item)
        if name and name not in node["geo"]:
            node["name"] = [name]
        return node
    if name:
        node["name"] = [name]
    addresses = [_address_node(item)]
    for value in item.properties.get("adr", ()):
        if isinstance(value, _Item):
            addresses.append(_address_node(value))
            node.setdefault("geo", []).extend(_geo_values(value))
        elif value:
            addresses.append(value)
    structured = [a for a in addresses if isinstance(a, str) or len(a) > 1]
    if not structured:
        for child in item.children:
            if child.kind == "h-adr":
                child_address = _address_node(child)
                if len(child_address) > 1:
                    structured.append(child_address)
                    node.setdefault("geo", []).extend(_geo_values(child))
                    item.children.remove(child)  # consumed as this card's address
                    break
    if structured:
        node["address"] = structured[:1]
    elif _first(item, "label"):
        node["address"] = [_first(item, "label")]
    node["geo"] = _geo_values(item) + node.get("geo", [])
    for mf_name, schema_name in (("tel", "telephone"), ("email", "email"), ("url", "url")):
        found = [v for v in item.properties.get(mf_name, ()) if isinstance(v, str) and v]
        if found:
            node[schema_name] = found
    return node


def _has_place_data(node: dict) -> bool:
    return bool(node.get("address") or node.get("geo"))


def _nearest_root_ancestor(element):
    """The enclosing card/adr/geo root (an h-entry or h-feed around a card does not count)."""
    for ancestor in element.iterancestors():
        if _root_kind(ancestor) is not None:
            return ancestor
    return None


def microformat_places(candidates, base_url: str | None, problems: list[str]) -> list[dict]:
    """Places from the page's card/adr/geo roots (``candidates``: elements whose class
    attribute mentions one of them; filtered here by exact class token)."""
    ctx = NodeContext("microformats", base_url, problems)
    places: list[dict] = []
    for element in candidates:
        if _root_kind(element) is None:
            continue
        if _nearest_root_ancestor(element) is not None:
            continue  # parsed as part of its enclosing microformat
        item = parse_item(element, base_url)
        if item is not None:
            _collect(item, ctx, places)
    return places


def _collect(item: _Item, ctx: NodeContext, places: list[dict]) -> None:
    if item.kind == "h-card" and _is_person(item):
        return  # a person's card: neither it nor anything inside is a place
    if item.kind in ("h-card", "h-adr", "h-geo"):
        node = _to_node(item)
        if _has_place_data(node):
            place = node_to_place(node, ctx)
            if place and (set(place) - {"source_format", "name", "website", "extras"}):
                places.append(place)
    for child in item.children:
        _collect(child, ctx, places)
