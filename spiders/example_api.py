"""Example locator spider: the sample site's API-driven store finder.

The finder page has no store in its markup; its script and data attributes
name ``stores.json`` (paginated: ``links.next``) and ``stockists.kml``.
``scrapy crawl example_api -O stores.jsonl``
"""

from __future__ import annotations

from typing import ClassVar

from netcrawl import DATA_DIR
from spiders.locator import LocatorSpider


class ExampleApiSpider(LocatorSpider):
    name = "example_api"
    start_urls: ClassVar[list[str]] = [str(DATA_DIR / "sample-site" / "api" / "index.html")]
    api_records_path = "data.stores[*]"
    field_map: ClassVar[dict[str, str]] = {"name": "storeName", "ref": "storeId"}
    item_attributes: ClassVar[dict[str, str]] = {"brand": "Copperleaf"}
