"""``scrapy frontier``: seed, inspect and clear the shared Redis frontier of a spider.

- ``scrapy frontier push SPIDER URL...``: add start URLs (stored as JSON ``{"url": ...}``
  in the crawl's seed set); running workers pick them up within a heartbeat, new workers
  at start.
- ``scrapy frontier status SPIDER [--json]``: queued requests, fingerprints seen, seeds,
  places exported, and per worker: alive or not, requests in flight, requests done.
- ``scrapy frontier clear SPIDER [--force]``: delete every key of the spider's crawl; it
  refuses while a worker is alive unless ``--force``.

``REDIS_URL`` comes from the settings (``-s REDIS_URL=...``) or the environment.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import ClassVar

import redis
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from netcrawl.distributed import redis_url
from netcrawl.distributed.connection import FrontierUnavailable, frontier_client, masked_url
from netcrawl.distributed.frontier import Frontier, FrontierStatus
from netcrawl.distributed.keys import FrontierKeys
from netcrawl.distributed.seeds import BadSeed, encode_seed

ACTIONS = ("push", "status", "clear")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, str]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "push SPIDER URL... | status SPIDER [--json] | clear SPIDER [--force]"

    def short_desc(self) -> str:
        return "Seed, inspect or clear a spider's shared Redis frontier (REDIS_URL)"

    def long_desc(self) -> str:
        return (
            "push: add start URLs (JSON) to the spider's shared frontier; workers started "
            "with REDIS_URL crawl them. status: queue length, seen requests, seeds, places, "
            "and per worker: alive, in flight, done. clear: delete the crawl's keys (refused "
            "while a worker is alive, unless --force). See docs/distributed.md."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="status: print JSON")
        parser.add_argument(
            "--force", action="store_true", help="clear: even while workers are alive"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) < 2 or args[0] not in ACTIONS:
            raise UsageError(f"usage: scrapy frontier {self.syntax()}")
        action, spider, rest = args[0], args[1], args[2:]
        if action == "push" and not rest:
            raise UsageError("usage: scrapy frontier push SPIDER URL...")
        if action != "push" and rest:
            raise UsageError(f"unexpected arguments after the spider name: {' '.join(rest)}")
        known = get_spider_loader(self.settings).list()
        if spider not in known:
            print(f"warning: no spider named {spider!r} in this project "
                  f"(known: {', '.join(sorted(known))})", file=sys.stderr)
        try:
            frontier = Frontier(frontier_client(self.settings),
                                FrontierKeys.from_settings(self.settings, spider))
            getattr(self, f"_{action}")(frontier, rest, opts)
        except FrontierUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            self.exitcode = 1
        except redis.RedisError as error:
            print(f"error: Redis at {masked_url(redis_url(self.settings))}: {error}",
                  file=sys.stderr)
            self.exitcode = 1

    def _push(self, frontier: Frontier, urls: list[str], opts: argparse.Namespace) -> None:
        encoded = []
        for url in urls:
            try:
                encoded.append(encode_seed(url))
            except BadSeed as error:
                print(f"error: {error}", file=sys.stderr)
                self.exitcode = 2
        if self.exitcode:
            return  # all or nothing: a typo should not start half a crawl
        added = frontier.add_seeds(encoded)
        print(f"{added} new start URL(s) for {frontier.keys.spider} "
              f"({len(encoded) - added} already there); {frontier.seed_count()} in total")

    def _status(self, frontier: Frontier, _: list[str], opts: argparse.Namespace) -> None:
        status = frontier.status()
        if opts.json:
            print(json.dumps(status.as_dict(), indent=2))
            return
        print(format_status(status))

    def _clear(self, frontier: Frontier, _: list[str], opts: argparse.Namespace) -> None:
        alive = frontier.live_workers()
        if alive and not opts.force:
            print(f"error: {len(alive)} worker(s) still alive ({', '.join(alive)}); stop them "
                  "or use --force", file=sys.stderr)
            self.exitcode = 1
            return
        deleted = frontier.clear()
        print(f"cleared the frontier of {frontier.keys.spider}: {deleted} key(s) deleted")


def format_status(status: FrontierStatus) -> str:
    """The human-readable status table."""
    lines = [
        f"spider {status.spider}: {status.queued} queued, {status.in_flight} in flight, "
        f"{status.seen} seen, {status.seeds} seed(s), {status.places} place key(s)"
        + (f", {status.failed} undecodable" if status.failed else ""),
    ]
    if status.workers:
        width = max(len(worker.worker) for worker in status.workers)
        lines.append(f"{'worker':<{width}}  state  in-flight  done")
        for worker in status.workers:
            state = "alive" if worker.alive else "gone "
            lines.append(
                f"{worker.worker:<{width}}  {state}  {worker.in_flight:>9}  {worker.done:>4}"
            )
    else:
        lines.append("no workers")
    return "\n".join(lines)
