"""Telephone numbers to E.164 through ``phonenumbers``.

Pages publish numbers in national form ("030 1234567"), with prefixes ("Tel.:",
"tel:"), several in one string ("+44 20 7946 0958 / 0959") or in a list. A
dataset needs one comparable form: E.164 ("+49301234567"). A national number
only means something together with a country, so the place's country is the
parsing region; a number that cannot be resolved is kept verbatim with the
reason, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

#: Reasons a raw phone string was not turned into E.164.
REASON_INVALID = "invalid_number"
REASON_NO_COUNTRY = "no_country_and_no_international_prefix"

_SEPARATORS = re.compile(r"\s*(?:[;|/,]|\bor\b|\boder\b|\bou\b|\bof\b|\bo\b)\s*", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:tel(?:ephone|efon|éfono|efoon)?|phone|fon|ph|t)\.?\s*:?\s*", re.I)


@dataclass
class PhoneResult:
    """Outcome of normalising every raw phone of one place."""

    valid: list[str] = field(default_factory=list)  # E.164, in order, no repeats
    invalid: list[str] = field(default_factory=list)  # raw strings, not a valid number
    unresolved: list[str] = field(default_factory=list)  # raw strings, national without country

    @property
    def first(self) -> str | None:
        return self.valid[0] if self.valid else None


def clean_phone(raw: str) -> str:
    """The number part of a raw string: labels and "tel:" removed, "00" made "+"."""
    text = " ".join(str(raw).split())
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = _LABEL.sub("", text)
    text = text.strip(" ,;:")
    if text.startswith("00") and len(re.sub(r"\D", "", text)) > 8:
        text = "+" + text[2:].lstrip()
    return text


def _parse_one(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _numbers_in(text: str, region: str | None) -> list[phonenumbers.PhoneNumber]:
    """Valid numbers in a raw string: whole, split on separators, or found inside text."""
    whole = _parse_one(text, region)
    if whole is not None:
        return [whole]
    parts = [part for part in _SEPARATORS.split(text) if part and re.search(r"\d", part)]
    if len(parts) > 1:
        found = [_parse_one(clean_phone(part), region) for part in parts]
        if all(number is not None for number in found):
            return [number for number in found if number is not None]
    matcher_region = region or "ZZ"
    return [
        match.number
        for match in phonenumbers.PhoneNumberMatcher(
            text, matcher_region, leniency=phonenumbers.Leniency.VALID
        )
    ]


def normalise_phones(raw_phones: Iterable[str], country: str | None) -> PhoneResult:
    """Turn raw phone strings into E.164 using ``country`` (alpha-2) as region.

    International numbers ("+33 1 ..." or "0033 1 ...") are read whatever the
    country; national ones need the country, else they end in ``unresolved``.
    """
    region = country.upper() if country else None
    result = PhoneResult()
    for raw in raw_phones:
        if raw is None or not str(raw).strip():
            continue
        text = clean_phone(str(raw))
        if not re.search(r"\d", text):
            result.invalid.append(str(raw).strip())
            continue
        numbers = _numbers_in(text, region)
        if numbers:
            for number in numbers:
                formatted = _e164(number)
                if formatted not in result.valid:
                    result.valid.append(formatted)
        elif region is None and not text.startswith("+"):
            result.unresolved.append(str(raw).strip())
        else:
            result.invalid.append(str(raw).strip())
    return result
