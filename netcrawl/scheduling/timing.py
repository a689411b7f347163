"""When an entry fires, and which (single) missed fire time a restart catches up with.

Fire times come from croniter, computed in the entry's own time zone (so "0 4 * * *"
in Europe/Paris stays at 04:00 local time across daylight-saving changes) and are
compared as aware datetimes, so the state file can keep them in UTC.

Catch-up rule, shared by the daemon and ``--once``: an entry is due when its most
recent fire time at or before *now* is later than the fire time its last run was
for. Only that most recent fire time is returned, so however many fire times
passed while the scheduler was down (or a long run was still going), the entry runs
once. An entry that never ran is due for its most recent fire time, so a new entry
(or ``--once`` right after adding one) runs straight away. With ``catch_up = false``
a fire time is only honoured while it is at most ``misfire_grace`` old (``--once``
from cron starts a few seconds late, so the grace must not be zero).

Daylight saving: a fire time that falls into the hour skipped in spring runs at the
first valid time after it (croniter's choice); a fixed-hour fire time that falls into
the hour repeated in autumn runs once, in its first occurrence, as classic cron does.
Expressions whose hour field is a wildcard (``*``, ``*/2``) fire in both occurrences,
since those are genuinely different instants of an "every N" schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from croniter import CroniterError, croniter

if TYPE_CHECKING:
    from netcrawl.scheduling.config import ScheduleEntry

#: Nicknames expanded here (not by croniter) so a hash id never changes their meaning.
CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_FIELDS = "minute hour day-of-month month day-of-week"
#: A schedule with no fire time within this many years is a mistake ("0 0 30 2 *").
_MAX_YEARS_BETWEEN_FIRES = 10


class CronError(ValueError):
    """A cron expression that cannot be used; the message says why."""


def expand_cron(expression: str) -> str:
    """The five-field form of ``expression`` (macros expanded, spacing normalised)."""
    text = " ".join(expression.split())
    return CRON_MACROS.get(text.lower(), text)


def validate_cron(expression: str) -> None:
    """Raise :class:`CronError` unless ``expression`` is a usable five-field cron line."""
    text = expand_cron(expression)
    if text.startswith("@"):
        raise CronError(
            f'unknown cron nickname "{expression}" (known: {", ".join(CRON_MACROS)})'
        )
    if len(text.split()) != 5:
        raise CronError(
            f'invalid cron expression "{expression}": expected 5 fields ({_FIELDS})'
        )
    try:
        CronTimes(expression, UTC, hash_key="validation").next_after(
            datetime(2000, 1, 1, tzinfo=UTC)
        )
    except CroniterError as error:
        reason = str(error)
        if "failed to find" in reason:
            reason = f"it never fires within {_MAX_YEARS_BETWEEN_FIRES} years"
        raise CronError(f'invalid cron expression "{expression}": {reason}') from None


def _is_second_occurrence(moment: datetime) -> bool:
    """True for the later of two instants sharing one local wall-clock time (autumn)."""
    first = moment.replace(fold=0).utcoffset()
    second = moment.replace(fold=1).utcoffset()
    return first != second and moment.utcoffset() == second and moment.fold == 1


class CronTimes:
    """Fire times of one cron expression in one time zone, returned in UTC.

    UTC, because aware datetimes in a zone with a repeated hour compare surprisingly
    (PEP 495: same-zone comparisons ignore ``fold``, and ``==`` across zones is False
    for ambiguous times); fire times are converted back to the entry's zone only for
    display.
    """

    def __init__(self, expression: str, zone: tzinfo, hash_key: str | None = None) -> None:
        self.expression = expand_cron(expression)
        self.zone = zone
        # "H" fields (Jenkins-style hashing) spread entries; the entry name seeds them.
        self.hash_id = hash_key.encode() if hash_key and "H" in self.expression else None
        hour_field = self.expression.split()[1] if len(self.expression.split()) > 1 else ""
        self.fires_in_repeated_hour = hour_field.startswith("*")

    def _iterator(self, start: datetime) -> croniter:
        return croniter(
            self.expression,
            start.astimezone(self.zone),
            hash_id=self.hash_id,
            max_years_between_matches=_MAX_YEARS_BETWEEN_FIRES,
        )

    def _keep(self, moment: datetime) -> bool:
        return self.fires_in_repeated_hour or not _is_second_occurrence(moment)

    def iter_after(self, moment: datetime) -> Iterator[datetime]:
        """Fire times strictly after ``moment``, ascending."""
        iterator = self._iterator(moment)
        while True:
            candidate = iterator.get_next(datetime)
            if self._keep(candidate):
                yield candidate.astimezone(UTC)

    def next_after(self, moment: datetime) -> datetime:
        return next(self.iter_after(moment))

    def upcoming(self, moment: datetime, count: int) -> list[datetime]:
        times = self.iter_after(moment)
        return [next(times) for _ in range(count)]

    def latest_at_or_before(self, moment: datetime) -> datetime | None:
        """The most recent fire time ``<= moment`` (None if there is none in range)."""
        # Fire times fall on whole minutes: start just after moment's minute.
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        iterator = self._iterator(start)
        try:
            while True:
                candidate = iterator.get_prev(datetime)
                if candidate <= moment and self._keep(candidate):
                    return candidate.astimezone(UTC)
        except CroniterError:
            return None


def cron_times(entry: ScheduleEntry) -> CronTimes:
    return CronTimes(entry.cron, entry.timezone, hash_key=entry.name)


def due_fire_time(
    entry: ScheduleEntry, last_fire: datetime | None, now: datetime
) -> datetime | None:
    """The fire time ``entry`` should run for at ``now``, or None (see module docstring)."""
    latest = cron_times(entry).latest_at_or_before(now)
    if latest is None:
        return None
    if last_fire is not None and latest <= last_fire:
        return None
    if not entry.catch_up and now - latest > entry.misfire_grace:
        return None
    return latest


def next_fire_time(entry: ScheduleEntry, now: datetime) -> datetime:
    """The first fire time after ``now``: when the daemon has to wake up for ``entry``."""
    return cron_times(entry).next_after(now)


def utc_now() -> datetime:
    return datetime.now(UTC)
