"""Field names that store-locator APIs use, in several languages, mapped to place fields.

Every locator invents its own keys (``storeNumber``, ``postal_code``, ``PLZ``,
``ville``...). Keys are compared after :func:`normalise_key` (case-folded,
separators removed), so ``postal_code``, ``postalCode`` and ``Postal-Code``
are one entry here.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SEPARATORS = re.compile(r"[\W_]+")


@lru_cache(maxsize=8192)
def normalise_key(key: object) -> str:
    """``"Postal_Code"`` -> ``"postalcode"``; ``"Straße"`` -> ``"strasse"``."""
    return _SEPARATORS.sub("", str(key).casefold())


def _keys(*names: str) -> frozenset[str]:
    return frozenset(normalise_key(name) for name in names)


NAME_KEYS = _keys(
    "name", "title", "store_name", "storename", "store", "label", "display_name",
    "location_name", "branch_name", "business_name", "shop_name", "site_name", "outlet_name",
    "nom", "bezeichnung", "naam", "nombre", "nome", "filialname", "dealer_name", "company",
)
REF_KEYS = _keys(
    "id", "ref", "store_id", "storeid", "store_number", "store_no", "store_num", "location_id",
    "location_number", "store_code", "location_code", "branch_id", "branch_code",
    "branch_number", "shop_id", "place_id", "site_id", "dealer_id", "filialnummer",
    "filiale_id", "uuid", "storeIdentifier",
)
BRAND_KEYS = _keys("brand", "brand_name", "chain", "chain_name", "marque", "marke")
FULL_ADDRESS_KEYS = _keys(
    "formatted_address", "full_address", "display_address", "vicinity", "complete_address",
    "address_full", "single_line_address", "address_string", "formattedAddress",
    "adresse_complete", "volledig_adres", "addr_full", "addr:full",
)
STREET_KEYS = _keys(
    "address", "address1", "address_1", "address_line_1", "addressline", "addr_line",
    "addr_line_1", "addr1", "line1", "street", "street1", "street_address",
    "streetAddress", "strasse", "straße", "rue", "adresse", "adres", "straat",
    "direccion", "dirección", "indirizzo", "anschrift", "addr",
)
STREET_EXTRA_KEYS = _keys(
    "address2", "address_2", "address_line_2", "addr_line_2", "addr2", "line2", "street2",
    "address3", "address_line_3", "line3", "street3",
)
HOUSENUMBER_KEYS = _keys(
    "housenumber", "house_number", "housenr", "hausnummer", "hnr", "huisnummer",
    "street_number", "numero", "número", "civico", "addr:housenumber",
)
STREET_NAME_KEYS = _keys(
    "street_name", "streetname", "strassenname", "nom_rue", "straatnaam", "addr:street"
)
CITY_KEYS = _keys(
    "city", "town", "locality", "ort", "stadt", "ville", "plaats", "woonplaats", "ciudad",
    "citta", "città", "municipality", "suburb", "postal_town", "address_locality",
    "city_name", "localidad", "commune", "gemeinde", "comune", "cityName", "addr:city",
)
POSTCODE_KEYS = _keys(
    "zip", "zipcode", "zip_code", "postal", "postcode", "post_code", "postal_code",
    "postalcode", "plz", "postleitzahl", "cp", "code_postal", "codepostal", "cap",
    "codigo_postal", "código_postal", "pincode", "pin_code", "postalzip", "address_postal_code",
    "addr:postcode",
)
STATE_KEYS = _keys(
    "state", "region", "province", "bundesland", "state_code", "state_province",
    "stateorprovince", "provincia", "departement", "département", "address_region",
    "regio", "province_code", "state_abbr", "state_name", "kanton", "county", "provincie",
    "addr:state", "addr:province",
)
COUNTRY_KEYS = _keys(
    "country", "country_code", "countrycode", "country_name", "land", "pays", "pais",
    "país", "nation", "address_country", "country_iso", "iso_country", "countryIsoCode",
    "addr:country",
)
PHONE_KEYS = _keys(
    "phone", "tel", "telephone", "phone_number", "phonenumber", "telefon", "telefono",
    "teléfono", "téléphone", "telefoon", "display_phone", "primary_phone",
    "contact_phone", "phone1", "main_phone", "store_phone", "phones",
)
EMAIL_KEYS = _keys("email", "mail", "email_address", "e_mail", "courriel", "contact_email")
WEBSITE_KEYS = _keys(
    "url", "website", "web", "homepage", "store_url", "page_url", "permalink",
    "details_url", "detail_url", "site_url", "link", "website_url", "storeUrl",
    "contact:website",
)
HOURS_KEYS = _keys(
    "hours", "opening_hours", "openinghours", "open_hours", "business_hours", "store_hours",
    "öffnungszeiten", "oeffnungszeiten", "horaires", "openingstijden", "horario",
    "hours_of_operation", "operating_hours", "working_hours", "opening_times", "openingTimes",
    "regularHours",
)

#: Nested objects whose keys belong to the record that holds them (address parts, contact).
CONTAINER_KEYS = _keys(
    "address", "location", "addr", "postal_address", "postaladdress", "adresse", "anschrift",
    "contact", "contact_info", "contactinfo", "store_address", "storeaddress", "details",
    "info", "properties", "attributes", "fields", "meta", "acf", "place", "geo", "geometry",
    "coordinates", "position", "geolocation", "geopoint", "geo_point", "geoPoint",
    "geocode", "geocodes", "point", "coords", "latlng", "lat_lng", "latLng", "gps",
    "main", "display", "physical_address", "physicalAddress", "postal",
)

#: Coordinates that are never the place's own: map centres, viewports, bounding boxes.
NOT_PLACE_COORDINATE_KEYS = _keys(
    "center", "centre", "viewport", "bounds", "bbox", "bounding_box", "northeast",
    "southwest", "north_east", "south_west", "ne", "sw", "region", "map", "map_center",
    "user_location", "origin", "search_location", "query_location", "searchCenter",
)

#: Latitude / longitude key patterns (after :func:`normalise_key`).
LAT_KEY = re.compile(
    r"^(?:geo|gps|map|store|display|loc|location|pin|marker|yext|routable|entrance)?"
    r"(?:lat|latitude|latitud|latitudine|breitengrad|breite)(?P<e6>e6)?$"
)
LON_KEY = re.compile(
    r"^(?:geo|gps|map|store|display|loc|location|pin|marker|yext|routable|entrance)?"
    r"(?:lng|lon|long|longitude|longitud|longitudine|laengengrad|längengrad|laenge|länge)"
    r"(?P<e6>e6)?$"
)
#: Keys holding both coordinates as a pair; the order they use.
LATLON_PAIR_KEYS = _keys("latlng", "latlon", "lat_lng", "lat_lon", "latlong", "position", "gps")
LONLAT_PAIR_KEYS = _keys("coordinates", "lnglat", "lonlat", "lng_lat", "lon_lat", "loc")


#: Normalised key -> place field, for the scalar fields (first table wins).
SCALAR_FIELDS: dict[str, str] = {}
for _field, _keys_of_field in (
    ("ref", REF_KEYS), ("name", NAME_KEYS), ("brand", BRAND_KEYS),
    ("addr_full", FULL_ADDRESS_KEYS), ("street_address", STREET_KEYS),
    ("housenumber", HOUSENUMBER_KEYS), ("street", STREET_NAME_KEYS), ("city", CITY_KEYS),
    ("postcode", POSTCODE_KEYS), ("state", STATE_KEYS), ("country", COUNTRY_KEYS),
    ("phone", PHONE_KEYS), ("email", EMAIL_KEYS), ("website", WEBSITE_KEYS),
    ("hours", HOURS_KEYS),
):
    for _key in _keys_of_field:
        SCALAR_FIELDS.setdefault(_key, _field)

#: Keys without which an object cannot be a place record (a cheap pre-check).
_RECORD_HINT_KEYS = (
    FULL_ADDRESS_KEYS | STREET_KEYS | STREET_NAME_KEYS | CITY_KEYS | POSTCODE_KEYS
    | CONTAINER_KEYS | LATLON_PAIR_KEYS | LONLAT_PAIR_KEYS | _keys("x", "addresscomponents")
)


def may_be_record(keys: object) -> bool:
    """Whether an object with these keys could carry a location at all."""
    for key in keys:  # type: ignore[attr-defined]
        normal = normalise_key(key)
        if normal in _RECORD_HINT_KEYS or LAT_KEY.match(normal):
            return True
    return False
