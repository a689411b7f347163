"""Per-entry scheduler state kept across restarts: ``<state dir>/state/<entry>.json``.

What the catch-up rule needs (the fire time the last run was for), what ``--list``
shows (last start, end, exit status, outcome, log and run folder), the run in
progress (so a scheduler that died mid-run is noticed by the next one: that run is
recorded as ``interrupted`` and its fire time counts as missed), a pending health
retry and a health-failure disable.

One file per entry, not one shared file: a file is only written by the process
holding the entry's lock (:mod:`netcrawl.scheduling.locking`), so two schedulers
(an overlapping ``--once`` from cron, say) never overwrite each other's updates.
Files are replaced atomically, so a crash leaves the old or the new state.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from netcrawl.datasets.runs import write_json_atomic

logger = logging.getLogger(__name__)

STATE_VERSION = 1

# Outcomes of one run.
OK = "ok"
FAILED = "failed"
HEALTH_FAILED = "health_failed"
TIMED_OUT = "timed_out"
KILLED = "killed"
STOPPED = "stopped"
INTERRUPTED = "interrupted"
#: Outcomes after which the fire time counts as missed (caught up on the next start).
NOT_COMPLETED = frozenset({STOPPED, INTERRUPTED})


def _to_text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass
class RunRecord:
    """One attempt at running an entry (in progress while ``ended`` is None)."""

    fire: datetime | None  #: the fire time it ran for; None for a manual ``--run``
    started: datetime
    attempt: int = 1
    ended: datetime | None = None
    exit_code: int | None = None
    outcome: str | None = None
    pid: int | None = None
    log: str | None = None
    run_dir: str | None = None
    message: str | None = None

    @property
    def duration_seconds(self) -> float | None:
        if self.ended is None:
            return None
        return (self.ended - self.started).total_seconds()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("fire", "started", "ended"):
            data[key] = _to_text(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        for key in ("fire", "started", "ended"):
            values[key] = _from_text(values.get(key))
        return cls(**values)


@dataclass
class PendingRetry:
    """A health-failure retry waiting for its time."""

    fire: datetime | None
    attempt: int
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"fire": _to_text(self.fire), "attempt": self.attempt, "at": _to_text(self.at)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingRetry:
        return cls(_from_text(data.get("fire")), int(data["attempt"]), _from_text(data["at"]))


@dataclass
class EntryState:
    """Everything the scheduler remembers about one entry."""

    last_fire: datetime | None = None
    last_run: RunRecord | None = None
    current: RunRecord | None = None
    retry: PendingRetry | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    outcomes: dict[str, int] = field(default_factory=dict)

    def finish(self, record: RunRecord) -> None:
        """Move ``record`` (now ended) from ``current`` to ``last_run``; count its outcome."""
        self.current = None
        self.last_run = record
        if record.outcome:
            self.outcomes[record.outcome] = self.outcomes.get(record.outcome, 0) + 1
        completed = record.fire is not None and record.outcome not in NOT_COMPLETED
        if completed and (self.last_fire is None or record.fire > self.last_fire):
            self.last_fire = record.fire

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "last_fire": _to_text(self.last_fire),
            "last_run": self.last_run.to_json() if self.last_run else None,
            "current": self.current.to_json() if self.current else None,
            "retry": self.retry.to_json() if self.retry else None,
            "disabled_at": _to_text(self.disabled_at),
            "disabled_reason": self.disabled_reason,
            "outcomes": dict(sorted(self.outcomes.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntryState:
        return cls(
            last_fire=_from_text(data.get("last_fire")),
            last_run=RunRecord.from_json(data["last_run"]) if data.get("last_run") else None,
            current=RunRecord.from_json(data["current"]) if data.get("current") else None,
            retry=PendingRetry.from_json(data["retry"]) if data.get("retry") else None,
            disabled_at=_from_text(data.get("disabled_at")),
            disabled_reason=data.get("disabled_reason"),
            outcomes={str(k): int(v) for k, v in (data.get("outcomes") or {}).items()},
        )


class StateStore:
    """Entry states below ``<state dir>/state/``."""

    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.directory = Path(state_dir) / "state"

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def load(self, name: str) -> EntryState:
        """The entry's state; a fresh one if there is none or the file is unreadable.

        An unreadable file is moved aside (``.corrupt``) with a WARNING rather than
        stopping the scheduler: the entry then behaves as a new one.
        """
        path = self.path(name)
        try:
            with path.open(encoding="utf-8") as handle:
                return EntryState.from_json(json.load(handle))
        except FileNotFoundError:
            return EntryState()
        except (OSError, ValueError, KeyError, TypeError) as error:
            aside = path.with_name(path.name + ".corrupt")
            logger.warning("Scheduler state %s is unreadable (%s); moved to %s, starting afresh",
                           path, error, aside)
            with contextlib.suppress(OSError):
                os.replace(path, aside)
            return EntryState()

    def save(self, name: str, state: EntryState) -> None:
        """Replace the entry's state file atomically (call with the entry's lock held)."""
        write_json_atomic(self.path(name), state.to_json())
