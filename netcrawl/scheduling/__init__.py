"""Run crawls on a cron-style schedule, each in its own process (``scrapy schedule``).

A Twisted reactor cannot be restarted, so a long-lived scheduler cannot run crawls
in-process; it starts ``scrapy crawl`` children instead. The package is a library the
command only wires up:

- :mod:`~netcrawl.scheduling.config`: read and validate ``schedule.toml``;
- :mod:`~netcrawl.scheduling.timing`: fire times (croniter, per-entry time zone) and
  the catch-up rule (at most one missed run per entry);
- :mod:`~netcrawl.scheduling.state`: per-entry run state kept across restarts;
- :mod:`~netcrawl.scheduling.locking`: one ``flock`` per entry, so no two runs of an
  entry overlap, even across scheduler processes;
- :mod:`~netcrawl.scheduling.runner`: one child process per crawl, its log file,
  the runtime limit;
- :mod:`~netcrawl.scheduling.scheduler`: decides what is due, starts it, records the
  outcome and applies the health-failure policy.

See docs/scheduling.md. The package itself imports nothing heavy (no Scrapy), so a
tool that only reads the schedule or takes a lock stays quick to start.
"""

from netcrawl.scheduling.config import (
    Schedule,
    ScheduleConfigError,
    ScheduleEntry,
    check_spiders,
    load_schedule,
)

__all__ = [
    "Schedule",
    "ScheduleConfigError",
    "ScheduleEntry",
    "check_spiders",
    "load_schedule",
]
