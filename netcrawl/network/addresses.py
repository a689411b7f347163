"""Decide whether a bind address is loopback-only.

Servers started by netcrawl commands listen on loopback unless the user
explicitly allows otherwise, because a dataset folder or an echo service
exposed on a LAN or the internet is rarely intended.
"""

from __future__ import annotations

import ipaddress
import socket


def is_loopback_bind(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback address.

    ``0.0.0.0``/``::`` (all interfaces) and names resolving to any
    non-loopback address are not loopback; unresolvable names are treated as
    not loopback, so the caller asks for the explicit flag.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(info[4][0].split("%", 1)[0]).is_loopback for info in infos
    )


def format_host_port(host: str, port: int) -> str:
    """``host:port`` with IPv6 literals in brackets, as URLs and logs expect."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
