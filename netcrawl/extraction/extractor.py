"""Run the readers of the syntaxes present on a parsed page and merge their places.

A reader that fails on some unforeseen markup must not cost the page its
other syntaxes (nor crash a crawl): its error is logged on one WARNING line
(the traceback at DEBUG) and reported as the problem ``<syntax>_error``.
"""

from __future__ import annotations

import logging

from netcrawl.items import PLACE_FIELDS

from . import ExtractionResult
from .jsonld import jsonld_nodes
from .merge import assign_refs, merge_places
from .microdata import microdata_nodes
from .microformats import microformat_places
from .opengraph import opengraph_places
from .page import SYNTAX_PROBES, ParsedPage
from .rdfa import rdfa_nodes
from .schemaorg import NodeContext, places_from_nodes

logger = logging.getLogger(__name__)


def _jsonld(page: ParsedPage, problems: list[str]) -> list[dict]:
    ctx = NodeContext("jsonld", page.base_url, problems)
    return places_from_nodes(jsonld_nodes(page.jsonld_scripts, problems), ctx)


def _microdata(page: ParsedPage, problems: list[str]) -> list[dict]:
    ctx = NodeContext("microdata", page.base_url, problems)
    return places_from_nodes(microdata_nodes(page.root, page.itemscopes), ctx)


def _rdfa(page: ParsedPage, problems: list[str]) -> list[dict]:
    ctx = NodeContext("rdfa", page.base_url, problems)
    return places_from_nodes(rdfa_nodes(page.root, page.rdfa_typed), ctx)


def _microformats(page: ParsedPage, problems: list[str]) -> list[dict]:
    return microformat_places(page.microformat_candidates, page.base_url, problems)


def _opengraph(page: ParsedPage, problems: list[str]) -> list[dict]:
    return opengraph_places(page.og_metas, page.base_url, problems)


#: Each syntax's reader; they run in :data:`.page.SYNTAX_PROBES` order.
_READERS = {
    "jsonld": _jsonld,
    "microdata": _microdata,
    "rdfa": _rdfa,
    "microformats": _microformats,
    "opengraph": _opengraph,
}


def extract_from_parsed(page: ParsedPage) -> ExtractionResult:
    """All places of ``page``, one record per place, in syntax then page order."""
    problems: list[str] = []
    places: list[dict] = []
    for syntax, probe in SYNTAX_PROBES:
        if not getattr(page, probe):
            continue
        try:
            places += _READERS[syntax](page, problems)
        except (RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            # One WARNING line per page (the crawl's log stays free of tracebacks);
            # the traceback itself at DEBUG for whoever investigates the markup.
            logger.warning(
                "%s reader failed on %s (%s: %s)", syntax, page.url, type(exc).__name__, exc
            )
            logger.debug("%s reader traceback for %s", syntax, page.url, exc_info=True)
            problems.append(f"{syntax}_error")
    places = merge_places(places)
    assign_refs(places, page.url)
    if page.url:
        for place in places:
            place["source_url"] = page.url
    places = [{key: place[key] for key in PLACE_FIELDS if key in place} for place in places]
    return ExtractionResult(places=places, problems=list(dict.fromkeys(problems)))
