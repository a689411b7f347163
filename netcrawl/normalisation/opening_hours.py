"""Opening hours, in every form sites publish them, to OpenStreetMap ``opening_hours``.

Sites give hours as schema.org ``openingHours`` strings ("Mo-Fr 09:00-17:00",
"Mo-Sa 09H00-12H30, 14H00-19H00"), ``openingHoursSpecification`` objects, or
plain-text tables in the site's language ("Monday: 9:00 AM - 5:00 PM",
"Lundi au vendredi de 9h à 18h"). :class:`OpeningHours` reads all of them into
one week model (day -> time ranges) and prints it in canonical OSM syntax, so
two sources of the same shop compare equal:

- days in order Mo..Su, consecutive days with equal hours merged into a range
  ("Mo-Fr 09:00-17:00; Sa 10:00-14:00"), several ranges of a day joined with ","
  ("Mo-Fr 09:00-12:00,14:00-18:00");
- closed days are omitted (OSM reads a day that no rule mentions as closed);
  a day open around the clock reads "00:00-24:00", a whole week of them "24/7";
- public holidays come last: "PH 10:00-14:00", or "PH off" because a public
  holiday overrides the weekday rule, so its closure must be said;
- ranges past midnight stay as published ("Fr-Sa 18:00-02:00"), which OSM reads
  as extending into the next day.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
PUBLIC_HOLIDAY = 7  # index of "PH" in the week model
DAY_MINUTES = 24 * 60

Range = tuple[int, int]  # minutes since midnight; end may be < start (past midnight)

# Day words per language, folded (lower case, no accents, no trailing dot).
_DAY_WORDS: dict[str, dict[str, int]] = {
    "en": {
        **{w: 0 for w in ("monday", "mon", "mo", "mondays")},
        **{w: 1 for w in ("tuesday", "tue", "tues", "tu", "tuesdays")},
        **{w: 2 for w in ("wednesday", "wed", "we", "weds", "wednesdays")},
        **{w: 3 for w in ("thursday", "thu", "thur", "thurs", "th", "thursdays")},
        **{w: 4 for w in ("friday", "fri", "fr", "fridays")},
        **{w: 5 for w in ("saturday", "sat", "sa", "saturdays")},
        **{w: 6 for w in ("sunday", "sun", "su", "sundays")},
        **{w: 7 for w in ("ph", "holiday", "holidays", "publicholidays")},
    },
    "de": {
        **{w: 0 for w in ("montag", "mo", "mon", "montags")},
        **{w: 1 for w in ("dienstag", "di", "die", "dienstags")},
        **{w: 2 for w in ("mittwoch", "mi", "mit", "mittwochs")},
        **{w: 3 for w in ("donnerstag", "do", "don", "donnerstags")},
        **{w: 4 for w in ("freitag", "fr", "fre", "freitags")},
        **{w: 5 for w in ("samstag", "sonnabend", "sa", "sam", "samstags")},
        **{w: 6 for w in ("sonntag", "so", "son", "sonntags")},
        **{w: 7 for w in ("feiertag", "feiertage", "feiertags", "feiertagen")},
    },
    "fr": {
        **{w: 0 for w in ("lundi", "lun", "lu")},
        **{w: 1 for w in ("mardi", "mar", "ma")},
        **{w: 2 for w in ("mercredi", "mer", "me")},
        **{w: 3 for w in ("jeudi", "jeu", "je")},
        **{w: 4 for w in ("vendredi", "ven", "ve")},
        **{w: 5 for w in ("samedi", "sam", "sa")},
        **{w: 6 for w in ("dimanche", "dim", "di")},
        **{w: 7 for w in ("feries", "ferie")},
    },
    "nl": {
        **{w: 0 for w in ("maandag", "ma", "maa")},
        **{w: 1 for w in ("dinsdag", "di", "din")},
        **{w: 2 for w in ("woensdag", "wo", "woe")},
        **{w: 3 for w in ("donderdag", "do", "don")},
        **{w: 4 for w in ("vrijdag", "vr", "vrij")},
        **{w: 5 for w in ("zaterdag", "za", "zat")},
        **{w: 6 for w in ("zondag", "zo", "zon")},
        **{w: 7 for w in ("feestdag", "feestdagen")},
    },
    "es": {
        **{w: 0 for w in ("lunes", "lun")},
        **{w: 1 for w in ("martes", "mar")},
        **{w: 2 for w in ("miercoles", "mie", "mier")},
        **{w: 3 for w in ("jueves", "jue")},
        **{w: 4 for w in ("viernes", "vie")},
        **{w: 5 for w in ("sabado", "sab")},
        **{w: 6 for w in ("domingo", "dom")},
        **{w: 7 for w in ("festivos", "festivo", "feriados")},
    },
    "it": {
        **{w: 0 for w in ("lunedi", "lun")},
        **{w: 1 for w in ("martedi", "mar")},
        **{w: 2 for w in ("mercoledi", "mer")},
        **{w: 3 for w in ("giovedi", "gio")},
        **{w: 4 for w in ("venerdi", "ven")},
        **{w: 5 for w in ("sabato", "sab")},
        **{w: 6 for w in ("domenica", "dom")},
        **{w: 7 for w in ("festivi",)},
    },
}
_LANGUAGE_ORDER = ("en", "de", "fr", "nl", "es", "it")

_CLOSED_WORDS = frozenset(
    {"closed", "off", "geschlossen", "ruhetag", "ferme", "fermee", "gesloten", "cerrado",
     "chiuso", "chiusa"}
)
_RANGE_WORDS = frozenset(
    {"to", "through", "thru", "till", "til", "until", "bis", "au", "a", "tot", "al", "-"}
)
_LIST_WORDS = frozenset({",", "&", "and", "und", "et", "en", "y", "e", "/", "+"})

_TIME = (
    r"(?:(?P<{p}noon>noon|midday|mittag)|(?P<{p}midnight>midnight|mitternacht|minuit)|"
    r"(?P<{p}h>\d{{1,2}})(?:\s*[:.hH]\s*(?P<{p}m>\d{{2}})|\s*[hH](?![a-z])|(?P<{p}hhmm>\d{{2}}))?"
    r"(?:[:.]\d{{2}})?"
    r"(?:\s*(?P<{p}ap>a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z]))?)"
)
_TIME_RANGE = re.compile(
    _TIME.format(p="s")
    + r"\s*(?:uhr|hrs|h)?\s*(?:-|~|\bto\b|\btill\b|\btil\b|\buntil\b|\bbis\b|\ba\b|\btot\b|"
    r"\bal\b|\bhasta\b|\bjusqu'?a\b)\s*"
    + _TIME.format(p="e")
)
_TOKEN = re.compile(
    r"(?P<range>" + _TIME_RANGE.pattern + r")"
    r"|(?P<allweek>24\s*/\s*7|24\s*x\s*7)"
    r"|(?P<allday>(?:open\s+)?24\s*(?:hours|hrs|h|uhr)(?:\s*/\s*24)?|around the clock|"
    r"rund um die uhr|jour et nuit)"
    r"|(?P<tm>t\s*/\s*m)"
    r"|(?P<word>[a-z]+)\.?"
    r"|(?P<sym>[-,&/+~])"
)


# Hyphens, en and em dashes, minus signs: all read as "-".
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def _fold(text: str) -> str:
    """Lower case, accents removed, every dash a hyphen: one spelling per word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_DASHES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _time_minutes(match: re.Match, prefix: str) -> tuple[int, bool, str | None] | None:
    """(minutes, written on a 24-hour clock, am/pm) of one side of a time range."""
    if match.group(f"{prefix}noon"):
        return 12 * 60, True, None
    if match.group(f"{prefix}midnight"):
        return 0, True, None
    hour = int(match.group(f"{prefix}h"))
    minute_text = match.group(f"{prefix}m") or match.group(f"{prefix}hhmm")
    minute = int(minute_text) if minute_text else 0
    ampm = match.group(f"{prefix}ap")
    meridiem = None
    if ampm:
        meridiem = "pm" if ampm.lower().startswith("p") else "am"
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    # A 24-hour clock shows itself by hours past 12, by 0 or by a leading zero ("09:00").
    explicit = hour > 12 or hour == 0 or match.group(f"{prefix}h").startswith("0")
    return hour * 60 + minute, explicit, meridiem


