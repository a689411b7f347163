"""Accept a page as a Scrapy response, a parsel selector or raw HTML, parsed once.

Text and embedded-data extraction run after markup extraction on the same
response: reusing its lxml tree costs nothing, and the tree is only read,
never changed, because the other extractors share it.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_to_unicode


def load_html(page: Any, url: str | None = None) -> tuple[etree._Element, str | None]:
    """The page's lxml root element and its URL (``page.url`` wins over ``url``)."""
    page_url = getattr(page, "url", None) or url
    if isinstance(page, Selector):
        return page.root, page_url
    selector = getattr(page, "selector", None)
    if isinstance(selector, Selector):
        return selector.root, page_url
    if isinstance(page, bytes):
        _, page = html_to_unicode(None, page)
    if not isinstance(page, str):
        raise TypeError(f"cannot read a page from {type(page).__name__}")
    return Selector(text=page or "<html></html>", type="html").root, page_url
