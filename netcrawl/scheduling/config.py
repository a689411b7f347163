"""Read ``schedule.toml`` into validated :class:`ScheduleEntry` objects.

The file is read once when the scheduler starts, and a mistake in it would otherwise
surface hours later as a crawl that never runs. So everything that can be checked
without running a crawl is checked here, every problem is collected (not only the
first), and each message names the table and key it is about::

    [defaults]                      # optional: any entry option, used where an entry omits it
    timezone = "Europe/Paris"

    [crawls.sample-site]            # one table per scheduled crawl; the name labels logs and state
    spider = "places"
    cron = "0 4 * * *"
    args = { start_urls = "data/sample-site" }

Whether the spider exists needs the project's spider loader, so the command checks
it with :func:`check_spiders` (same error type and message style).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from netcrawl.scheduling.timing import CronError, validate_cron

#: What a crawl's health-check failure (``scrapy crawl --fail-on-health`` exit 3) leads to.
HEALTH_POLICIES = ("ignore", "retry", "disable")
ENTRIES_TABLE = "crawls"
DEFAULTS_TABLE = "defaults"

_ENTRY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DURATION = re.compile(
    r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$"
)
_DURATION_HINT = 'a duration such as "90s", "15m", "2h" or "1h30m", or a number of seconds'


class ScheduleConfigError(ValueError):
    """The schedule file cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid schedule file {source}:\n{lines}")


@dataclass(frozen=True)
class ScheduleEntry:
    """One scheduled crawl, with every option resolved (defaults applied)."""

    name: str
    spider: str
    cron: str
    args: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, str] = field(default_factory=dict)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    max_runtime: timedelta | None = None
    stop_grace: timedelta = timedelta(seconds=60)
    on_health_failure: str = "ignore"
    health_retries: int = 1
    retry_delay: timedelta = timedelta(minutes=10)
    catch_up: bool = True
    misfire_grace: timedelta = timedelta(minutes=5)
    enabled: bool = True

    @property
    def timezone_name(self) -> str:
        return self.timezone.key


@dataclass(frozen=True)
class Schedule:
    """All entries of one schedule file, in file order."""

    path: Path
    entries: tuple[ScheduleEntry, ...]

    def get(self, name: str) -> ScheduleEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        known = ", ".join(entry.name for entry in self.entries) or "none"
        raise KeyError(f"no crawl named {name!r} in {self.path} (crawls: {known})")


# --- values -------------------------------------------------------------------


