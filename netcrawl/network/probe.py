"""Socket-level reachability checks: DNS, TCP per address, TLS, HTTP and robots.txt.

Everything runs concurrently (one thread per target and per address) and
every step has a timeout, so a probe of many targets takes about as long as
the slowest one. Failures are data, not exceptions: each step records a
short reason ("refused", "timeout", "DNS failure: ...") that the ``probe``
command prints; nothing here raises for an unreachable target.
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin

from protego import Protego

from netcrawl.network.certificates import read_certificate
from netcrawl.network.targets import Target


@dataclass(frozen=True)
class ProbeOptions:
    timeout: float = 5.0
    tls: bool = False
    http: bool = False
    robots: bool = False
    user_agent: str = "netcrawl"
    #: Extra CA bundle to trust (a self-signed test server, a corporate CA).
    cafile: str | None = None
    #: HTTP and robots checks over https skip certificate verification.
    insecure: bool = False


@dataclass
class ConnectResult:
    address: str
    family: str
    status: str  # "open", "refused", "timeout", "unreachable", "error"
    connect_ms: float | None = None
    error: str | None = None


@dataclass
class TlsResult:
    ok: bool
    address: str | None = None
    protocol: str | None = None
    cipher: str | None = None
    cipher_bits: int | None = None
    subject: str | None = None
    issuer: str | None = None
    sans: list[str] = field(default_factory=list)
    not_before: str | None = None
    not_after: str | None = None
    days_left: int | None = None
    hostname_match: bool | None = None
    trusted: bool | None = None
    verify_error: str | None = None
    handshake_ms: float | None = None
    error: str | None = None


@dataclass
class HttpResult:
    ok: bool
    url: str | None = None
    status: int | None = None
    reason: str | None = None
    server: str | None = None
    location: str | None = None
    content_type: str | None = None
    ttfb_ms: float | None = None
    error: str | None = None


@dataclass
class RobotsResult:
    ok: bool
    url: str | None = None
    status: int | None = None
    user_agent: str | None = None
    allowed: bool | None = None
    crawl_delay: float | None = None
    note: str | None = None
    error: str | None = None


@dataclass
class TargetReport:
    target: str
    host: str
    port: int
    scheme: str
    ok: bool = False
    error: str | None = None
    dns_ms: float | None = None
    dns_error: str | None = None
    addresses: list[str] = field(default_factory=list)
    connections: list[ConnectResult] = field(default_factory=list)
    tls: TlsResult | None = None
    http: HttpResult | None = None
    robots: RobotsResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict whose keys are always present (None where not applicable)."""
        return asdict(self)


