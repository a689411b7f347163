"""``scrapy schedule [FILE]``: run the crawls of a schedule file at their cron times.

Thin command over :mod:`netcrawl.scheduling` (see docs/scheduling.md): by default a
daemon that sleeps until the next fire time; ``--once`` runs what is due now and exits
(for system cron or a systemd timer); ``--list`` shows next fire times and last runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.conf import arglist_to_dict
from scrapy.utils.log import configure_logging

import netcrawl
from netcrawl.locations import writable_data_dir
from netcrawl.scheduling import Schedule, ScheduleConfigError, check_spiders, load_schedule
from netcrawl.scheduling.listing import describe_run, describe_schedule
from netcrawl.scheduling.scheduler import DEFAULT_KEEP_LOGS, Scheduler, once_exit_status
from netcrawl.scheduling.timing import utc_now

DEFAULT_SCHEDULE_FILE = "schedule.toml"
#: Settings of the scheduler itself, not forwarded to the crawls.
_OWN_SETTINGS_PREFIX = "NETCRAWL_SCHEDULE_"


@contextmanager
def _stop_events() -> Iterator[tuple[threading.Event, threading.Event]]:
    """SIGINT/SIGTERM once: stop cleanly (crawls get SIGTERM); twice: SIGKILL them now."""
    stop, kill_now = threading.Event(), threading.Event()
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.getsignal(signum) for signum in handled}

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            kill_now.set()
        stop.set()

    for signum in handled:
        signal.signal(signum, on_signal)
    try:
        yield stop, kill_now
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options] [FILE]"

    def short_desc(self) -> str:
        return "Run the crawls of a schedule file (schedule.toml) at their cron times"

    def long_desc(self) -> str:
        return (
            "Read FILE (default: schedule.toml in the project root) and run each entry's "
            "crawl in its own 'scrapy crawl' process at its cron times, never two runs of "
            "one entry at once, with a log file per run and the run recorded in the run "
            "history. After a restart each entry catches up with at most one missed run. "
            "Without options the command runs as a daemon (Ctrl-C or SIGTERM stops the "
            "running crawls cleanly; a second signal kills them). --once runs what is due "
            "now and exits (for cron or a systemd timer); --list prints next run times and "
            "the last run of each entry. -s NAME=VALUE options are passed on to every "
            "crawl. See docs/scheduling.md."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        modes = parser.add_mutually_exclusive_group()
        modes.add_argument("--once", action="store_true",
                           help="run the entries due now (one catch-up each), wait, exit")
        modes.add_argument("--list", action="store_true",
                           help="show each entry's next run times and last run, then exit")
        modes.add_argument("--run", metavar="NAME", action="append", default=[],
                           help="run this entry now, whatever its schedule (repeatable)")
        modes.add_argument("--enable", metavar="NAME",
                           help="re-enable an entry disabled by on_health_failure=disable")
        parser.add_argument("--count", type=int, default=3, metavar="N",
                            help="how many next run times --list shows (default 3)")
        parser.add_argument("--state-dir", metavar="DIR",
                            help="folder for state, locks and run logs (default "
                                 "NETCRAWL_SCHEDULE_DIR, else data/schedule)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("schedule takes at most one FILE")
        assert self.settings is not None
        path = Path(args[0]) if args else netcrawl.PROJECT_ROOT / DEFAULT_SCHEDULE_FILE
        try:
            schedule = load_schedule(path)
            check_spiders(schedule, get_spider_loader(self.settings).list())
        except ScheduleConfigError as error:
            print(error, file=sys.stderr)
            self.exitcode = 2
            return
        configure_logging(self.settings)
        scheduler = Scheduler(
            schedule,
            state_dir=self._state_dir(opts),
            project_root=netcrawl.PROJECT_ROOT,
            runs_dir=self._runs_dir(),
            extra_settings={key: value for key, value in arglist_to_dict(opts.set).items()
                            if not key.startswith(_OWN_SETTINGS_PREFIX)},
            keep_logs=self.settings.getint("NETCRAWL_SCHEDULE_KEEP_LOGS", DEFAULT_KEEP_LOGS),
        )
        if opts.list:
            states = {entry.name: scheduler.store.load(entry.name)
                      for entry in schedule.entries}
            print(describe_schedule(schedule, states, utc_now(), max(1, opts.count)))
        elif opts.enable:
            self._enable(scheduler, schedule, opts.enable)
        elif opts.run:
            self._run_now(scheduler, schedule, opts.run)
        elif opts.once:
            self._once(scheduler)
        else:
            self._daemon(scheduler)

    def _runs_dir(self) -> Path | None:
        assert self.settings is not None
        configured = self.settings.get("NETCRAWL_RUNS_DIR")
        return Path(configured) if configured else None

    def _state_dir(self, opts: argparse.Namespace) -> Path:
        assert self.settings is not None
        configured = opts.state_dir or self.settings.get("NETCRAWL_SCHEDULE_DIR")
        if not configured:
            return writable_data_dir() / "schedule"
        path = Path(configured)
        return path if path.is_absolute() else Path.cwd() / path

    def _enable(self, scheduler: Scheduler, schedule: Schedule, name: str) -> None:
        try:
            entry = schedule.get(name)
        except KeyError as error:
            raise UsageError(error.args[0], print_help=False) from None
        if not scheduler.enable(entry):
            print(f"{name} is running right now; try again when it has finished",
                  file=sys.stderr)
            self.exitcode = 1
            return
        print(f"{name} is enabled again")

    def _run_now(self, scheduler: Scheduler, schedule: Schedule, names: list[str]) -> None:
        try:
            entries = [schedule.get(name) for name in names]
        except KeyError as error:
            raise UsageError(error.args[0], print_help=False) from None
        with _stop_events() as (stop, kill_now):
            for entry in entries:
                if not scheduler.start(entry, manual=True):
                    print(f"{entry.name} is already running; not started", file=sys.stderr)
                    self.exitcode = 1
            while scheduler.active and not stop.is_set():
                scheduler.poll()
                stop.wait(0.25)
            if stop.is_set():
                scheduler.stop_all(kill_now)
        self._report(scheduler)

    def _once(self, scheduler: Scheduler) -> None:
        with _stop_events() as (stop, kill_now):
            records = scheduler.run_once(stop, kill_now)
        if not records:
            print("Nothing due", flush=True)
            return
        self._report(scheduler)

    def _report(self, scheduler: Scheduler) -> None:
        for entry, record in scheduler.finished:
            print(f"{entry.name}: {describe_run(record)}", flush=True)
        status = once_exit_status(scheduler.finished)
        self.exitcode = max(self.exitcode, status)

    def _daemon(self, scheduler: Scheduler) -> None:
        entries = [entry for entry in scheduler.schedule.entries if entry.enabled]
        if not entries:
            print(f"{scheduler.schedule.path}: no enabled crawls; nothing to schedule",
                  file=sys.stderr)
            self.exitcode = 1
            return
        with _stop_events() as (stop, kill_now):
            print(f"Scheduling {len(entries)} crawl(s) from {scheduler.schedule.path}; "
                  f"state and logs in {scheduler.state_dir}; Ctrl-C to stop", flush=True)
            scheduler.run_forever(stop, kill_now)
        print("Scheduler stopped", flush=True)