def parse_duration(value: Any) -> timedelta:
    """``"1h30m"``, ``"90s"``, ``"2d"`` or a number of seconds; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(value)
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value.strip().replace(" ", ""))
        if match and any(match.groupdict().values()):
            parts = {key: int(number or 0) for key, number in match.groupdict().items()}
            return timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"],
                             seconds=parts["s"])
    raise ValueError(value)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration` for display: ``1h30m``, ``45s``."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def setting_value_text(value: Any) -> str:
    """How a TOML value is written after ``-s NAME=``: what Scrapy's getters parse back.

    Booleans become ``True``/``False`` (``getbool``), tables and arrays JSON
    (``getdict``/``getlist`` decode JSON strings), numbers and strings stay as they are.
    """
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


# --- validation ----------------------------------------------------------------


class _Problem(TypeError):
    """A bad option value; ``subkey`` names the item of a table option (``args.x``)."""

    def __init__(self, message: str, subkey: str | None = None) -> None:
        super().__init__(message)
        self.subkey = subkey


def _check_string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"expected a non-empty string, got {_describe(value)}")
    return value.strip()


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {_describe(value)}")
    return value


def _check_duration(value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError:
        raise TypeError(f"expected {_DURATION_HINT}, got {_describe(value)}") from None


def _check_max_runtime(value: Any) -> timedelta | None:
    if value in (0, "0", "", "none"):
        return None
    duration = _check_duration(value)
    return duration or None


def _check_timezone(value: Any) -> ZoneInfo:
    name = _check_string(value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TypeError(
            f'unknown time zone "{name}" (use an IANA name such as "UTC" or "Europe/Paris")'
        ) from None


def _check_cron(value: Any) -> str:
    expression = _check_string(value)
    try:
        validate_cron(expression)
    except CronError as error:
        raise TypeError(str(error)) from None
    return expression


def _check_policy(value: Any) -> str:
    if value not in HEALTH_POLICIES:
        choices = ", ".join(f'"{policy}"' for policy in HEALTH_POLICIES)
        raise TypeError(f"expected one of {choices}, got {_describe(value)}")
    return value


def _check_retries(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TypeError(f"expected a whole number of at least 1, got {_describe(value)}")
    return value


def _check_args(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a table of spider arguments, got {_describe(value)}")
    args = {}
    for key, item in value.items():
        if "=" in key or not key:
            raise _Problem(f'argument name "{key}" cannot be empty or contain "="')
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise _Problem(
                f"expected a string or a number (spider arguments are text), "
                f"got {_describe(item)}",
                subkey=key,
            )
        args[key] = str(item)
    return args


def _check_settings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a table of Scrapy settings, got {_describe(value)}")
    settings = {}
    for key, item in value.items():
        if not _SETTING_NAME.match(key):
            raise _Problem(
                "not a Scrapy setting name (those are upper case, such as DEPTH_LIMIT)",
                subkey=key,
            )
        settings[key] = setting_value_text(item)
    return settings


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _type_name(value)


#: Entry option -> validator returning the parsed value (raising TypeError with the problem).
_OPTIONS: dict[str, Any] = {
    "spider": _check_string,
    "cron": _check_cron,
    "args": _check_args,
    "settings": _check_settings,
    "timezone": _check_timezone,
    "max_runtime": _check_max_runtime,
    "stop_grace": _check_duration,
    "on_health_failure": _check_policy,
    "health_retries": _check_retries,
    "retry_delay": _check_duration,
    "catch_up": _check_bool,
    "misfire_grace": _check_duration,
    "enabled": _check_bool,
}
REQUIRED_OPTIONS = ("spider", "cron")
#: Options whose tables are merged with the [defaults] table rather than replacing it.
_MERGED_OPTIONS = ("args", "settings")


def _unknown_key_problem(where: str, key: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f'did you mean "{close[0]}"?' if close else "known keys: " + ", ".join(known)
    return f'{where} unknown key "{key}" ({hint})'


def _validate_options(table: Mapping[str, Any], where: str, problems: list[str]) -> dict:
    parsed: dict[str, Any] = {}
    for key, value in table.items():
        check = _OPTIONS.get(key)
        if check is None:
            problems.append(_unknown_key_problem(where, key, _OPTIONS))
            continue
        try:
            parsed[key] = check(value)
        except TypeError as error:
            subkey = getattr(error, "subkey", None)
            label = f"{key}.{subkey}" if subkey else key
            problems.append(f"{where} {label}: {error}")
    return parsed


def parse_schedule(document: Mapping[str, Any], source: str | Path) -> Schedule:
    """Validate a decoded TOML document; raises :class:`ScheduleConfigError`."""
    source_text = str(source)
    problems: list[str] = []
    for key in document:
        if key not in (DEFAULTS_TABLE, ENTRIES_TABLE):
            problems.append(
                f'unknown top-level key "{key}" (expected a [{DEFAULTS_TABLE}] table and '
                f"[{ENTRIES_TABLE}.NAME] tables)"
            )

    defaults_table = document.get(DEFAULTS_TABLE, {})
    defaults: dict[str, Any] = {}
    if isinstance(defaults_table, dict):
        defaults = _validate_options(defaults_table, f"[{DEFAULTS_TABLE}]", problems)
    else:
        problems.append(f'"{DEFAULTS_TABLE}" must be a table ([{DEFAULTS_TABLE}])')

    entries_table = document.get(ENTRIES_TABLE, {})
    if not isinstance(entries_table, dict):
        problems.append(f'"{ENTRIES_TABLE}" must be tables ([{ENTRIES_TABLE}.NAME])')
        entries_table = {}

    entries = []
    for name, table in entries_table.items():
        where = f"[{ENTRIES_TABLE}.{name}]"
        if not _ENTRY_NAME.match(name):
            problems.append(
                f'{where} invalid name "{name}": use letters, digits, "-", "_" and "." '
                f"(it names the crawl's log and state files)"
            )
            continue
        if not isinstance(table, dict):
            problems.append(f"{where} must be a table of options, got {_describe(table)}")
            continue
        options = _validate_options(table, where, problems)
        merged = {**defaults, **options}
        for key in _MERGED_OPTIONS:
            if key in defaults and key in options:
                merged[key] = {**defaults[key], **options[key]}
        missing = [key for key in REQUIRED_OPTIONS if key not in merged and key not in table]
        for key in missing:
            problems.append(f"{where} {key}: missing (required)")
        if missing or any(key in table and key not in options for key in _OPTIONS):
            continue
        entries.append(ScheduleEntry(name=name, **merged))

    if problems:
        raise ScheduleConfigError(source_text, problems)
    return Schedule(Path(source), tuple(entries))


def load_schedule(path: str | Path) -> Schedule:
    """Read and validate a schedule file; raises :class:`ScheduleConfigError`."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ScheduleConfigError(
            str(path), ["file not found (see docs/scheduling.md for the format)"]
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ScheduleConfigError(str(path), [f"not valid TOML: {error}"]) from None
    except UnicodeDecodeError as error:
        raise ScheduleConfigError(str(path), [f"not UTF-8 text: {error}"]) from None
    return parse_schedule(document, path)


def check_spiders(schedule: Schedule, known_spiders: Iterable[str]) -> None:
    """Fail with the same error style when an entry names a spider the project lacks."""
    known = sorted(set(known_spiders))
    problems = []
    for entry in schedule.entries:
        if entry.spider in known:
            continue
        close = difflib.get_close_matches(entry.spider, known, n=1)
        hint = f'did you mean "{close[0]}"?' if close else (
            "spiders in this project: " + (", ".join(known) or "none"))
        problems.append(
            f'[{ENTRIES_TABLE}.{entry.name}] spider: unknown spider "{entry.spider}" ({hint})'
        )
    if problems:
        raise ScheduleConfigError(str(schedule.path), problems)
