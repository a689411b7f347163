"""``scrapy probe``: DNS, TCP, TLS, HTTP and robots.txt checks of hosts, concurrently."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from netcrawl.network.probe import ProbeOptions, probe_all
from netcrawl.network.probe_report import render_json_lines, render_text
from netcrawl.network.targets import parse_target


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options] TARGET [TARGET ...]"

    def short_desc(self) -> str:
        return "Check that hosts answer: DNS, TCP connect time, TLS, HTTP, robots.txt"

    def long_desc(self) -> str:
        return (
            "Probe each TARGET (host, host:port, [IPv6]:port or http(s) URL) concurrently: "
            "resolve every A/AAAA address, time a TCP connect to each, and with --tls "
            "describe the TLS session and certificate (subject, issuer, SANs, expiry, name "
            "match, trust), with --http report the status line, Server header, redirect "
            "target and time to first byte, with --robots say whether robots.txt allows "
            "the project's USER_AGENT at '/'. Prints an aligned table, or one JSON object "
            "per target and line with --json. Exit status 0 when every target answered "
            "and passed the requested checks, 1 otherwise."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--timeout", metavar="SECONDS", type=float, default=5.0,
                            help="timeout of each step (default 5)")
        parser.add_argument("--tls", action="store_true",
                            help="TLS handshake and certificate details")
        parser.add_argument("--http", action="store_true",
                            help="GET the URL path (or /) and report status and TTFB")
        parser.add_argument("--robots", action="store_true",
                            help="check robots.txt for the project's user agent at /")
        parser.add_argument("--json", action="store_true",
                            help="one JSON object per target and line")
        parser.add_argument("--cafile", metavar="FILE",
                            help="extra CA certificates to trust (PEM)")
        parser.add_argument("--insecure", action="store_true",
                            help="do not verify certificates for --http/--robots over https")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one TARGET")
        if opts.timeout <= 0:
            raise UsageError("--timeout must be positive", print_help=False)
        try:
            targets = [parse_target(text, tls=opts.tls) for text in args]
        except ValueError as error:
            raise UsageError(str(error), print_help=False) from None
        assert self.settings is not None
        user_agent = (self.settings.get("ROBOTSTXT_USER_AGENT")
                      or self.settings.get("USER_AGENT") or "netcrawl")
        options = ProbeOptions(timeout=opts.timeout, tls=opts.tls, http=opts.http,
                               robots=opts.robots, user_agent=user_agent,
                               cafile=opts.cafile, insecure=opts.insecure)
        reports = probe_all(targets, options)
        print(render_json_lines(reports) if opts.json else render_text(reports), flush=True)
        self.exitcode = 0 if all(report.ok for report in reports) else 1
