"""``scrapy listen``: accept TCP connections and report each one (optionally echoing)."""

from __future__ import annotations

import argparse
import logging

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from netcrawl.commands.bind_options import add_bind_options, check_bind, report_listen_failure
from netcrawl.network.addresses import format_host_port
from netcrawl.network.listener import ConnectionListener, ConnectionReport
from netcrawl.network.shutdown import stop_on_signals, wait_until

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options] PORT"

    def short_desc(self) -> str:
        return "Listen on a TCP port and report each connection (reachability tests)"

    def long_desc(self) -> str:
        return (
            "Open a TCP listener on PORT (0 picks a free port and prints it) and print one "
            "line per connection: peer address, bytes received and sent, duration. With "
            "--echo, data is sent back. This is the other half of a reachability test run "
            "with 'scrapy probe' from another machine. Listens on 127.0.0.1 unless --bind "
            "names another address together with --allow-remote. Stops on Ctrl-C, SIGTERM "
            "or after --count connections."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_bind_options(parser, "allow a non-loopback --bind address")
        parser.add_argument("--echo", action="store_true", help="send received data back")
        parser.add_argument("--max-connections", metavar="N", type=int, default=16,
                            help="connections handled at once; more are closed (default 16)")
        parser.add_argument("--count", metavar="N", type=int,
                            help="exit after N connections have been reported")
        parser.add_argument("--idle-timeout", metavar="SECONDS", type=float, default=30.0,
                            help="close a connection idle this long (default 30)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) > 65535:
            raise UsageError("give one PORT between 0 and 65535")
        port = int(args[0])
        if opts.max_connections < 1:
            raise UsageError("--max-connections must be at least 1", print_help=False)
        if opts.count is not None and opts.count < 1:
            raise UsageError("--count must be at least 1", print_help=False)
        if opts.idle_timeout <= 0:
            raise UsageError("--idle-timeout must be positive", print_help=False)
        remote = check_bind(opts, "accept connections from other machines")
        assert self.settings is not None
        configure_logging(self.settings)
        listener = ConnectionListener(
            opts.bind, port, echo=opts.echo, max_connections=opts.max_connections,
            idle_timeout=opts.idle_timeout, count=opts.count, on_report=_print_report,
        )
        try:
            listener.start()
        except OSError as error:
            report_listen_failure(opts.bind, port, error)
            self.exitcode = 1
            return
        if remote:
            logger.warning("listening on %s, reachable from other machines",
                           format_host_port(opts.bind, listener.port))
        mode = "echo" if opts.echo else "report only"
        # Handlers first, then the ready line: whoever waits for it may signal at once.
        with stop_on_signals() as stop:
            print(f"Listening on {format_host_port(opts.bind, listener.port)} ({mode}); "
                  "Ctrl-C to stop", flush=True)
            try:
                wait_until(stop, listener.reached)
            finally:
                listener.stop()
        print(f"Stopped after {len(listener.reports)} connection(s)", flush=True)


def _print_report(report: ConnectionReport) -> None:
    print(report.describe(), flush=True)