def parse_time_range(match: re.Match) -> Range | None:
    """A time-range match to minutes, resolving "9-5" and "9-5pm" the way people mean them."""
    start = _time_minutes(match, "s")
    end = _time_minutes(match, "e")
    if start is None or end is None:
        return None
    start_min, start_24h, start_mer = start
    end_min, end_24h, end_mer = end
    # "1-5pm" is 13:00-17:00 but "9-5pm" and "11-2pm" start in the morning.
    if start_mer is None and end_mer == "pm" and start_min + 12 * 60 < end_min:
        start_min += 12 * 60
    if (
        start_mer is None
        and end_mer is None
        and not start_24h
        and not end_24h
        and end_min <= start_min
        and end_min < 12 * 60
        and end_min + 12 * 60 > start_min
    ):
        # "Monday-Friday 9-5", "9:00-5:00": a 12-hour clock without am/pm.
        end_min += 12 * 60
    return _normalise_range(start_min, end_min)


def _normalise_range(start: int, end: int) -> Range:
    if start == DAY_MINUTES:
        start = 0
    if end == DAY_MINUTES - 1 or (end == 0 and start > 0):
        end = DAY_MINUTES  # "23:59" and a closing "00:00" mean midnight at the end of the day
    return start, end


def _format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _merge_ranges(ranges: Iterable[Range]) -> list[Range]:
    """Sorted ranges with overlaps joined; past-midnight ranges kept as published."""
    same_day = sorted({r for r in ranges if r[1] > r[0]})
    overnight = sorted({r for r in ranges if r[1] <= r[0]})
    merged: list[list[int]] = []
    for start, end in same_day:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged] + overnight


