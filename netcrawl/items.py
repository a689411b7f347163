"""The place record every spider yields and every pipeline and exporter handles.

A :class:`Place` is a plain :class:`scrapy.Item`, so pipelines and exporters
work on it through :mod:`itemadapter` like on any other item. Fields that a
page does not provide are left unset (not ``None``): exporters omit them, and
"absent" stays distinguishable from "empty".
"""

from __future__ import annotations

import scrapy

#: The keys of a place record, in export order.
PLACE_FIELDS: tuple[str, ...] = (
    "ref",
    "name",
    "brand",
    "addr_full",
    "street_address",
    "housenumber",
    "street",
    "city",
    "state",
    "postcode",
    "country",
    "lat",
    "lon",
    "phone",
    "email",
    "website",
    "opening_hours",
    "source_url",
    "source_format",
    "spider",
    "geo_source",
    "geo_precision",
    "extras",
)

#: Allowed values of ``source_format``: the markup or channel a place came from.
SOURCE_FORMATS: frozenset[str] = frozenset(
    {"jsonld", "microdata", "rdfa", "microformats", "opengraph", "api", "text"}
)


class Place(scrapy.Item):
    """One real-world place (shop, branch, office, venue) as published by a site.

    - ``ref``: a stable identifier within the spider (branch code, ``@id`` or the
      page URL's slug), used to match the place across runs.
    - ``name``, ``brand``: the place's and its chain's names.
    - ``addr_full``: the whole address on one line; ``street_address`` the street
      line as published; ``housenumber`` and ``street`` its parts where known.
    - ``city``, ``state`` (region, province), ``postcode``.
    - ``country``: ISO 3166-1 alpha-2 where it can be told.
    - ``lat``, ``lon``: WGS84 decimal degrees (floats).
    - ``phone`` (E.164 once normalised), ``email``, ``website``.
    - ``opening_hours``: OpenStreetMap ``opening_hours`` syntax.
    - ``source_url``: the page (or API response) the place was read from;
      ``source_format``: one of :data:`SOURCE_FORMATS`; ``spider``: its name.
    - ``geo_source``: where the coordinates came from (``page`` when the page
      gave them, else the geocoder's name); ``geo_precision``: how precise they
      are (rooftop, interpolated, street, postcode, city, region, country).
    - ``extras``: a dict of everything else worth keeping (raw opening hours,
      further phones, rejected values with reasons).
    """

    ref = scrapy.Field()
    name = scrapy.Field()
    brand = scrapy.Field()
    addr_full = scrapy.Field()
    street_address = scrapy.Field()
    housenumber = scrapy.Field()
    street = scrapy.Field()
    city = scrapy.Field()
    state = scrapy.Field()
    postcode = scrapy.Field()
    country = scrapy.Field()
    lat = scrapy.Field(serializer=float)
    lon = scrapy.Field(serializer=float)
    phone = scrapy.Field()
    email = scrapy.Field()
    website = scrapy.Field()
    opening_hours = scrapy.Field()
    source_url = scrapy.Field()
    source_format = scrapy.Field()
    spider = scrapy.Field()
    geo_source = scrapy.Field()
    geo_precision = scrapy.Field()
    extras = scrapy.Field()

