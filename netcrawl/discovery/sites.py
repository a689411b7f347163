"""Start targets of a crawl and the rule that keeps it on their sites.

A crawl starts from URLs given on the command line (``-a start_urls=...``), from
a file of URLs (``-a urls_file=...``), or from a local directory (a saved site)
that the spider serves over loopback HTTP so robots.txt and sitemaps behave as on
a live site. Everything here is plain data and parsing, so it can say "this
argument is wrong and why" before any crawler starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

from w3lib.url import safe_url_string

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A bare host such as "example.com" or "shop.example.co.uk:8080", optionally with a path.
_BARE_HOST = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+(?::\d+)?(?:[/?#].*)?$", re.I
)


class StartUrlError(ValueError):
    """A start URL, URL file or directory argument cannot be used; the message says why."""


@dataclass(frozen=True)
class StartTarget:
    """One place to start crawling: a web URL, or a local directory to serve.

    For a directory, ``path`` is the page to start from relative to the
    directory's root (``""`` for the root itself, served as ``index.html``).
    """

    url: str | None = None
    directory: Path | None = None
    path: str = ""

    def resolve(self, served_base_url: str | None = None) -> str:
        """The HTTP URL to request, given the base URL a directory is served at."""
        if self.url is not None:
            return self.url
        if served_base_url is None:
            raise ValueError(f"directory {self.directory} has not been served yet")
        return served_base_url + self.path


def split_start_urls(value: str | Iterable[str]) -> list[str]:
    """Split a comma-separated ``start_urls`` argument (or take a list) into entries."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def read_urls_file(path: str | Path) -> list[str]:
    """Read one URL (or directory) per line; blank lines and ``#`` comments are ignored."""
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise StartUrlError(f"urls_file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StartUrlError(f"urls_file {str(path)!r} cannot be read: {exc}") from None
    entries = []
    for line in text.splitlines():
        entry = line.split(" #", 1)[0].strip() if " #" in line else line.strip()
        if entry and not entry.startswith("#"):
            entries.append(entry)
    if not entries:
        raise StartUrlError(f"urls_file {str(path)!r} lists no URL")
    return entries


def parse_start_target(raw: str, cwd: Path | None = None) -> StartTarget:
    """Interpret one start entry: an http(s) URL, a ``file://`` URL, a directory or a bare host.

    Directories are resolved against ``cwd`` (the current directory by default).
    A ``file://`` URL or path naming a file serves the file's directory and
    starts at the file.
    """
    entry = raw.strip()
    base = cwd or Path.cwd()
    if not entry:
        raise StartUrlError("empty start URL")
    scheme = urlsplit(entry).scheme.lower() if "://" in entry else ""
    if scheme == "file":
        return _local_target(Path(url2pathname(urlsplit(entry).path)), entry)
    if scheme in _DEFAULT_PORTS:
        return StartTarget(url=_checked_web_url(entry))
    if scheme:
        raise StartUrlError(f"{entry!r}: unsupported scheme {scheme!r} (use http, https or file)")
    local = Path(entry).expanduser()
    if not local.is_absolute():
        local = base / local
    if local.exists():
        return _local_target(local, entry)
    if _BARE_HOST.match(entry) and not entry.startswith((".", "/", "~")):
        return StartTarget(url=_checked_web_url(f"https://{entry}"))
    raise StartUrlError(f"{entry!r} is neither an http(s) URL nor an existing directory")


def parse_start_targets(entries: Iterable[str], cwd: Path | None = None) -> list[StartTarget]:
    """Parse every entry, keeping the order and dropping exact duplicates."""
    targets: list[StartTarget] = []
    for entry in entries:
        target = parse_start_target(entry, cwd)
        if target not in targets:
            targets.append(target)
    if not targets:
        raise StartUrlError("no start URL given")
    return targets


def _local_target(path: Path, entry: str) -> StartTarget:
    path = path.resolve()
    if path.is_dir():
        return StartTarget(directory=path)
    if path.is_file():
        return StartTarget(directory=path.parent, path=path.name)
    raise StartUrlError(f"{entry!r}: no such directory {str(path)!r}")


def _checked_web_url(url: str) -> str:
    """Validate host and port, and return the URL percent-encoded with a path."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise StartUrlError(f"{url!r}: invalid port")
    host = parts.hostname or ""
    if not host or any(char in host for char in " <>\"'{}|\\^`") or ".." in host:
        raise StartUrlError(f"{url!r}: missing or invalid host name")
    safe = safe_url_string(url)
    if not urlsplit(safe).path:
        safe = urlunsplit(urlsplit(safe)._replace(path="/"))
    return safe


def _site_key(host: str) -> str:
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def _effective_port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)


@dataclass(frozen=True)
class _Site:
    domain: str  # host without a leading "www."
    port: int | None  # required port when the start URL named a non-default one


class SiteScope:
    """Which URLs belong to the sites a crawl started from.

    A URL is on site when its host is a start host, its ``www.``-less form, or a
    subdomain of it (store locators often live on ``stores.brand.com``), and its
    port matches: a start URL with an explicit non-default port (a loopback
    server) admits only that port; otherwise only the default http/https ports.
    """

    def __init__(self, urls: Iterable[str]) -> None:
        sites: set[_Site] = set()
        for url in urls:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            if not host:
                continue
            port = parts.port
            explicit = (
                port if port is not None and port != _DEFAULT_PORTS.get(parts.scheme) else None
            )
            sites.add(_Site(_site_key(host), explicit))
        self._sites = frozenset(sites)
        domains = sorted({site.domain for site in sites})
        self.allowed_domains: list[str] = domains
        self._host_pattern = (
            re.compile(r"^(?:[^/]*\.)?(?:" + "|".join(re.escape(d) for d in domains) + r")$")
            if domains
            else None
        )

    def contains(self, url: str) -> bool:
        """True when ``url`` is on one of the start sites (see the class docstring)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        if self._host_pattern is None or not self._host_pattern.match(host):
            return False
        effective = _effective_port(parts.scheme, port)
        for site in self._sites:
            if host != site.domain and not host.endswith("." + site.domain):
                continue
            if site.port is not None:
                if effective == site.port:
                    return True
            elif effective in (80, 443):
                return True
        return False


def site_root(url: str) -> str:
    """``scheme://host[:port]/`` of a URL, where its robots.txt and sitemap.xml live."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
