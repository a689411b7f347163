"""The JSON a page rendered by Splash loaded, taken from Splash's HAR: Splash's interception.

A store finder drawn by script usually fetches its list as JSON and builds a DOM
that carries less than the JSON (no coordinates, no ids) or nothing netcrawl can read
as places (plain ``<article>`` blocks). With Chromium, netcrawl reads those responses
as the page loads them (:mod:`netcrawl.rendering.interception`). Splash has no such
hook outside Lua, but its ``render.json`` endpoint returns, next to the rendered HTML,
the page's HAR with each response body (``html=1, har=1, response_body=1``, WebKit
only). :func:`captured_json_responses` picks the JSON responses out of it, with the
same limits as the browser's interception, into the same
:class:`~netcrawl.rendering.interception.Intercepted` record, so the rendering
middleware reads them the same way (store-locator API extractor, places marked
``source_format = "api"``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from netcrawl.rendering.interception import Intercepted, is_json_response

#: Defaults of the limits (the browser's settings, shared: one page, one budget).
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_RESPONSES = 20
#: Skip reason of a JSON response Splash revalidated from its cache (304, no body).
NOT_MODIFIED = "not_modified"


def captured_json_responses(
    har: Any,
    page_url: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_responses: int = DEFAULT_MAX_RESPONSES,
) -> Intercepted:
    """The successful JSON responses of a Splash HAR, except the page itself.

    Entries whose body Splash did not keep (``response_body`` off, a body Splash could
    not read) are counted as ``unreadable``; bodies over ``max_bytes`` as ``too_large``;
    responses past ``max_responses`` as ``too_many`` -- the reasons the browser uses --
    and 304 answers from Splash's cache (no body) as ``not_modified``. A 304 carries no
    content type: only a JSON-looking URL (``.json``) shows it was one.
    """
    captured = Intercepted()
    entries = har.get("log", {}).get("entries", []) if isinstance(har, Mapping) else []
    for entry in entries:
        request = entry.get("request") or {}
        response = entry.get("response") or {}
        url = str(request.get("url", ""))
        content = response.get("content") or {}
        content_type = str(content.get("mimeType", ""))
        status = response.get("status")
        if url == page_url or not isinstance(status, int):
            continue
        if not is_json_response(content_type, url):
            continue
        if status == 304:
            # Revalidated from Splash's browser cache: the HAR has no body (Splash
            # started without --disable-browser-caches, see docs/splash.md).
            captured.skip(NOT_MODIFIED)
            continue
        if not 200 <= status < 300:
            continue
        if len(captured.responses) >= max_responses:
            captured.skip("too_many")
            continue
        body = _body(content)
        if body is None:
            captured.skip("unreadable")
        elif len(body) > max_bytes:
            captured.skip("too_large")
        else:
            captured.responses.append({"url": url, "content_type": content_type, "body": body})
    return captured


def _body(content: Mapping[str, Any]) -> bytes | None:
    text = content.get("text")
    if not isinstance(text, str):
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return None
    return text.encode("utf-8")