# -- DNS and TCP ---------------------------------------------------------------------


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def resolve(host: str, port: int, timeout: float) -> list[tuple[int, str]]:
    """Every (family, address) ``getaddrinfo`` returns for TCP, in its order, deduplicated.

    getaddrinfo has no timeout of its own, so it runs in a daemon thread that
    is abandoned (not awaited) when ``timeout`` passes.
    """
    outcome: dict[str, Any] = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            outcome["error"] = error

    thread = threading.Thread(target=lookup, name=f"dns:{host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    seen: dict[tuple[int, str], None] = {}
    for family, _type, _proto, _name, sockaddr in outcome["infos"]:
        seen.setdefault((family, sockaddr[0]), None)
    return list(seen)


def describe_socket_error(error: BaseException) -> tuple[str, str]:
    """(status, reason) for a failed connect: refused, timeout, unreachable or error."""
    if isinstance(error, ConnectionRefusedError):
        return "refused", "connection refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout", "timeout"
    if isinstance(error, OSError) and error.errno in {errno.ENETUNREACH, errno.EHOSTUNREACH,
                                                      errno.EADDRNOTAVAIL}:
        return "unreachable", error.strerror or "unreachable"
    if isinstance(error, ssl.SSLError):
        return "error", f"TLS error: {error.reason or error}"
    return "error", str(error) or type(error).__name__


def _open_socket(family: int, address: str, port: int, timeout: float) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


def connect(family: int, address: str, port: int, timeout: float) -> ConnectResult:
    family_name = "IPv6" if family == socket.AF_INET6 else "IPv4"
    started = time.perf_counter()
    try:
        sock = _open_socket(family, address, port, timeout)
    except OSError as error:
        status, reason = describe_socket_error(error)
        return ConnectResult(address, family_name, status, _elapsed_ms(started), reason)
    elapsed = _elapsed_ms(started)
    sock.close()
    return ConnectResult(address, family_name, "open", elapsed)


# -- TLS -------------------------------------------------------------------------------


def _tls_context(verify: bool, cafile: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile)
    # Host names are matched by us (certificates.hostname_matches) so that a
    # mismatch is reported alongside trust, not instead of it.
    context.check_hostname = False
    if not verify:
        context.verify_mode = ssl.CERT_NONE
    return context


def check_tls(target: Target, family: int, address: str, options: ProbeOptions) -> TlsResult:
    server_hostname = None if target.is_ip_literal else target.host
    verify_error = None
    trusted = True
    for verify in (True, False):
        started = time.perf_counter()
        try:
            raw = _open_socket(family, address, target.port, options.timeout)
        except OSError as error:
            return TlsResult(ok=False, address=address, error=describe_socket_error(error)[1])
        try:
            with _tls_context(verify, options.cafile).wrap_socket(
                raw, server_hostname=server_hostname
            ) as tls:
                handshake_ms = _elapsed_ms(started)
                der = tls.getpeercert(binary_form=True)
                protocol = tls.version()
                cipher = tls.cipher()
            break
        except ssl.SSLCertVerificationError as error:
            raw.close()
            trusted = False
            verify_error = error.verify_message or str(error)
            continue
        except (OSError, ssl.SSLError) as error:
            raw.close()
            return TlsResult(ok=False, address=address, error=describe_socket_error(error)[1])
    if not der:
        return TlsResult(ok=False, address=address, error="server sent no certificate")
    info = read_certificate(der)
    return TlsResult(
        ok=True,
        address=address,
        protocol=protocol,
        cipher=cipher[0] if cipher else None,
        cipher_bits=cipher[2] if cipher else None,
        subject=info.subject,
        issuer=info.issuer,
        sans=info.sans,
        not_before=info.not_before.isoformat(),
        not_after=info.not_after.isoformat(),
        days_left=info.days_left(),
        hostname_match=info.matches(target.host),
        trusted=trusted,
        verify_error=verify_error,
        handshake_ms=handshake_ms,
    )


# -- HTTP and robots.txt ---------------------------------------------------------------


def check_http(target: Target, family: int, address: str, options: ProbeOptions) -> HttpResult:
    """One GET of the target path on the given address; redirects reported, not followed."""
    url = target.base_url + target.path
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        context = _tls_context(not options.insecure, options.cafile)
        context.check_hostname = not options.insecure and not target.is_ip_literal
        connection = http.client.HTTPSConnection(target.host, target.port,
                                                 timeout=options.timeout, context=context)
    else:
        connection = http.client.HTTPConnection(target.host, target.port,
                                                timeout=options.timeout)
    try:
        sock = _open_socket(family, address, target.port, options.timeout)
        if target.scheme == "https":
            sock = context.wrap_socket(
                sock, server_hostname=None if target.is_ip_literal else target.host)
        connection.sock = sock
        started = time.perf_counter()
        connection.request("GET", target.path, headers={
            "User-Agent": options.user_agent, "Accept": "*/*", "Connection": "close"})
        response = connection.getresponse()
        ttfb = _elapsed_ms(started)
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        reason = (describe_socket_error(error)[1] if isinstance(error, OSError)
                  else f"bad HTTP response: {error!r}")
        return HttpResult(ok=False, url=url, error=reason)
    location = response.getheader("Location")
    result = HttpResult(
        ok=True,
        url=url,
        status=response.status,
        reason=response.reason,
        server=response.getheader("Server"),
        location=urljoin(url, location) if location else None,
        content_type=response.getheader("Content-Type"),
        ttfb_ms=ttfb,
    )
    connection.close()
    return result


def check_robots(target: Target, options: ProbeOptions) -> RobotsResult:
    """Whether robots.txt lets ``options.user_agent`` fetch ``/`` (RFC 9309 semantics).

    4xx means no rules (allowed); 5xx or no answer means the site is
    treated as fully disallowed, as RFC 9309 asks crawlers to do.
    """
    url = target.base_url + "/robots.txt"
    handlers: list[urllib.request.BaseHandler] = []
    if target.scheme == "https":
        context = _tls_context(not options.insecure, options.cafile)
        context.check_hostname = not options.insecure and not target.is_ip_literal
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": options.user_agent})
    base = dict(url=url, user_agent=options.user_agent)
    try:
        with opener.open(request, timeout=options.timeout) as response:
            status = response.status
            body = response.read(512 * 1024)
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500:
            return RobotsResult(ok=True, status=error.code, allowed=True,
                                note="no robots.txt rules (4xx)", **base)
        return RobotsResult(ok=True, status=error.code, allowed=False,
                            note="robots.txt unavailable (5xx): assume disallowed", **base)
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, OSError):
            reason = describe_socket_error(reason)[1]
        return RobotsResult(ok=False, error=str(reason), **base)
    rules = Protego.parse(body.decode("utf-8", errors="replace"))
    return RobotsResult(
        ok=True,
        status=status,
        allowed=rules.can_fetch(target.base_url + "/", options.user_agent),
        crawl_delay=rules.crawl_delay(options.user_agent),
        **base,
    )


