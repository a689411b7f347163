"""Parse probe targets: ``host``, ``host:port``, ``[v6]:port``, bare IPv6 or a URL."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    """Where to probe, and how the HTTP and robots.txt checks should talk to it."""

    text: str
    host: str
    port: int
    scheme: str
    path: str = "/"

    @property
    def is_ip_literal(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = _DEFAULT_PORTS.get(self.scheme)
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.authority}"


def parse_target(text: str, tls: bool = False) -> Target:
    """Read one command-line target; ``tls`` picks https/443 where nothing says otherwise.

    Raises ValueError with a message for the user on anything malformed.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty target")
    if "://" in raw:
        parts = urlsplit(raw)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(f"{text!r}: only http:// and https:// URLs can be probed")
        if not parts.hostname:
            raise ValueError(f"{text!r}: URL without a host")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError(f"{text!r}: invalid port") from None
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        return Target(text, parts.hostname, port, scheme, path)
    host, port_text = _split_host_port(raw, text)
    if port_text is None:
        port = 443 if tls else 80
    else:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{text!r}: invalid port {port_text!r}")
        port = int(port_text)
    scheme = "https" if tls or port == 443 else "http"
    return Target(text, host, port, scheme)


def _split_host_port(raw: str, text: str) -> tuple[str, str | None]:
    if raw.startswith("["):
        host, bracket, rest = raw[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r}: malformed [IPv6]:port")
        return host, rest[1:] if rest else None
    if raw.count(":") > 1:  # a bare IPv6 address
        try:
            ipaddress.IPv6Address(raw)
        except ValueError:
            raise ValueError(f"{text!r}: not a host, host:port or URL") from None
        return raw, None
    host, colon, port = raw.partition(":")
    if not host or "/" in host:
        raise ValueError(f"{text!r}: not a host, host:port or URL")
    return host, port if colon else None
