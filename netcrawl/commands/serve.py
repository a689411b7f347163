"""``scrapy serve``: serve a dataset folder or saved site over HTTP, read-only."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

import netcrawl
from netcrawl.commands.bind_options import add_bind_options, check_bind, report_listen_failure
from netcrawl.network.shutdown import stop_on_signals, wait_until
from netcrawl.serving import StaticFileServer

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options] [DIR]"

    def short_desc(self) -> str:
        return "Serve a directory of datasets over HTTP (read-only)"

    def long_desc(self) -> str:
        return (
            "Serve DIR (default: the project's data folder) over HTTP with GET and HEAD, "
            "byte ranges, conditional requests (ETag, If-Modified-Since), gzip for text "
            "formats and HTML directory listings with sizes and dates. Nothing outside DIR "
            "is ever served: no '..', no symlinks leaving DIR, no dotfiles. Binds to "
            "127.0.0.1 unless --bind names another address together with --allow-remote. "
            "Every request is logged; Ctrl-C stops the server."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_bind_options(parser, "allow a non-loopback --bind address (serves to the network)")
        parser.add_argument("--port", metavar="N", type=int, default=8000,
                            help="TCP port, 0 picks a free port and prints it (default 8000)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("serve takes at most one DIR")
        root = Path(args[0]) if args else netcrawl.DATA_DIR
        if not root.is_dir():
            raise UsageError(f"not a directory: {root}", print_help=False)
        if not 0 <= opts.port <= 65535:
            raise UsageError(f"invalid port: {opts.port}", print_help=False)
        remote = check_bind(opts, "serve to other machines")
        assert self.settings is not None
        configure_logging(self.settings)
        server = StaticFileServer(root, opts.bind, opts.port, request_log_level=logging.INFO)
        try:
            server.start()
        except OSError as error:
            report_listen_failure(opts.bind, opts.port, error)
            self.exitcode = 1
            return
        if remote:
            logger.warning("serving %s to the network on %s: anyone who can reach this "
                           "address can read it", server.root, server.url)
        # Handlers first, then the ready line: whoever waits for it may signal at once.
        with stop_on_signals() as stop:
            print(f"Serving {server.root} at {server.url} (port {server.port}); Ctrl-C to stop",
                  flush=True)
            try:
                wait_until(stop)
            finally:
                server.stop()
        print("Server stopped", flush=True)
