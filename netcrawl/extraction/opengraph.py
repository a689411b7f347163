"""OpenGraph place metas: ``place:location:*``, ``og:street-address``, ``business:*``.

Facebook's place and business object types (and the older ``og:`` address
properties) put one place's address, coordinates and contacts in ``<meta>``
tags. They describe the page's single subject, so at most one record comes
from them; ``og:title`` names it. Pages whose metas carry neither an address
nor coordinates (ordinary articles, products) give none.
"""

from __future__ import annotations

from .schemaorg import NodeContext, node_to_place

#: meta property -> (schema.org-like node property, goes into the address?)
_FIELDS = {
    "og:title": ("name", False),
    "place:location:latitude": ("latitude", False),
    "place:location:longitude": ("longitude", False),
    "og:latitude": ("latitude", False),
    "og:longitude": ("longitude", False),
    "og:street-address": ("streetAddress", True),
    "og:locality": ("addressLocality", True),
    "og:region": ("addressRegion", True),
    "og:postal-code": ("postalCode", True),
    "og:country-name": ("addressCountry", True),
    "og:phone_number": ("telephone", False),
    "og:email": ("email", False),
    "business:contact_data:street_address": ("streetAddress", True),
    "business:contact_data:locality": ("addressLocality", True),
    "business:contact_data:region": ("addressRegion", True),
    "business:contact_data:postal_code": ("postalCode", True),
    "business:contact_data:country_name": ("addressCountry", True),
    "business:contact_data:phone_number": ("telephone", False),
    "business:contact_data:email": ("email", False),
    "business:contact_data:website": ("url", False),
}


def opengraph_places(metas, base_url: str | None, problems: list[str]) -> list[dict]:
    """The page's place described by its OpenGraph metas (a list of zero or one)."""
    node: dict = {"@type": []}
    address: dict = {"@type": ["PostalAddress"]}
    for meta in metas:
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        mapped = _FIELDS.get(key)
        content = meta.get("content")
        if mapped is None or content is None or not content.strip():
            continue
        prop, in_address = mapped
        target = address if in_address else node
        target.setdefault(prop, []).append(content)
    has_address = len(address) > 1
    if not has_address and not (node.get("latitude") and node.get("longitude")):
        return []
    if has_address:
        node["address"] = [address]
    place = node_to_place(node, NodeContext("opengraph", base_url, problems))
    return [place] if place else []
