"""``scrapy dataset list|show|diff|export|report``: work with the run history.

Thin command over :mod:`netcrawl.datasets`; runs are named by folder path,
``<spider>/<run>``, ``<spider>/latest`` or just ``<spider>`` (its latest run).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from netcrawl.datasets.diff import DEFAULT_MOVE_THRESHOLD_M, diff_files, write_diff
from netcrawl.datasets.export import EXPORT_FORMATS
from netcrawl.datasets.merge import InvalidFilterError, export_latest
from netcrawl.datasets.report import write_report
from netcrawl.datasets.runs import Run, RunNotFoundError, RunStore

SUBCOMMANDS = ("list", "show", "diff", "export", "report")


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False

    def syntax(self) -> str:
        return "list|show|diff|export|report [RUN ...] [options]"

    def short_desc(self) -> str:
        return "List, compare, merge and report on the crawl runs in data/runs"

    def long_desc(self) -> str:
        return (
            "list: runs per spider with places, duration and finish reason.\n"
            "show RUN: a run's stats summary and health checks.\n"
            "diff [OLD] [NEW]: places added, removed, moved (> --move-threshold metres) and "
            "changed between two runs (default: the last two finished runs of --spider); "
            "prints a table and writes diff.csv and diff.geojson to -o DIR (default: the "
            "newer run's folder).\n"
            "export --format FMT [--spider NAME ...] [--where EXPR] -o FILE: merge the latest "
            "run of each spider into one file, filtered with a pandas query expression.\n"
            "report [RUN]: write the run's self-contained HTML report (report.html).\n"
            "RUN is a folder path, SPIDER/RUN, SPIDER/latest or SPIDER. See docs/datasets.md."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--runs-dir", metavar="DIR",
                            help="runs directory (default: NETCRAWL_RUNS_DIR or data/runs)")
        parser.add_argument("--spider", action="append", default=[], metavar="NAME",
                            help="spider whose runs to use (repeatable for export)")
        parser.add_argument("-o", "--output", metavar="PATH",
                            help="diff: output folder; export: output file; report: file")
        parser.add_argument("--format", choices=EXPORT_FORMATS,
                            help="export format (default: from the -o extension)")
        parser.add_argument("--where", metavar="EXPR",
                            help="export: keep places matching this pandas query expression")
        parser.add_argument("--move-threshold", type=float, default=DEFAULT_MOVE_THRESHOLD_M,
                            metavar="METRES", help="diff: minimum move to report (default 50)")
        parser.add_argument("--limit", type=int, default=50, metavar="N",
                            help="diff: rows to print (default 50; files get every change)")
        parser.add_argument("--all", action="store_true",
                            help="list: include unfinished (.partial) runs")
        parser.add_argument("--json", action="store_true", help="list/show: print JSON")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] not in SUBCOMMANDS:
            raise UsageError(f"choose one of: {', '.join(SUBCOMMANDS)}")
        assert self.settings is not None
        store = RunStore(opts.runs_dir or self.settings.get("NETCRAWL_RUNS_DIR") or None)
        action = getattr(self, f"_{args[0]}")
        try:
            action(store, args[1:], opts)
        except (RunNotFoundError, InvalidFilterError, ValueError, FileNotFoundError) as error:
            print(f"dataset {args[0]}: {error}", file=sys.stderr)
            self.exitcode = 1

    # --- subcommands ----------------------------------------------------------

    def _list(self, store: RunStore, args: list[str], opts: argparse.Namespace) -> None:
        rows = []
        for spider in opts.spider or store.spiders():
            latest = store.latest(spider)
            for run in store.runs(spider, include_partial=opts.all):
                rows.append({
                    "spider": spider,
                    "run": run.name,
                    "places": run.item_count,
                    "duration_s": round(run.duration_seconds, 1)
                    if run.duration_seconds is not None else None,
                    "finish_reason": run.finish_reason or ("(running or killed)"
                                                           if run.is_partial else None),
                    "health": run.stats.get("netcrawl/health/status"),
                    "latest": "*" if latest is not None and latest.name == run.name else "",
                })
        if opts.json:
            print(json.dumps(rows, indent=2))
        elif not rows:
            print(f"no runs under {store.root}")
        else:
            print(pd.DataFrame(rows).to_string(index=False, na_rep="-"))

    def _show(self, store: RunStore, args: list[str], opts: argparse.Namespace) -> None:
        run = self._one_run(store, args, opts)
        stats = run.stats
        if opts.json:
            print(json.dumps(stats, indent=2, sort_keys=True))
            return
        print(f"{run.ref}  ({run.path})")
        keys = ("start_time", "finish_time", "finish_reason", "elapsed_time_seconds",
                "item_scraped_count", "item_dropped_count", "netcrawl/items_exported",
                "response_received_count", "log_count/ERROR", "log_count/WARNING",
                "netcrawl/health/status")
        for key in keys:
            if key in stats:
                print(f"  {key:32} {stats[key]}")
        for prefix in ("netcrawl/fill_rate/", "netcrawl/dropped/"):
            entries = {k: v for k, v in stats.items() if k.startswith(prefix)}
            if entries:
                print(f"  {prefix}")
                for key, value in sorted(entries.items()):
                    shown = f"{value:.1%}" if "fill_rate" in prefix else value
                    print(f"    {key[len(prefix):]:30} {shown}")
        for check in stats.get("netcrawl/health/checks", []):
            print(f"  health {check['name']:24} {check['status']:8} {check['detail']}")
        print("  files: " + ", ".join(sorted(p.name for p in run.path.iterdir()
                                             if not p.name.startswith("."))))

    def _diff(self, store: RunStore, args: list[str], opts: argparse.Namespace) -> None:
        old, new = self._two_runs(store, args, opts)
        if old.places_path is None or new.places_path is None:
            raise RunNotFoundError(f"{old.ref if old.places_path is None else new.ref} "
                                   "has no places file")
        result = diff_files(old.places_path, new.places_path,
                            move_threshold_m=opts.move_threshold)
        out_dir = Path(opts.output) if opts.output else new.path
        csv_path, geojson_path = write_diff(result, out_dir)
        counts = result.counts()
        print(f"{old.ref} ({result.old_count} places) -> {new.ref} ({result.new_count} places)")
        print("  " + ", ".join(f"{kind}: {count}" for kind, count in counts.items()))
        table = result.table()
        if len(table):
            shown = table.drop(columns=["lat", "lon", "old_lat", "old_lon"]).head(opts.limit)
            print(shown.to_string(index=False, na_rep=""))
            if len(table) > opts.limit:
                print(f"... {len(table) - opts.limit} more rows in {csv_path}")
        print(f"wrote {csv_path} and {geojson_path}")

    def _export(self, store: RunStore, args: list[str], opts: argparse.Namespace) -> None:
        if not opts.output:
            raise UsageError("export needs -o FILE", print_help=False)
        count = export_latest(store, opts.output, format=opts.format,
                              spiders=opts.spider or None, where=opts.where)
        print(f"wrote {count} places to {opts.output}")

    def _report(self, store: RunStore, args: list[str], opts: argparse.Namespace) -> None:
        run = self._one_run(store, args, opts)
        path = write_report(run, store.previous_complete(run), opts.output)
        print(f"wrote {path}")

    # --- run selection --------------------------------------------------------

    def _single_spider(self, store: RunStore, opts: argparse.Namespace) -> str:
        if len(opts.spider) == 1:
            return opts.spider[0]
        spiders = store.spiders()
        if len(opts.spider) > 1 or len(spiders) != 1:
            raise UsageError(
                "name a run or one --spider (spiders with runs: "
                f"{', '.join(spiders) or 'none'})", print_help=False)
        return spiders[0]

    def _one_run(self, store: RunStore, args: list[str], opts: argparse.Namespace) -> Run:
        if len(args) > 1:
            raise UsageError("give one RUN", print_help=False)
        return store.resolve(args[0] if args else self._single_spider(store, opts))

    def _two_runs(self, store: RunStore, args: list[str], opts: argparse.Namespace
                  ) -> tuple[Run, Run]:
        if len(args) == 2:
            return store.resolve(args[0]), store.resolve(args[1])
        if len(args) == 1:
            new = store.resolve(args[0])
            old = store.previous_complete(new)
            if old is None:
                raise RunNotFoundError(f"no finished run of {new.spider} before {new.name}")
            return old, new
        if args:
            raise UsageError("diff takes at most two runs", print_help=False)
        spider = self._single_spider(store, opts)
        complete = store.complete_runs(spider)
        if len(complete) < 2:
            raise RunNotFoundError(f"spider {spider!r} has {len(complete)} finished run(s); "
                                   "diff needs two")
        return complete[-2], complete[-1]

