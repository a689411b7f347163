"""Turn schema.org nodes into place records; shared by JSON-LD, microdata and RDFa.

The three syntaxes describe the same vocabulary, so each reader produces
*nodes* in one common shape and this module decides which nodes are places
and maps their properties to place fields:

- a node is a ``dict`` with ``"@type"`` (list of local type names, e.g.
  ``["Restaurant"]``), optionally ``"@id"``, and one key per property (its
  local name, e.g. ``"streetAddress"``) holding a *list* of values, each a
  ``str``/number or a nested node.

Which nodes are places: any Place, LocalBusiness or Organization subtype
(from the schema.org hierarchy in :mod:`.schematypes`, except areas such as
City or Country) that carries an address or coordinates; an Event's venue
(its ``location``); and nodes of unknown or missing type that carry both a
name and an address. A Person and everything below it is never read: a
person's address is personal data, not a place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netcrawl.normalisation.country import to_alpha2

from .schematypes import any_is_a, canonical_type, is_known
from .values import (
    absolute_url,
    clean_email,
    clean_phone,
    clean_text,
    parse_coordinate,
    split_coordinate_pair,
    valid_coordinates,
)

#: Properties whose values are never walked for places: areas served,
#: branding, and the address/geo values the place itself consumes.
_NOT_WALKED = frozenset(
    {
        "address",
        "geo",
        "brand",
        "parentOrganization",
        "memberOf",
        "areaServed",
        "serviceArea",
        "eligibleRegion",
        "ineligibleRegion",
        "homeLocation",
        "birthPlace",
        "deathPlace",
        "nationality",
        "addressCountry",
        "breadcrumb",
        # The place around this one (a mall, a district) is context, not the page's subject.
        "containedInPlace",
        "containedIn",
        # Who wrote or published a page: a news site's publisher is not what the page lists.
        "publisher",
        "author",
        "creator",
        "copyrightHolder",
        "sponsor",
        "funder",
        "openingHoursSpecification",
        "contactPoint",
        "aggregateRating",
        "review",
        "image",
        "logo",
    }
)

_ADDRESS_PROPS = ("streetAddress", "addressLocality", "addressRegion", "postalCode")
_HOURS_SPEC_KEYS = ("dayOfWeek", "opens", "closes", "validFrom", "validThrough")
#: Data-vocabulary.org (Google's pre-schema.org vocabulary) and vCard names.
PROPERTY_ALIASES = {
    "street-address": "streetAddress",
    "locality": "addressLocality",
    "region": "addressRegion",
    "postal-code": "postalCode",
    "country-name": "addressCountry",
    "tel": "telephone",
}
TYPE_ALIASES = {"Address": "PostalAddress", "Geo": "GeoCoordinates", "Adr": "PostalAddress"}


@dataclass
class NodeContext:
    """Where the nodes came from: needed to absolutize links and label records."""

    source_format: str
    base_url: str | None
    problems: list[str] = field(default_factory=list)


def local_name(name: str) -> str:
    """``http://schema.org/Restaurant`` / ``schema:Restaurant`` -> ``Restaurant``."""
    name = name.strip()
    for sep in ("#", "/"):
        if sep in name:
            name = name.rsplit(sep, 1)[1]
    if ":" in name:
        name = name.rsplit(":", 1)[1]
    return name


def normalise_type(name: str) -> str:
    """Local, canonically spelled schema.org type name."""
    local = local_name(name)
    local = TYPE_ALIASES.get(local, local)
    return canonical_type(local)


def normalise_property(name: str) -> str:
    """Local schema.org property name, mapping old vocabularies' names."""
    local = local_name(name)
    return PROPERTY_ALIASES.get(local, local)


def values(node: dict, prop: str) -> list:
    """All values of ``prop`` (always a list)."""
    found = node.get(prop)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def first_text(node: dict, prop: str) -> str | None:
    """The first non-empty string value of ``prop`` (a node's ``name`` if nested)."""
    for value in values(node, prop):
        text = first_text(value, "name") if isinstance(value, dict) else clean_text(value)
        if text:
            return text
    return None


def types_of(node: dict) -> list[str]:
    return node.get("@type") or []


def _is_person(types: list[str]) -> bool:
    return any_is_a(types, "Person")


def _is_area(types: list[str]) -> bool:
    return any_is_a(types, "AdministrativeArea")


def _is_placeish_type(types: list[str]) -> bool:
    return any(
        (any_is_a([t], "Place") or any_is_a([t], "Organization"))
        and not any_is_a([t], "AdministrativeArea")
        for t in types
    )


def _all_types_known(types: list[str]) -> bool:
    return bool(types) and all(is_known(t) for t in types)