class OpeningHours:
    """A week of opening hours: each day (Mo..Su, then PH) open ranges or closed.

    Build with :meth:`add_range`/:meth:`set_closed` or one of the ``from_*``
    parsers; print with :meth:`to_osm`. A day that is neither given ranges nor
    marked closed is unknown and, like a closed one, omitted from the output.
    """

    def __init__(self) -> None:
        self._ranges: dict[int, list[Range]] = {}
        self._closed: set[int] = set()

    # -- building -------------------------------------------------------------
    def add_range(self, day: int, start: int, end: int) -> None:
        """Open ``day`` (0=Mo .. 6=Su, 7=PH) from ``start`` to ``end`` minutes."""
        start, end = _normalise_range(start, end)
        if start == end:
            self.set_closed(day)
            return
        self._closed.discard(day)
        self._ranges.setdefault(day, []).append((start, end))

    def set_closed(self, day: int) -> None:
        """Mark ``day`` closed unless another rule has opened it."""
        if day not in self._ranges:
            self._closed.add(day)

    def close_day(self, day: int) -> None:
        """Mark ``day`` closed, overriding earlier ranges ("Mo-Sa 9-18, We closed")."""
        self._ranges.pop(day, None)
        self._closed.add(day)

    @property
    def is_empty(self) -> bool:
        """True when nothing was learnt: no open range and no explicitly closed day."""
        return not self._ranges and not self._closed

    def day_ranges(self, day: int) -> list[Range]:
        return _merge_ranges(self._ranges.get(day, []))

    # -- printing -------------------------------------------------------------
    def to_osm(self) -> str:
        """Canonical OSM ``opening_hours`` text ("" when nothing is known)."""
        if self.is_empty:
            return ""
        week = [tuple(self.day_ranges(day)) for day in range(7)]
        rules: list[str] = []
        if all(ranges == ((0, DAY_MINUTES),) for ranges in week):
            rules.append("24/7")
        else:
            day = 0
            while day < 7:
                ranges = week[day]
                last = day
                while last + 1 < 7 and week[last + 1] == ranges:
                    last += 1
                if ranges:
                    days = OSM_DAYS[day] if last == day else f"{OSM_DAYS[day]}-{OSM_DAYS[last]}"
                    rules.append(f"{days} {self._format_ranges(ranges)}")
                day = last + 1
        holiday = self.day_ranges(PUBLIC_HOLIDAY)
        if holiday:
            rules.append(f"PH {self._format_ranges(holiday)}")
        elif PUBLIC_HOLIDAY in self._closed:
            rules.append("PH off")
        if not rules:
            return "off"
        return "; ".join(rules)

    @staticmethod
    def _format_ranges(ranges: Iterable[Range]) -> str:
        return ",".join(f"{_format_minutes(s)}-{_format_minutes(e)}" for s, e in ranges)

    def __str__(self) -> str:
        return self.to_osm()

    # -- parsing ---------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str | Iterable[str]) -> OpeningHours:
        """Parse schema.org ``openingHours`` strings (or a list of them) or a text table."""
        hours = cls()
        parts = [text] if isinstance(text, str) else [str(t) for t in text if t]
        for part in parts:
            hours._parse_text(part)
        return hours

    @classmethod
    def from_specification(cls, specs: Iterable[Mapping] | Mapping) -> OpeningHours:
        """Parse schema.org ``openingHoursSpecification`` objects.

        ``dayOfWeek`` may be a schema.org URL (http or https), a word in any
        supported language, or a list of them. ``opens == closes`` (typically
        both "00:00") marks a closed day; "00:00"-"23:59" is open all day.
        Specifications valid for less than a week (holiday exceptions) are
        skipped: they are not the regular week.
        """
        hours = cls()
        if isinstance(specs, Mapping):
            specs = [specs]
        for spec in specs:
            if not isinstance(spec, Mapping) or _is_short_exception(spec):
                continue
            days = _spec_days(spec.get("dayOfWeek"))
            if not days:
                continue
            opens = _parse_clock(spec.get("opens"))
            closes = _parse_clock(spec.get("closes"))
            for day in days:
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    continue
                if opens == closes:
                    hours.set_closed(day)
                else:
                    hours.add_range(day, opens, closes)
        return hours

    def _parse_text(self, text: str) -> None:
        folded = _fold(text)
        tokens = list(_tokenise(folded))
        day_table = _day_table(tokens)
        groups = _group(tokens, day_table)
        for days, ranges, closed in groups:
            for day in days:
                if ranges:
                    for start, end in ranges:
                        self.add_range(day, start, end)
                elif closed:
                    self.close_day(day)


