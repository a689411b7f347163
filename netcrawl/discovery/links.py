"""Which links a places crawl follows, and in which order.

Two jobs, both cheap enough to run on every link of every page:

- **skip assets and binaries** (images, style sheets, scripts, documents,
  archives, media, fonts): Scrapy's ``IGNORED_EXTENSIONS`` extended with the
  formats modern sites link to (webp/avif, woff2, mjs, source maps, ...). JSON,
  XML and KML stay followable: store locators publish their data that way.
- **score location-likeness** of a link from its URL path and anchor text, so a
  crawl with a depth or page budget reaches store-locator and branch pages
  first. The score becomes the Scrapy request priority.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

from scrapy.http import TextResponse
from scrapy.link import Link
from scrapy.linkextractors import IGNORED_EXTENSIONS as SCRAPY_IGNORED_EXTENSIONS
from scrapy.linkextractors import LinkExtractor

#: File extensions (without dot, lower case) never worth downloading for places.
IGNORED_EXTENSIONS: frozenset[str] = frozenset(SCRAPY_IGNORED_EXTENSIONS) | {
    # images
    "avif", "heic", "heif", "jfif", "jxl", "apng", "svgz", "raw", "cr2", "nef",
    # fonts
    "woff", "woff2", "ttf", "otf", "eot",
    # front-end code and maps
    "mjs", "cjs", "map", "less", "scss", "wasm",
    # documents and data the extractors do not read
    "rtf", "epub", "mobi", "csv", "tsv", "ics", "vcf", "kmz", "gpx", "txt",
    # archives and packages
    "gz", "tgz", "bz", "zst", "lz", "lzma", "cab", "deb", "rpm", "pkg", "appx", "msix",
    # audio and video
    "flac", "opus", "m4b", "mkv", "m3u", "m3u8", "mpd", "ogv", "oga", "mpeg", "3g2",
}  # fmt: skip

# Words (in URL paths or anchor texts) that name store locators, branch lists and
# single branches, in the languages of the sites the project crawls most.
_LOCATION_WORDS = (
    # English
    "store", "stores", "storelocator", "store-locator", "store-finder", "storefinder",
    "find-a-store", "find-store", "findastore", "find-us", "locations", "location",
    "locator", "branch", "branches", "branch-locator", "office", "offices", "dealer",
    "dealers", "dealer-locator", "retailer", "retailers", "outlet", "outlets", "shops",
    "shop-finder", "restaurants", "restaurant-locator", "venues", "clinics", "near-me",
    "our-stores", "our-locations", "where-to-buy", "directions", "agencies",
    # German, Dutch
    "standorte", "standort", "filiale", "filialen", "filialfinder", "filialsuche",
    "marktsuche", "maerkte", "märkte", "haendler", "händler", "haendlersuche",
    "niederlassungen", "geschaefte", "winkels", "winkel", "vestigingen", "vestiging",
    # French, Spanish, Portuguese, Italian
    "magasins", "magasin", "nos-magasins", "boutiques", "agences", "agence", "succursales",
    "tiendas", "tienda", "sucursales", "sucursal", "oficinas", "localizador", "lojas", "loja",
    "negozi", "punti-vendita", "filiali", "sedi",
    # Nordic, Polish, Czech
    "butiker", "butikker", "butik", "myymalat", "myymälät", "sklepy", "placowki", "prodejny",
)  # fmt: skip
_LOW_VALUE_WORDS = (
    "blog", "news", "press", "careers", "jobs", "login", "signin", "account", "cart",
    "basket", "checkout", "privacy", "terms", "cookie", "cookies", "cookie-policy", "imprint",
    "impressum", "legal", "search", "wishlist", "tag", "tags", "author", "feed",
)  # fmt: skip


class _WordSet:
    """Words and hyphenated phrases, matched against the word tokens of a text.

    Tokenising once and looking tokens (and 2-3 token phrases) up in sets costs
    a few microseconds per link, where one regular expression alternating a
    hundred words costs ten times more; link scoring runs on every link.
    """

    def __init__(self, words: tuple[str, ...]) -> None:
        self.phrases = frozenset(words)
        multi = [word.split("-") for word in words if "-" in word]
        self.phrase_starts = frozenset(parts[0] for parts in multi)
        self.longest = max((len(parts) for parts in multi), default=1)

    def matches(self, tokens: list[str]) -> bool:
        if not self.phrases.isdisjoint(tokens):
            return True
        if self.phrase_starts.isdisjoint(tokens):
            return False
        for start, token in enumerate(tokens):
            if token in self.phrase_starts:
                for end in range(start + 2, min(start + self.longest, len(tokens)) + 1):
                    if "-".join(tokens[start:end]) in self.phrases:
                        return True
        return False


_TOKEN_RE = re.compile(r"[^\W_]+")
_LOCATION = _WordSet(_LOCATION_WORDS)
_LOW_VALUE = _WordSet(_LOW_VALUE_WORDS)

#: Priority of a link whose path names a location section and goes one level deeper
#: (``/stores/berlin-mitte``): most likely a single branch page.
DETAIL_BONUS = 1


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


def is_asset_url(url: str) -> bool:
    """True for URLs whose path ends in an ignored (asset or binary) file extension."""
    path = urlsplit(url).path
    extension = posixpath.splitext(path)[1][1:].lower()
    return extension in IGNORED_EXTENSIONS


def location_score(url: str, anchor_text: str = "") -> int:
    """How much a link looks like a store locator or branch page (higher: sooner).

    +2 when the URL path names a location word, +1 more when it continues below
    it (a single branch page), +1 when the anchor text names one; -1 for
    sections that never list places (blog, cart, login, legal...).
    """
    parts = urlsplit(url)
    score = 0
    segments = [segment for segment in parts.path.split("/") if segment]
    for position, segment in enumerate(segments):
        if _LOCATION.matches(_tokens(segment)):
            score += 2 + (DETAIL_BONUS if position + 1 < len(segments) else 0)
            break
    else:
        if parts.query and _LOCATION.matches(_tokens(parts.query)):
            score += 1
    if anchor_text and _LOCATION.matches(_tokens(anchor_text)):
        score += 1
    if score == 0 and _LOW_VALUE.matches(_tokens(parts.path)):
        score -= 1
    return score


class AssetSkippingLinkExtractor(LinkExtractor):
    """Scrapy's ``LinkExtractor``, with asset extensions skipped by :func:`is_asset_url`.

    Scrapy's own ``deny_extensions`` tests every link against every extension
    with ``str.endswith`` (millions of calls on a crawl); this is one set lookup.
    """

    def extract_links(self, response: TextResponse) -> list[Link]:
        return [link for link in super().extract_links(response) if not is_asset_url(link.url)]


def build_link_extractor(**overrides: object) -> LinkExtractor:
    """Scrapy's ``LinkExtractor`` configured for places crawls (one per spider).

    Site scope is not decided here (:class:`netcrawl.discovery.sites.SiteScope`
    does it, so off-site links can be counted); ``overrides`` are passed through
    (``restrict_css``, ``deny``...).
    """
    options: dict[str, object] = {
        "deny_extensions": (),
        "unique": True,
        "strip": True,
        "tags": ("a", "area"),
        "attrs": ("href",),
    }
    options.update(overrides)
    return AssetSkippingLinkExtractor(**options)