def _is_address_node(node) -> bool:
    if not isinstance(node, dict):
        return False
    types = types_of(node)
    if any_is_a(types, "PostalAddress"):
        return True
    return not types and any(node.get(prop) for prop in (*_ADDRESS_PROPS, "addressCountry"))


def _address_of(node: dict) -> dict | str | None:
    """The place's postal address node (first postal one of a list), or a one-line text."""
    text_address = None
    for value in values(node, "address"):
        if isinstance(value, dict):
            if _is_address_node(value) or not types_of(value):
                return value
        elif text_address is None:
            text_address = clean_text(value)
    if any(node.get(prop) for prop in _ADDRESS_PROPS):
        # Address properties written on the place itself, typically microdata whose
        # ``itemprop="address"`` lacks its ``itemscope``: the parts beat the text.
        return node
    if text_address:
        return text_address
    for value in values(node, "location"):
        if _is_address_node(value):
            return value
    return None


def _has_address_data(address) -> bool:
    """An address that locates something: a country alone does not make a place."""
    if isinstance(address, str):
        return True
    if isinstance(address, dict):
        return any(first_text(address, prop) for prop in _ADDRESS_PROPS)
    return False


def _coordinates(node: dict, ctx: NodeContext) -> tuple[float, float] | None:
    """Coordinates from ``geo`` (node, ``"lat,lon"`` text, list) or the node itself."""
    candidates: list[tuple[object, object]] = []
    for geo in values(node, "geo"):
        if isinstance(geo, dict):
            if geo.get("latitude") or geo.get("longitude"):
                candidates.append((_first(geo, "latitude"), _first(geo, "longitude")))
        elif isinstance(geo, str):
            pair = split_coordinate_pair(geo)
            if pair:
                candidates.append(pair)
            else:
                candidates.append((geo, None))
    if node.get("latitude") or node.get("longitude"):
        candidates.append((_first(node, "latitude"), _first(node, "longitude")))
    for raw_lat, raw_lon in candidates:
        lat, lon = parse_coordinate(raw_lat), parse_coordinate(raw_lon)
        if valid_coordinates(lat, lon):
            return lat, lon
    if candidates:
        ctx.problems.append("invalid_coordinates")
    return None


def _first(node: dict, prop: str):
    for value in values(node, prop):
        if isinstance(value, dict):
            value = _first(value, "@value") if "@value" in value else None
        if value is not None and value != "":
            return value
    return None


def _has_coordinates(node: dict) -> bool:
    if node.get("latitude") or node.get("longitude"):
        return True
    return any(
        (isinstance(geo, dict) and (geo.get("latitude") or geo.get("longitude")))
        or isinstance(geo, str)
        for geo in values(node, "geo")
    )


def _raw(value):
    """A value as published: nested nodes back to plain dicts, single lists unwrapped."""
    if isinstance(value, list):
        items = [_raw(item) for item in value]
        return items[0] if len(items) == 1 else items
    if isinstance(value, dict):
        return {key: _raw(item) for key, item in value.items() if key != "@type" or item}
    return value


def _country(address: dict, extras: dict) -> str | None:
    for value in values(address, "addressCountry"):
        if isinstance(value, dict):
            candidates = [first_text(value, key) for key in ("identifier", "name", "alternateName")]
        else:
            candidates = [clean_text(value)]
        for candidate in candidates:
            code = to_alpha2(candidate) if candidate else None
            if code:
                return code
        raw = next((c for c in candidates if c), None)
        if raw:
            extras.setdefault("addressCountry", raw)
    return None


def _street(address: dict) -> str | None:
    lines = []
    for value in values(address, "streetAddress"):
        text = clean_text(value) if not isinstance(value, dict) else None
        if text and text not in lines:
            lines.append(text)
    return ", ".join(lines) or None


def _brand(node: dict) -> str | None:
    brand = first_text(node, "brand")
    if brand:
        return brand
    return first_text(node, "parentOrganization")


def _phones(node: dict) -> list[str]:
    phones: list[str] = []
    for value in values(node, "telephone"):
        if isinstance(value, dict):  # a ContactPoint written as the telephone value
            value = first_text(value, "telephone")
        phone = clean_phone(value)
        if phone and phone not in phones:
            phones.append(phone)
    if not phones:
        for contact in values(node, "contactPoint"):
            if isinstance(contact, dict):
                for value in values(contact, "telephone"):
                    phone = clean_phone(value) if not isinstance(value, dict) else None
                    if phone and phone not in phones:
                        phones.append(phone)
    return phones


def _hours(node: dict, extras: dict) -> None:
    hours = [
        text
        for text in (clean_text(v) for v in values(node, "openingHours") if not isinstance(v, dict))
        if text
    ]
    if hours:
        extras["openingHours"] = hours[0] if len(hours) == 1 else hours
    specs = []
    for spec in values(node, "openingHoursSpecification"):
        if isinstance(spec, dict):
            raw = {
                key: _raw(spec[key]) for key in _HOURS_SPEC_KEYS if spec.get(key) not in (None, [])
            }
            if raw:
                specs.append(raw)
    if specs:
        extras["openingHoursSpecification"] = specs


