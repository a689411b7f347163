"""Text for ``scrapy schedule --list``: each entry's next fire times and last run.

Times are shown in the entry's own time zone (that is what its cron line means), last
runs in UTC (the timestamps of run folders and log files are UTC too).
"""

from __future__ import annotations

from datetime import datetime

from netcrawl.scheduling.config import Schedule, ScheduleEntry, format_duration
from netcrawl.scheduling.scheduler import Scheduler
from netcrawl.scheduling.state import EntryState, RunRecord
from netcrawl.scheduling.timing import cron_times

_TIME = "%Y-%m-%d %H:%M %Z"


def _local(moment: datetime, entry: ScheduleEntry) -> str:
    return moment.astimezone(entry.timezone).strftime(_TIME)


def _utc(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "?"


def describe_run(record: RunRecord) -> str:
    """One line: outcome, exit status, when, how long, where its log and data are."""
    parts = [record.outcome or "running"]
    if record.exit_code is not None:
        parts.append(f"exit {record.exit_code}")
    if record.attempt > 1:
        parts.append(f"attempt {record.attempt}")
    parts.append(f"started {_utc(record.started)}")
    if record.duration_seconds is not None:
        parts.append(f"took {record.duration_seconds:.1f} s")
    text = ", ".join(parts)
    if record.message and record.outcome not in (None, "ok") and record.message != (
            f"exit status {record.exit_code}"):
        text += f" ({record.message})"
    if record.run_dir:
        text += f"\n      run folder: {record.run_dir}"
    if record.log:
        text += f"\n      log: {record.log}"
    return text


def describe_entry(
    entry: ScheduleEntry, state: EntryState, now: datetime, count: int = 3
) -> list[str]:
    """The ``--list`` block of one entry."""
    options = [f"spider {entry.spider}", f'cron "{entry.cron}"', entry.timezone_name]
    if entry.max_runtime:
        options.append(f"max_runtime {format_duration(entry.max_runtime)}")
    options.append(f"on_health_failure {entry.on_health_failure}")
    lines = [f"{entry.name} ({', '.join(options)})"]
    if not entry.enabled:
        lines.append("  disabled in the schedule file (enabled = false)")
    elif state.disabled_at is not None:
        lines.append(f"  DISABLED since {_utc(state.disabled_at)}: {state.disabled_reason}; "
                     f"re-enable with: scrapy schedule --enable {entry.name}")
    upcoming = cron_times(entry).upcoming(now, count)
    lines.append("  next:     " + ", ".join(_local(moment, entry) for moment in upcoming))
    plan = Scheduler.plan(entry, state, now)
    if state.current is not None:
        lines.append(f"  running:  pid {state.current.pid}, {describe_run(state.current)}")
    elif plan is not None:
        reason = ("health retry" if plan.attempt > 1 else
                  "never ran" if state.last_fire is None else "missed or due")
        target = _local(plan.fire, entry) if plan.fire else "manual run"
        lines.append(f"  due now:  for {target} ({reason}; runs on the next --once or "
                     f"daemon tick)")
    elif state.retry is not None:
        lines.append(f"  retry:    attempt {state.retry.attempt} at {_utc(state.retry.at)}")
    if state.last_run is not None:
        lines.append(f"  last run: {describe_run(state.last_run)}")
    else:
        lines.append("  last run: none yet")
    if state.outcomes:
        lines.append("  history:  " + ", ".join(f"{outcome} {runs}" for outcome, runs
                                                 in state.outcomes.items()))
    return lines


def describe_schedule(
    schedule: Schedule, states: dict[str, EntryState], now: datetime, count: int = 3
) -> str:
    if not schedule.entries:
        return (f"{schedule.path}: no crawls scheduled (add a [crawls.NAME] table; "
                f"see docs/scheduling.md)")
    blocks = ["\n".join(describe_entry(entry, states[entry.name], now, count))
              for entry in schedule.entries]
    return f"Schedule {schedule.path} at {_utc(now)}\n\n" + "\n\n".join(blocks)
