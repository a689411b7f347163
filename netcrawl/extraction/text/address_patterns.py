"""Postal addresses written as text, per country (US, CA, UK, AU, NL, DE, FR).

An address block is found from its *locality line* — the line with the
postcode, written the country's way (``Springfield, IL 62701``,
``London EC2A 3PE``, ``Sydney NSW 2000``, ``1012 AB Amsterdam``,
``10115 Berlin``, ``75001 Paris``) — and the street line just before it (or
before it on the same line, comma-separated). A postcode with no street line
is not accepted outside an ``<address>`` element: postcodes alone match too
much ordinary text. US street lines are split with ``usaddress``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import usaddress

_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    "NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_US_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|"
    "Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
    "Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
    "New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    "Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming|District of Columbia"
)
_CA_PROVINCES = (
    "AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|Alberta|British Columbia|Manitoba|New Brunswick|"
    "Newfoundland and Labrador|Nova Scotia|Ontario|Prince Edward Island|Quebec|Québec|"
    "Saskatchewan|Northwest Territories|Nunavut|Yukon"
)
_AU_STATES = (
    "NSW|VIC|QLD|SA|WA|TAS|NT|ACT|New South Wales|Victoria|Queensland|South Australia|"
    "Western Australia|Tasmania|Northern Territory|Australian Capital Territory"
)
#: Australian states as written before a postcode (abbreviated or in full).
AU_STATES: tuple[str, ...] = tuple(_AU_STATES.split("|"))
_CITY = r"[A-ZÀ-Ý][A-Za-zÀ-ÿ.'\u2019\- ]*?"

_LOCALITY = {
    "US": re.compile(
        rf"(?:(?P<city>{_CITY}),?\s+)?(?P<state>{_US_STATES}|{_US_STATE_NAMES})\.?,?\s+"
        r"(?P<postcode>\d{5}(?:-\d{4})?)\b"
    ),
    "CA": re.compile(
        rf"(?:(?P<city>{_CITY}),?\s+)?(?P<state>{_CA_PROVINCES})\.?,?\s+"
        r"(?P<postcode>[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d)\b"
    ),
    "GB": re.compile(
        rf"(?:(?P<city>{_CITY}),?\s+)?(?P<postcode>GIR ?0AA|"
        r"[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b"
    ),
    "AU": re.compile(
        rf"(?:(?P<city>{_CITY}),?\s+)?(?P<state>{_AU_STATES})\.?,?\s+(?P<postcode>\d{{4}})\b"
    ),
    "NL": re.compile(
        r"\b(?P<postcode>[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2})\b,?\s+(?P<city>[A-Z][A-Za-z'\u2019\- ]+)"
    ),
    # Germany and France both write ``NNNNN Town``: the street line tells them apart.
    "DE/FR": re.compile(
        r"\b(?:(?:D|DE|F|FR)[-\s])?(?P<postcode>\d{5})\s+"
        r"(?P<city>[A-ZÀ-ÝÄÖÜ][A-Za-zÀ-ÿÄÖÜäöüß.'\u2019\-/() ]*?"
        r"(?:\s+C[Ee][Dd][Ee][Xx](?:\s+\d+)?)?)"
        r"\s*(?:,|$)"
    ),
}
_ROAD_WORDS_EN = (
    r"Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Av|Way|Close|Drive|Dr|Place|Pl|Square|Sq|Row|Hill|"
    r"Terrace|Parade|Court|Ct|Gardens|Crescent|Walk|Mews|Yard|Wharf|Boulevard|Blvd|Highway|Hwy|"
    r"Parkway|Pkwy|Broadway|Circle|Trail|Pike|Green|Park|Quay|Arcade|Centre|Center|Plaza|Grove"
)
_FR_ROAD = (
    r"rue|avenue|av\.?|boulevard|bd|place|pl\.|chemin|allée|allee|quai|route|impasse|cours|"
    r"passage|square|rond-point|voie|faubourg|promenade|esplanade|parvis|sentier|villa|cité"
)
_DE_ROAD = (
    r"straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|markt|steig|pfad|hof|"
    r"berg|graben|wall|tor|brücke|kai|zeile|stieg|park|garten|feld|grund"
)
_NUMBER_FIRST_STREET = re.compile(
    r"^(?:(?:Unit|Suite|Ste|Shop|Flat|Level|Floor|Building|Bldg)\s*[\w./-]+,?\s+)?"
    r"\d+[A-Za-z]?(?:\s?[-\u2013/]\s?\d+[A-Za-z]?)?(?:\s(?:bis|ter))?,?\s+[A-Za-zÀ-ÿ]"
)
#: ``High Street``, ``Unit 4 Riverside Park``: capitalised words ending in a road word.
_NAMED_EN_STREET = re.compile(
    rf"^(?:(?:[A-Z0-9][\w'\u2019.&/-]*),?\s+){{0,5}}(?:{_ROAD_WORDS_EN})\b\.?"
)
_FR_STREET = re.compile(
    rf"^\d+(?:\s?(?:bis|ter|[a-c]))?,?\s+(?:{_FR_ROAD})\b|^(?:{_FR_ROAD})\s", re.I
)
_NUMBER_LAST_STREET = re.compile(
    r"^[A-ZÄÖÜa-zäöüß][\wÀ-ÿ.'\u2019\- ]+?\s\d+\s?[a-zA-Z]?(?:\s?[-\u2013/]\s?\d+\s?[a-zA-Z]?)?$"
)
_DE_STREET = re.compile(rf"(?:{_DE_ROAD})\s*\d", re.I)
_COUNTRY_LINES = {
    "US": re.compile(r"^(?:USA|U\.S\.A\.|United States(?: of America)?|US)$", re.I),
    "CA": re.compile(r"^(?:Canada)$", re.I),
    "GB": re.compile(r"^(?:UK|U\.K\.|United Kingdom|Great Britain|England|Scotland|Wales|"
                     r"Northern Ireland)$", re.I),
    "AU": re.compile(r"^(?:Australia)$", re.I),
    "NL": re.compile(r"^(?:Nederland|The Netherlands|Netherlands|NL)$", re.I),
    "DE": re.compile(r"^(?:Deutschland|Germany|DE|Allemagne)$", re.I),
    "FR": re.compile(r"^(?:France|FR|Frankreich)$", re.I),
}
_LANGUAGE_COUNTRY = {"de": "DE", "fr": "FR", "nl": "NL"}
_MAX_LINE = 120


@dataclass
class TextAddress:
    """An address read from text: its parts and the lines it was read from."""

    country: str | None
    postcode: str
    city: str | None = None
    state: str | None = None
    street_address: str | None = None
    housenumber: str | None = None
    street: str | None = None
    lines: list[str] = field(default_factory=list)
    #: Indexes of the lines used (the caller looks for phones near them).
    line_indexes: range = range(0)

    @property
    def addr_full(self) -> str:
        return ", ".join(self.lines)

    @property
    def key(self) -> tuple[str, str]:
        """Two mentions of one address (street written differently) share this key."""
        street = re.sub(r"\W+", "", (self.street_address or "").casefold())[:12]
        return self.postcode.replace(" ", "").upper(), street


def _is_street(line: str, country: str) -> bool:
    """Whether ``line`` is written like a street line of ``country`` (and not a sentence:
    at most seven words, starting with a number or a capital)."""
    if len(line) > _MAX_LINE or len(line.split()) > 7 or not re.match(r"[\dA-ZÀ-Ý]", line):
        return False
    if country in ("US", "CA", "AU"):
        return bool(_NUMBER_FIRST_STREET.match(line))
    if country == "GB":
        return bool(_NUMBER_FIRST_STREET.match(line) or _NAMED_EN_STREET.search(line))
    if country == "FR":
        return bool(_FR_STREET.search(line))
    if country == "DE":
        return bool(_NUMBER_LAST_STREET.match(line) or _DE_STREET.search(line))
    if country == "NL":
        return bool(_NUMBER_LAST_STREET.match(line))
    return False


def _five_digit_country(street: str | None, lines: Sequence[str], language: str | None,
                        host_tld: str | None) -> str | None:
    """Germany or France for a ``NNNNN Town`` line, or None when the page does not say."""
    for line in lines:
        for code in ("DE", "FR"):
            if _COUNTRY_LINES[code].match(line.strip(" ,.")):
                return code
    if street and _FR_STREET.search(street):
        return "FR"
    language_country = _LANGUAGE_COUNTRY.get(language or "")
    if language and language_country is None and language != "en":
        return None  # an Italian or Spanish page: its 5-digit postcodes are its own
    hint = language_country or host_tld
    if street and (_DE_STREET.search(street) or _NUMBER_LAST_STREET.match(street)):
        return "DE" if hint in (None, "DE") else None
    return hint if hint in ("DE", "FR") else None


def _split_prefix(prefix: str) -> list[str]:
    return [part.strip() for part in prefix.split(",") if part.strip()]


def _us_parts(street: str) -> dict[str, str]:
    """House number and street name of a US street line, by ``usaddress``."""
    try:
        tagged, kind = usaddress.tag(street)
    except usaddress.RepeatedLabelError:
        return {}
    if kind != "Street Address":
        return {}
    parts = {}
    if tagged.get("AddressNumber"):
        parts["housenumber"] = tagged["AddressNumber"]
    name = " ".join(
        tagged[label] for label in (
            "StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType",
            "StreetName", "StreetNamePostType", "StreetNamePostDirectional",
        ) if tagged.get(label)
    )
    if name:
        parts["street"] = name
    return parts


def _number_last_parts(street: str) -> dict[str, str]:
    match = re.match(
        r"^(?P<street>.+?)\s(?P<number>\d+\s?[a-zA-Z]?(?:\s?[-\u2013/]\s?\d+[a-z]?)?)$", street
    )
    return {"street": match["street"], "housenumber": match["number"]} if match else {}


def _number_first_parts(street: str) -> dict[str, str]:
    match = re.match(r"^(?P<number>\d+[A-Za-z]?(?:\s(?:bis|ter))?),?\s+(?P<street>[^,]+)$", street)
    return {"street": match["street"], "housenumber": match["number"]} if match else {}


def _match_locality(line: str) -> list[tuple[str, re.Match[str]]]:
    if not _DIGIT.search(line):
        return []  # every postcode format has digits: most lines stop here
    found = []
    for country, pattern in _LOCALITY.items():
        match = pattern.search(line)
        if match:
            found.append((country, match))
    return found


def find_addresses(lines: Sequence[str], *, require_street: bool = True,
                   language: str | None = None, host_tld: str | None = None
                   ) -> list[TextAddress]:
    """Addresses in consecutive text lines (one block, e.g. an ``<address>`` element).

    ``language`` (the page's ``lang``) and ``host_tld`` (``"DE"`` for a ``.de``
    host) only decide between Germany and France for ``NNNNN Town`` lines.
    Addresses whose parts sit on lines of their own (``Sydney`` / ``NSW`` /
    ``2000``, as templates that wrap each part in an element render them) are
    read by joining a few short lines.
    """
    addresses: list[TextAddress] = []
    used: set[int] = set()
    for index, line in enumerate(lines):
        if index in used or len(line) > _MAX_LINE:
            continue
        for pattern_country, match in _match_locality(line):
            address = _read_address(lines, index, pattern_country, match, language, host_tld)
            if address is None or (require_street and not address.street_address):
                continue
            used.update(address.line_indexes)
            addresses.append(address)
            break
    for index in range(len(lines)):
        address = _read_split_address(lines, index, used, language, host_tld)
        if address is not None and (address.street_address or not require_street):
            used.update(address.line_indexes)
            addresses.append(address)
    addresses.sort(key=lambda address: address.line_indexes.start)
    return addresses


#: Lines of an address written one part per line are short.
_MAX_PART_LINE = 45
_MAX_PARTS = 5
_DIGIT = re.compile(r"\d")


def _read_split_address(lines: Sequence[str], index: int, used: set[int],
                        language: str | None, host_tld: str | None) -> TextAddress | None:
    """An address starting at ``lines[index]`` whose parts take 2-5 short lines."""
    for size in range(2, _MAX_PARTS + 1):
        window = lines[index:index + size]
        if (len(window) < size or len(window[-1]) > _MAX_PART_LINE
                or any(i in used for i in range(index, index + size))):
            return None
        if not _DIGIT.search(window[-1]):
            continue  # every postcode has a digit, and the postcode ends the window
        joined = ", ".join(part.strip().rstrip(",").strip() for part in window)
        for pattern_country, match in _match_locality(joined):
            if joined[match.end():].strip(" ,."):
                continue  # the postcode must end the window; more lines may complete it
            address = _read_address([joined], 0, pattern_country, match, language, host_tld)
            if address is None:
                continue
            last = index + size - 1
            following = lines[last + 1].strip(" ,.") if last + 1 < len(lines) else ""
            if address.country and _COUNTRY_LINES[address.country].match(following):
                last += 1
            address.lines = [lines[i].strip(" ,") for i in range(index, last + 1)]
            address.line_indexes = range(index, last + 1)
            return address
    return None


_PHONE_AFTER = re.compile(
    r"^(?:(?:tel|phone|ph|t|telefon|téléphone|tél|telefoon|fon|call|directions|map|plan)\b"
    r"|\+?\(?\d[\d\s()/.-]{6,}$)",
    re.I,
)


def _ends_address(trailing: str) -> bool:
    """Whether the text after a postcode still belongs to an address block (nothing, a
    country, a phone number) rather than to a sentence going on."""
    trailing = trailing.strip(" ,.;|\u2013\u00b7\u2022-")
    return not trailing or _PHONE_AFTER.match(trailing) is not None or any(
        pattern.match(trailing) for pattern in _COUNTRY_LINES.values()
    )


def _read_address(lines: Sequence[str], index: int, pattern_country: str, match: re.Match[str],
                  language: str | None, host_tld: str | None) -> TextAddress | None:
    line = lines[index]
    if not _ends_address(line[match.end():]):
        return None
    groups = match.groupdict()
    prefix_parts = _split_prefix(line[: match.start()])
    city = (groups.get("city") or "").strip(" ,") or None
    if city is None and pattern_country in ("GB", "US", "CA", "AU") and prefix_parts:
        city = prefix_parts.pop()  # ``3 Charlotte Road, London, EC2A 3PE``
    street = None
    first = index
    if prefix_parts:
        street = ", ".join(prefix_parts)
    following = [lines[i] for i in range(index + 1, min(index + 2, len(lines)))]
    previous = lines[index - 1] if index > 0 else None

    countries = [pattern_country]
    if pattern_country == "DE/FR":
        candidate_street = street or previous
        countries = [_five_digit_country(candidate_street, [line, *following], language, host_tld)
                     or "DE/FR"]
    country = countries[0]
    street_country = country if country != "DE/FR" else "DE"

    if street is None and previous is not None and (
        _is_street(previous, street_country)
        or (country == "DE/FR" and _is_street(previous, "FR"))
    ):
        street, first = previous, index - 1
    if street is not None and not (_is_street(street, street_country) or (
        country == "DE/FR" and _is_street(street, "FR")
    )):
        street = None
    last = index
    if following and country in _COUNTRY_LINES and _COUNTRY_LINES[country].match(
        following[0].strip(" ,.")
    ):
        last = index + 1
    address = TextAddress(
        country=None if country == "DE/FR" else country,
        postcode=" ".join(groups["postcode"].split()),
        city=city,
        state=(groups.get("state") or None),
        street_address=street,
        lines=[lines[i].strip(" ,") for i in range(first, last + 1)],
        line_indexes=range(first, last + 1),
    )
    if street and not prefix_parts and first == index:
        address.lines = [line.strip(" ,")]
    if street:
        if address.country == "US":
            parts = _us_parts(street)
        elif address.country in ("DE", "NL") or (address.country is None
                                                 and _NUMBER_LAST_STREET.match(street)):
            parts = _number_last_parts(street)
        else:
            parts = _number_first_parts(street)
        address.housenumber = parts.get("housenumber")
        address.street = parts.get("street")
    return address
