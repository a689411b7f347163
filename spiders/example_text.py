"""Example locator spider: a store page of the sample site that has only plain text.

``scrapy crawl example_text -O stores.jsonl``
"""

from __future__ import annotations

from typing import ClassVar

from netcrawl import DATA_DIR
from spiders.locator import LocatorSpider


class ExampleTextSpider(LocatorSpider):
    name = "example_text"
    start_urls: ClassVar[list[str]] = [
        str(DATA_DIR / "sample-site" / "stores" / "text-only-edinburgh.html")
    ]
    item_attributes: ClassVar[dict[str, str]] = {"brand": "Copperleaf"}
