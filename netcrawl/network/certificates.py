"""Read what a TLS certificate says and whether it names the host we asked for.

The ``ssl`` module only decodes certificates it has verified, and a probe
must also describe self-signed or expired ones, so the DER bytes are parsed
with ``cryptography`` and host names are matched here (RFC 6125 rules: exact
match, or a wildcard covering exactly the left-most label; IP addresses only
against IP SANs).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    dns_names: list[str]
    ip_addresses: list[str]
    not_before: datetime
    not_after: datetime
    self_signed: bool

    @property
    def sans(self) -> list[str]:
        return [*self.dns_names, *self.ip_addresses]

    def days_left(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        return (self.not_after - now).days

    def matches(self, host: str) -> bool:
        return hostname_matches(host, self.dns_names, self.ip_addresses,
                                None if self.sans else _common_name(self.subject))


def read_certificate(der: bytes) -> CertificateInfo:
    certificate = x509.load_der_x509_certificate(der)
    dns_names: list[str] = []
    ip_addresses: list[str] = []
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        pass
    else:
        dns_names = extension.value.get_values_for_type(x509.DNSName)
        ip_addresses = [str(ip) for ip in extension.value.get_values_for_type(x509.IPAddress)]
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        dns_names=dns_names,
        ip_addresses=ip_addresses,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        self_signed=certificate.subject == certificate.issuer,
    )


def _common_name(rfc4514_subject: str) -> str | None:
    name = x509.Name.from_rfc4514_string(rfc4514_subject)
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attributes[0].value) if attributes else None


def hostname_matches(host: str, dns_names: list[str], ip_addresses: list[str],
                     common_name: str | None = None) -> bool:
    """Whether ``host`` is covered by the certificate names.

    ``common_name`` is only consulted when the certificate has no SANs at
    all (legacy certificates; browsers no longer accept this).
    """
    host = host.strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return any(ipaddress.ip_address(ip) == address for ip in ip_addresses)
    names = dns_names or ([common_name] if common_name else [])
    return any(_dns_name_matches(host, name.rstrip(".").lower()) for name in names)


def _dns_name_matches(host: str, pattern: str) -> bool:
    if "*" not in pattern:
        return host == pattern
    wildcard, _, rest = pattern.partition(".")
    if wildcard != "*" or "*" in rest or rest.count(".") < 1:
        return False  # only a whole left-most label, and never for a bare TLD
    label, _, host_rest = host.partition(".")
    return bool(label) and host_rest == rest