# -- one target, many targets ------------------------------------------------------------


def probe_target(target: Target, options: ProbeOptions) -> TargetReport:
    report = TargetReport(target.text, target.host, target.port, target.scheme)
    started = time.perf_counter()
    try:
        addresses = resolve(target.host, target.port, options.timeout)
    except (OSError, TimeoutError) as error:
        report.dns_ms = _elapsed_ms(started)
        message = error.strerror if isinstance(error, socket.gaierror) else str(error)
        report.dns_error = report.error = f"DNS failure: {message}"
        return report
    report.dns_ms = _elapsed_ms(started)
    report.addresses = [address for _, address in addresses]
    with ThreadPoolExecutor(max_workers=min(8, len(addresses)) or 1) as pool:
        report.connections = list(pool.map(
            lambda pair: connect(pair[0], pair[1], target.port, options.timeout), addresses))
    open_pair = next(((family, address) for (family, address), result
                      in zip(addresses, report.connections, strict=True)
                      if result.status == "open"), None)
    if open_pair is None:
        reasons = sorted({result.error or result.status for result in report.connections})
        report.error = "; ".join(reasons)
        return report
    family, address = open_pair
    if options.tls:
        report.tls = check_tls(target, family, address, options)
    if options.http:
        report.http = check_http(target, family, address, options)
    if options.robots:
        report.robots = check_robots(target, options)
    failed = [name for name, check in (("tls", report.tls), ("http", report.http),
                                       ("robots", report.robots))
              if check is not None and not check.ok]
    if failed:
        report.error = "; ".join(f"{name}: {getattr(report, name).error}" for name in failed)
    report.ok = not failed
    return report


def _probe_guarded(target: Target, options: ProbeOptions) -> TargetReport:
    """:func:`probe_target`, but an unexpected error becomes the target's reason.

    One odd server (a malformed certificate, a protocol violation the
    standard library did not anticipate) must not hide the other targets'
    results behind a traceback.
    """
    try:
        return probe_target(target, options)
    except Exception as error:
        report = TargetReport(target.text, target.host, target.port, target.scheme)
        report.error = f"probe error: {type(error).__name__}: {error}"
        return report


def probe_all(targets: list[Target], options: ProbeOptions) -> list[TargetReport]:
    """Probe every target concurrently; reports come back in the order given."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(32, len(targets))) as pool:
        return list(pool.map(lambda target: _probe_guarded(target, options), targets))
