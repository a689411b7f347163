"""What kind of page this is: an article, a contact/store page, or neither.

Text extraction must stay silent on news articles (they mention addresses in
passing) and trust a contact or store page more (its address *is* the
place, even when the template puts it in the footer). Both are judged from
signals the page states about itself: ``og:type``, ``article:*`` meta tags,
JSON-LD article types, the URL path, the title and the main heading.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from lxml import etree

_ARTICLE_META = etree.XPath(
    "//meta[(@property='og:type' or @name='og:type') and "
    "(contains(@content, 'article') or contains(@content, 'blog'))] | "
    "//meta[starts-with(@property, 'article:published') or "
    "starts-with(@name, 'article:published') or @name='pubdate' or @name='publish-date' or "
    "@itemprop='datePublished']"
)
_JSONLD_ARTICLE = re.compile(
    r'"@type"\s*:\s*\[?\s*"(?:News|Blog|Scholarly|Tech|Report|Opinion|Analysis)?'
    r'(?:Article|Posting|BlogPosting|LiveBlogPosting)"'
)
_JSONLD = etree.XPath("//script[@type='application/ld+json']/text()")
_ARTICLES = etree.XPath("//article")
_PARAGRAPHS = etree.XPath(".//p")
_H1 = etree.XPath("//h1")
_TITLE = etree.XPath("//title/text()")
_SITE_NAME = etree.XPath("//meta[@property='og:site_name' or @name='og:site_name']/@content")

_BOUNDARY_BEFORE = r"(?:^|[\s/_\-.|])"
_BOUNDARY_AFTER = r"(?:$|[\s/_\-.|:!?])"
#: Words that make a page a contact page: the site's own address is its subject.
CONTACT_WORDS = re.compile(
    _BOUNDARY_BEFORE
    + r"(?:contact(?:[\s_-]?us)?|contacts|kontakt|kontaktieren|contacto|contatti|contactez"
    r"|impressum|imprint|find[\s_-]?us|visit[\s_-]?us|how[\s_-]?to[\s_-]?find[\s_-]?us"
    r"|anfahrt|nous[\s_-]?trouver|plan[\s_-]?d[\s_-]?acc[eè]s|directions|get[\s_-]?in[\s_-]?touch"
    r"|contactgegevens|bereikbaarheid|route)"
    + _BOUNDARY_AFTER,
    re.I,
)
#: Words that make a page a store / location page (one place's page, or a store finder).
PLACE_PAGE_WORDS = re.compile(
    _BOUNDARY_BEFORE
    + r"(?:our[\s_-]?(?:store|shop|office|location)s?|locations?|stores?|shops?|branch(?:es)?"
    r"|filialen?|standorte?|magasins?|boutiques?|agences?|acc[eè]s|vestigingen|vestiging"
    r"|winkels?|openingstijden|opening[\s_-]?hours|store[\s_-]?locator|venue)"
    + _BOUNDARY_AFTER,
    re.I,
)
_GENERIC_TEXT = (
    """contact contacts us our find visit get in touch kontakt kontaktieren sie uns contactez
    nous contacto contatti impressum imprint store stores shop shops location locations branch
    branches filiale filialen standort standorte anfahrt magasin magasins boutique boutiques
    agence agences trouver accès acces plan d'accès vestiging vestigingen winkel winkels
    openingstijden directions opening hours how to the and & - with address adresse map where
    we are welcome page information info neem op contactgegevens de la le les und et en y e
    a of office offices venue locator details route bereikbaarheid"""
)
_GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013—·:•]\s+|\s+-\s+|\s+::\s+")


def is_article(root: etree._Element) -> bool:
    """Whether the page says it is an article (news, blog post)."""
    if _ARTICLE_META(root):
        return True
    if any(_JSONLD_ARTICLE.search(text) for text in _JSONLD(root)):
        return True
    for article in _ARTICLES(root):
        paragraphs = _PARAGRAPHS(article)
        words = sum(len(" ".join(p.itertext()).split()) for p in paragraphs)
        if len(paragraphs) >= 4 and words >= 200:
            return True
    return False


def _text(element: etree._Element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def heading(root: etree._Element) -> str | None:
    """The page's main heading: its first non-empty ``<h1>``."""
    for element in _H1(root):
        text = _text(element)
        if text:
            return text
    return None


def title_parts(root: etree._Element) -> list[str]:
    """``"Contact | Acme Bakery"`` -> ``["Contact", "Acme Bakery"]``."""
    titles = _TITLE(root)
    if not titles:
        return []
    return [part.strip() for part in _TITLE_SEPARATORS.split(" ".join(titles[0].split()))
            if part.strip()]


def is_generic(text: str) -> bool:
    """A heading that names the page's purpose, not the place (``Contact us``)."""
    words = re.findall(r"[\w'&\u2013-]+", text.casefold())
    return all(word in _GENERIC_WORDS for word in words)


def _self_descriptions(root: etree._Element, url: str | None) -> list[str]:
    path = unquote(urlsplit(url).path) if url else ""
    return [text for text in (path, *title_parts(root)[:1], heading(root) or "") if text]


def contact_and_place_page(root: etree._Element, url: str | None) -> tuple[bool, bool]:
    """Whether URL path, title or heading say this is the site's contact page, and
    whether they say it is a contact, store or location page (title and heading are
    looked up once: this runs on every page without markup)."""
    texts = [f" {text} " for text in _self_descriptions(root, url)]
    contact = any(CONTACT_WORDS.search(text) for text in texts)
    return contact, contact or any(PLACE_PAGE_WORDS.search(text) for text in texts)


def place_name(root: etree._Element) -> str | None:
    """The place's name: the heading, else the title without its ``| Brand`` suffix;
    a generic heading (``Contact us``) gives way to the brand / site name."""
    parts = title_parts(root)
    site = next((" ".join(s.split()) for s in _SITE_NAME(root) if s.strip()), None)
    main = heading(root)
    if main and not is_generic(main) and len(main) <= 120:
        return main
    if parts and not is_generic(parts[0]) and len(parts[0]) <= 120:
        return parts[0]
    if site:
        return site
    if len(parts) > 1 and not is_generic(parts[-1]):
        return parts[-1]
    return None
