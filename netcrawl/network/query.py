"""Add ``-p KEY=VALUE`` query parameters to a URL, correctly percent-encoded."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit


def parse_parameter(text: str) -> tuple[str, str]:
    """``"bbox=1,2,3,4"`` -> ``("bbox", "1,2,3,4")``; the key must not be empty."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def add_query_parameters(url: str, parameters: list[tuple[str, str]]) -> str:
    """``url`` with ``parameters`` set in its query string.

    A key given on the command line replaces the same key already in the URL
    (like :func:`w3lib.url.add_or_replace_parameters`), but a key given
    several times on the command line is kept several times (``-p tag=a -p
    tag=b``), which a dict-based helper cannot express. Existing parameters
    keep their order; values are encoded with ``%20`` for spaces.
    """
    if not parameters:
        return url
    parts = urlsplit(url)
    new_keys = {key for key, _ in parameters}
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key not in new_keys]
    query = urlencode([*kept, *parameters], quote_via=quote, safe="")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
