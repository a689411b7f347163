"""Turn a plain Scrapy request into one rendered by Splash, from netcrawl's settings.

The rendering spider middleware (``netcrawl.rendering.middleware``) calls
:func:`to_splash_request` for every request of a spider or request that opts in with
``render = "splash"``; a spider of one's own can call it too. The result is a
scrapy-splash ``SplashRequest`` (through :mod:`netcrawl.rendering.splash_compat`):
same callback, errback, cb_kwargs, priority, headers and meta, with ``meta["splash"]``
holding the Splash arguments and ``meta["netcrawl_rendered"] = "splash"``, which the
response carries (``response.meta``) so callbacks know the page was rendered.

Which Splash endpoint:

- ``render.json`` (no Lua script, WebKit, ``NETCRAWL_SPLASH_CAPTURE_JSON`` on, the
  default): Splash loads the page, waits ``NETCRAWL_SPLASH_WAIT`` seconds for scripts to
  draw it, returns the DOM as HTML and the page's HAR with response bodies, whose JSON
  responses (the store list a script fetched) netcrawl reads as API data
  (:mod:`netcrawl.rendering.splash_capture`), as it does with Chromium's interception;
- ``render.html`` (capture off, or ``NETCRAWL_SPLASH_ENGINE = "chromium"``, whose
  Splash 3.5 engine has neither render.json nor request headers nor resource timeouts):
  the DOM as HTML only;
- ``execute`` (``NETCRAWL_SPLASH_LUA_SOURCE`` set): a Lua script drives the page, e.g.
  the shipped ``scroll_and_load_more.lua`` scrolls and clicks "load more" until the
  list stops growing. It receives ``url``, ``headers``, ``wait``, ``viewport`` and
  ``NETCRAWL_SPLASH_SCRIPT_ARGS`` as ``args``, and should return the HTML with
  ``splash:set_result_content_type("text/html; charset=utf-8")``.

Per request, ``meta["netcrawl_splash"]`` (a dict with any of ``wait``, ``viewport``,
``lua_source``, ``engine``, ``timeout``, ``script_args``, ``capture_json``) overrides the
settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.settings import BaseSettings

from netcrawl.rendering import RENDERED_META_KEY, RenderMode
from netcrawl.rendering.splash_compat import SplashRequest, splash_url_setting

#: Value of ``meta["netcrawl_rendered"]`` on requests (and so responses) rendered by Splash.
RENDERED_BY = RenderMode.SPLASH.value
#: Per-request overrides of the Splash settings.
SPLASH_OPTIONS_META_KEY = "netcrawl_splash"
#: Where the shipped Lua scripts live (package data, read through importlib.resources:
#: under Scrapyd the package is a zipped egg, see docs/deploying.md).
SCRIPTS_DIR = resources.files(__package__)
ENGINES = ("webkit", "chromium")
#: Keys ``meta["netcrawl_splash"]`` may set.
OVERRIDE_KEYS = frozenset(
    {"wait", "viewport", "lua_source", "engine", "timeout", "script_args", "capture_json"}
)


def splash_configured(settings: BaseSettings) -> bool:
    """Whether a Splash server is configured (``SPLASH_URL`` not empty)."""
    return bool(splash_url_setting(settings))


@dataclass(frozen=True)
class SplashOptions:
    """The Splash arguments of one request: settings, then ``meta["netcrawl_splash"]``."""

    wait: float = 0.5
    viewport: str = "1280x1024"
    lua_source: str = ""
    engine: str = "webkit"
    timeout: float = 60.0
    resource_timeout: float = 15.0
    script_args: Mapping[str, Any] = field(default_factory=dict)
    slot_policy: str = "per_domain"
    capture_json: bool = True

    @classmethod
    def from_settings(
        cls, settings: BaseSettings, overrides: Mapping[str, Any] | None = None
    ) -> SplashOptions:
        overrides = overrides or {}
        unknown = set(overrides) - OVERRIDE_KEYS
        if unknown:
            raise ValueError(f"meta[{SPLASH_OPTIONS_META_KEY!r}]: unknown keys {sorted(unknown)}")

        def pick(key: str, setting: str, default: Any) -> Any:
            return overrides[key] if key in overrides else settings.get(setting, default)

        engine = str(pick("engine", "NETCRAWL_SPLASH_ENGINE", cls.engine))
        if engine not in ENGINES:
            raise ValueError(f"NETCRAWL_SPLASH_ENGINE must be one of {ENGINES}, not {engine!r}")
        viewport = str(pick("viewport", "NETCRAWL_SPLASH_VIEWPORT", cls.viewport)).strip()
        if viewport != "full" and not _is_size(viewport):
            raise ValueError(
                f'NETCRAWL_SPLASH_VIEWPORT must be "WIDTHxHEIGHT" or "full", not {viewport!r}'
            )
        return cls(
            wait=float(pick("wait", "NETCRAWL_SPLASH_WAIT", cls.wait)),
            viewport=viewport,
            lua_source=load_lua_source(str(pick("lua_source", "NETCRAWL_SPLASH_LUA_SOURCE", ""))),
            engine=engine,
            timeout=float(pick("timeout", "NETCRAWL_SPLASH_TIMEOUT", cls.timeout)),
            resource_timeout=float(
                settings.get("NETCRAWL_SPLASH_RESOURCE_TIMEOUT", cls.resource_timeout)
            ),
            script_args=dict(
                settings.getdict("NETCRAWL_SPLASH_SCRIPT_ARGS"), **overrides.get("script_args", {})
            ),
            slot_policy=str(settings.get("SPLASH_SLOT_POLICY", cls.slot_policy)),
            capture_json=_as_bool(
                pick("capture_json", "NETCRAWL_SPLASH_CAPTURE_JSON", cls.capture_json)
            ),
        )

    @property
    def endpoint(self) -> str:
        if self.lua_source:
            return "execute"
        # The HAR with response bodies (the page's JSON) exists on WebKit only.
        if self.capture_json and self.engine == "webkit":
            return "render.json"
        return "render.html"

    def splash_args(self) -> dict[str, Any]:
        """The JSON arguments Splash receives (besides url/headers, which scrapy-splash adds)."""
        args: dict[str, Any] = {
            "wait": self.wait,
            "viewport": self.viewport,
            "timeout": self.timeout,
        }
        if self.lua_source:
            # Lua runs on WebKit only in Splash 3.5; the script sets the viewport itself.
            args["lua_source"] = self.lua_source
            args["resource_timeout"] = self.resource_timeout
            args.update(self.script_args)
        elif self.engine == "webkit":
            args["resource_timeout"] = self.resource_timeout
            if self.endpoint == "render.json":
                # The DOM as HTML plus every response the page loaded, bodies included
                # (netcrawl.rendering.splash_capture reads the JSON ones as API data).
                args.update(html=1, har=1, response_body=1)
        else:
            # Splash 3.5's Chromium engine rejects resource_timeout (and headers, which
            # SplashMiddleware leaves out for it) with 400 "... is not implemented".
            args["engine"] = self.engine
        return args


def to_splash_request(request: Request, settings: BaseSettings) -> Request:
    """The same request, rendered by Splash (a request already for Splash is returned as is).

    Raises ``ValueError`` for bad Splash settings or overrides (a wrong viewport, a Lua
    file that does not exist) so that a misconfiguration shows at the first request.
    """
    if "splash" in request.meta:
        return request
    options = SplashOptions.from_settings(settings, request.meta.get(SPLASH_OPTIONS_META_KEY))
    meta = dict(request.meta)
    meta[RENDERED_META_KEY] = RENDERED_BY
    # Request.replace keeps callback, errback, cb_kwargs, priority, headers, body, cookies,
    # flags and dont_filter; SplashRequest turns the rest into meta["splash"].
    return request.replace(
        cls=SplashRequest,
        endpoint=options.endpoint,
        args=options.splash_args(),
        slot_policy=options.slot_policy,
        meta=meta,
    )


def load_lua_source(value: str) -> str:
    """Lua source from ``NETCRAWL_SPLASH_LUA_SOURCE``: inline source or a ``.lua`` file.

    A value containing a newline or ``function`` is the script itself; otherwise it is a
    file path, tried as given (relative to the working directory) and then among the
    scripts shipped in this package (``scroll_and_load_more.lua``). "" means no script.
    """
    value = value.strip()
    if not value:
        return ""
    if "\n" in value or "function" in value:
        return value
    return _read_lua_file(value)


@lru_cache(maxsize=16)
def _read_lua_file(name: str) -> str:
    for path in (Path(name).expanduser(), SCRIPTS_DIR / name):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    shipped = sorted(entry.name for entry in SCRIPTS_DIR.iterdir() if entry.name.endswith(".lua"))
    raise ValueError(
        f"NETCRAWL_SPLASH_LUA_SOURCE: no Lua file {name!r} (give Lua source, a path, "
        f"or a shipped script: {', '.join(shipped)})"
    )


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _is_size(value: str) -> bool:
    width, _, height = value.partition("x")
    return width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0