def _tokenise(folded: str) -> Iterable[tuple[str, object]]:
    for match in _TOKEN.finditer(folded):
        kind = match.lastgroup
        if match.group("range"):
            inner = _TIME_RANGE.match(match.group("range"))
            parsed = parse_time_range(inner) if inner else None
            if parsed is not None:
                yield "range", parsed
        elif match.group("allweek"):
            yield "allweek", None
        elif match.group("allday"):
            yield "range", (0, DAY_MINUTES)
        elif match.group("tm"):
            yield "to", None
        elif match.group("word"):
            yield "word", match.group("word")
        elif kind == "sym" or match.group("sym"):
            symbol = match.group("sym")
            yield ("to" if symbol in "-~" else "list"), symbol


def _day_table(tokens: list[tuple[str, object]]) -> dict[str, int]:
    """Merge the languages' day words, the language best matching the text first."""
    words = [value for kind, value in tokens if kind == "word"]
    scores = {
        language: sum(
            (2 if len(word) > 3 else 1) for word in words if word in _DAY_WORDS[language]
        )
        for language in _LANGUAGE_ORDER
    }
    ordered = sorted(_LANGUAGE_ORDER, key=lambda lang: (-scores[lang], _LANGUAGE_ORDER.index(lang)))
    table: dict[str, int] = {}
    for language in ordered:
        for word, day in _DAY_WORDS[language].items():
            table.setdefault(word, day)
    return table


def _expand(first: int, last: int) -> list[int]:
    if first == PUBLIC_HOLIDAY or last == PUBLIC_HOLIDAY:
        return [first, last]
    if first <= last:
        return list(range(first, last + 1))
    return list(range(first, 7)) + list(range(0, last + 1))  # "Fr-Mo" wraps the weekend


