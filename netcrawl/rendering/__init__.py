"""Rendering pages whose places are drawn by JavaScript: Splash or headless Chromium.

Most pages need no browser; rendering costs ten to a hundred times a plain request,
so a page is rendered only when its spider or request asks for it, or, in ``auto``
mode, when its plain HTML yielded no place and looks built by scripts.

- :mod:`netcrawl.rendering.modes` — the ``render`` option's values;
- :mod:`netcrawl.rendering.browser` — headless Chromium through scrapy-playwright,
  started only when the first page is rendered;
- :mod:`netcrawl.rendering.splash` — Splash through scrapy-splash;
- :mod:`netcrawl.rendering.detection` — the signs of a script-built page;
- :mod:`netcrawl.rendering.interception` — JSON the rendered page loaded, read as
  store-locator API responses;
- :mod:`netcrawl.rendering.middleware` — the spider middleware applying all this.

This package's ``__init__`` only names constants: importing it must stay cheap,
since every crawl loads the middleware, and most never render a page.
"""

from __future__ import annotations

from netcrawl.rendering.modes import RenderMode, RenderModeError, parse_render_mode

#: ``request.meta`` key by which one request opts in (or out) of rendering:
#: ``"splash"``, ``"browser"`` or ``"none"``.
RENDER_META_KEY = "netcrawl_render"
#: ``request.meta`` key set on rendered requests, so their responses carry it too:
#: the :class:`RenderMode` value that rendered them (``"browser"`` / ``"splash"``).
RENDERED_META_KEY = "netcrawl_rendered"
#: ``request.meta`` key of a request fetched again rendered by ``auto`` mode: the reason.
AUTO_REASON_META_KEY = "netcrawl_render_auto"
#: Key set in a place's ``extras`` when it was read from a rendered page.
RENDERED_EXTRA = "rendered"

__all__ = [
    "AUTO_REASON_META_KEY",
    "RENDERED_EXTRA",
    "RENDERED_META_KEY",
    "RENDER_META_KEY",
    "RenderMode",
    "RenderModeError",
    "parse_render_mode",
]