def node_to_place(node: dict, ctx: NodeContext, name_from: dict | None = None) -> dict | None:
    """Map one place-like node to a place dict (keys of ``PLACE_FIELDS``)."""
    place: dict = {}
    extras: dict = {}
    name = first_text(name_from or node, "name") or first_text(node, "legalName")
    if name:
        place["name"] = name
    ref = first_text(node, "branchCode")
    node_id = node.get("@id")
    if not ref and isinstance(node_id, str) and node_id.strip() and not node_id.startswith("_:"):
        ref = absolute_url(node_id, ctx.base_url)
    if ref:
        place["ref"] = ref
    brand = _brand(node)
    if brand:
        place["brand"] = brand
    address = _address_of(node)
    if isinstance(address, str):
        place["addr_full"] = address
    elif isinstance(address, dict):
        street = _street(address)
        if street:
            place["street_address"] = street
        for prop, key in (
            ("addressLocality", "city"),
            ("addressRegion", "state"),
            ("postalCode", "postcode"),
        ):
            text = first_text(address, prop)
            if text:
                place[key] = text
        country = _country(address, extras)
        if country:
            place["country"] = country
        if "addr_full" not in place:
            for value in values(address, "name") if address is not node else ():
                text = clean_text(value) if not isinstance(value, dict) else None
                if text and not name_from and text != name and not place.get("street_address"):
                    place["addr_full"] = text
                break
    coordinates = _coordinates(node, ctx)
    if coordinates:
        place["lat"], place["lon"] = coordinates
    phones = _phones(node)
    if phones:
        place["phone"] = phones[0]
        if len(phones) > 1:
            extras["phones"] = phones
    email = next(
        (
            e
            for e in (clean_email(v) for v in values(node, "email") if not isinstance(v, dict))
            if e
        ),
        None,
    )
    if email:
        place["email"] = email
    website = next(
        (
            u
            for u in (
                absolute_url(v, ctx.base_url)
                for v in values(node, "url")
                if not isinstance(v, dict)
            )
            if u
        ),
        None,
    )
    if website:
        place["website"] = website
    _hours(node, extras)
    types = types_of(node)
    if types:
        extras["@type"] = types[0] if len(types) == 1 else list(types)
    place["source_format"] = ctx.source_format
    if extras:
        place["extras"] = extras
    return place


def _venue_from_address(address: dict, ctx: NodeContext) -> dict | None:
    """An Event whose ``location`` is a bare PostalAddress: the venue is that address."""
    venue = {"@type": [], "address": [address]}
    for prop in ("name", "url", "telephone", "geo", "latitude", "longitude", "@id"):
        if address.get(prop) is not None:
            venue[prop] = address[prop]
    return node_to_place(venue, ctx)


def _qualifies(node: dict) -> bool:
    """Is this node a place record? (type and place-like properties)"""
    types = types_of(node)
    has_address = _has_address_data(_address_of(node))
    if _is_placeish_type(types):
        return has_address or _has_coordinates(node)
    if _all_types_known(types) or _is_area(types):
        return False
    # Unknown or missing type: only with both a name and an address.
    return bool(first_text(node, "name")) and has_address


def places_from_nodes(nodes: list[dict], ctx: NodeContext) -> list[dict]:
    """All place records found in ``nodes`` and their nested nodes, in page order."""
    places: list[dict] = []
    seen: set[int] = set()

    def walk(node: dict, depth: int) -> None:
        if depth > 12 or id(node) in seen:
            return
        seen.add(id(node))
        types = types_of(node)
        if _is_person(types):
            return
        if _qualifies(node):
            place = node_to_place(node, ctx)
            if place:
                places.append(place)
        is_event = any_is_a(types, "Event")
        is_breadcrumb = any_is_a(types, "BreadcrumbList")
        for prop, prop_values in node.items():
            if prop.startswith("@") or prop in _NOT_WALKED:
                continue
            if is_breadcrumb and prop == "itemListElement":
                continue  # a trail of pages; a directory's ItemList of branches is walked
            for value in prop_values if isinstance(prop_values, list) else [prop_values]:
                if not isinstance(value, dict):
                    continue
                if is_event and prop == "location" and _is_address_node(value):
                    if _has_address_data(value) and id(value) not in seen:
                        seen.add(id(value))
                        venue = _venue_from_address(value, ctx)
                        if venue:
                            places.append(venue)
                    continue
                walk(value, depth + 1)

    for node in nodes:
        if isinstance(node, dict):
            walk(node, 0)
    return places