def _group(
    tokens: list[tuple[str, object]], day_table: dict[str, int]
) -> list[tuple[list[int], list[Range], bool]]:
    """Walk the tokens into (days, ranges, closed) groups.

    Days followed by times is the usual order ("Mo-Fr 9-17"); when the text
    starts with times ("9:00-17:00 Monday to Friday") times come first instead.
    """
    groups: list[tuple[list[int], list[Range], bool]] = []
    days: list[int] = []
    ranges: list[Range] = []
    closed = False
    pending_to = False
    times_first = False
    seen_meaningful = False

    def flush() -> None:
        nonlocal days, ranges, closed
        if days and (ranges or closed):
            groups.append((days, ranges, closed))
        days, ranges, closed = [], [], False

    for kind, value in tokens:
        word_day = day_table.get(value) if kind == "word" else None  # type: ignore[arg-type]
        if word_day is not None:
            seen_meaningful = True
            if not times_first and (ranges or closed):
                flush()
            if pending_to and days:
                expanded = _expand(days[-1], word_day)
                days.extend(day for day in expanded[1:] if day not in days)
            elif word_day not in days:
                days.append(word_day)
            pending_to = False
        elif kind == "range":
            if not seen_meaningful:
                times_first = True
                seen_meaningful = True
            if times_first and days:
                flush()
            ranges.append(value)  # type: ignore[arg-type]
            pending_to = False
        elif kind == "allweek":
            flush()
            groups.append((list(range(7)), [(0, DAY_MINUTES)], False))
            seen_meaningful = True
        elif kind == "word" and value in _CLOSED_WORDS:
            if times_first and days and (ranges or closed):
                flush()
            closed = True
            pending_to = False
        elif kind == "to" or (kind == "word" and value in _RANGE_WORDS):
            pending_to = bool(days) and (times_first or (not ranges and not closed))
        elif kind == "list" or (kind == "word" and value in _LIST_WORDS):
            pending_to = False
    flush()
    return groups


def _parse_clock(value: object) -> int | None:
    """"09:00", "09:00:00", "9:00 AM", "09:00:00+01:00" to minutes since midnight."""
    if value is None:
        return None
    text = _fold(str(value)).strip()
    match = re.match(
        r"^(?:t)?(\d{1,2})(?:[:.h](\d{2}))?(?::\d{2}(?:\.\d+)?)?\s*(a\.?m\.?|p\.?m\.?)?", text
    )
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match.group(3).startswith("p") else 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _spec_days(value: object) -> list[int]:
    """dayOfWeek (URL, word, or a list of them) to day indexes."""
    if value is None:
        return []
    values = value if isinstance(value, list | tuple) else [value]
    days: list[int] = []
    for item in values:
        if isinstance(item, Mapping):
            item = item.get("@id") or item.get("name") or ""
        word = re.split(r"[/#:]", str(item).strip())[-1]  # URL, CURIE or bare word
        folded = re.sub(r"[^a-z]", "", _fold(word))
        if folded in ("publicholidays", "publicholiday", "ph"):
            day = PUBLIC_HOLIDAY
        else:
            day = None
            for language in _LANGUAGE_ORDER:
                day = _DAY_WORDS[language].get(folded)
                if day is not None:
                    break
        if day is not None and day not in days:
            days.append(day)
    return days


def _is_short_exception(spec: Mapping) -> bool:
    """True for a specification valid for under a week: a holiday or one-off closure."""
    valid_from, valid_through = spec.get("validFrom"), spec.get("validThrough")
    if not valid_from or not valid_through:
        return False
    try:
        start = date.fromisoformat(str(valid_from)[:10])
        end = date.fromisoformat(str(valid_through)[:10])
    except ValueError:
        return False
    return (end - start).days < 7


def to_osm(
    opening_hours: object = None,
    specification: object = None,
    text: object = None,
) -> str | None:
    """The OSM string of the first of the three raw forms that parses, else None.

    The structured ``openingHoursSpecification`` is trusted first, then the
    schema.org ``openingHours`` strings, then a plain-text table.
    """
    candidates: list[OpeningHours] = []
    if specification:
        specs = specification if isinstance(specification, list) else [specification]
        candidates.append(OpeningHours.from_specification(specs))
    for raw in (opening_hours, text):
        if isinstance(raw, str) and raw.strip():
            candidates.append(OpeningHours.from_text(raw))
        elif isinstance(raw, list) and raw:
            candidates.append(OpeningHours.from_text([str(v) for v in raw if v]))
    for hours in candidates:
        if not hours.is_empty:
            return hours.to_osm()
    return None
