"""``scrapy download``: fetch one file through Scrapy's downloader, with mirrors and resume."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from netcrawl.network.download import DownloadJob, Progress
from netcrawl.network.download_spider import FileDownloadSpider
from netcrawl.network.progress import TerminalProgress
from netcrawl.network.query import add_query_parameters, parse_parameter

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class Command(ScrapyCommand):
    requires_project = False

    def syntax(self) -> str:
        return "[options] URL -o FILE"

    def short_desc(self) -> str:
        return "Download a file through Scrapy's downloader, with mirrors, resume and checksum"

    def long_desc(self) -> str:
        return (
            "Download URL to FILE through Scrapy's downloader, so the project's user agent, "
            "proxy, retry and TLS settings apply (robots.txt is not consulted for an explicit "
            "download, and the size limits DOWNLOAD_MAXSIZE/DOWNLOAD_WARNSIZE are lifted). "
            "When a source fails (connection error, timeout, 4xx/5xx, truncated body, "
            "checksum mismatch) the next --mirror is tried and the reason printed. A "
            "truncated transfer resumes with a Range request from FILE.part. FILE appears "
            "only once complete and verified; if every source fails the command exits with "
            "status 1 and FILE is not created."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", required=True,
                            help="where to save the file (written as FILE.part until verified)")
        parser.add_argument("--mirror", metavar="URL", action="append", default=[],
                            help="another source of the same file, tried in order if the "
                                 "previous one fails (may be repeated)")
        parser.add_argument("--sha256", metavar="HEX",
                            help="expected SHA-256 of the file; a mismatch fails the source")
        parser.add_argument("-p", "--param", metavar="KEY=VALUE", action="append", default=[],
                            help="add a query parameter to every source URL (may be repeated)")
        parser.add_argument("--resume-attempts", metavar="N", type=int, default=3,
                            help="Range requests per source after a truncated transfer "
                                 "(default 3)")
        parser.add_argument("--chunk-size", metavar="SIZE", default="64M",
                            help="bytes per Range request, with K/M/G suffixes; bounds memory "
                                 "with servers that support ranges; 0 asks for everything at "
                                 "once (default 64M)")
        parser.add_argument("--timeout", metavar="SECONDS", type=float,
                            help="per-request timeout (default DOWNLOAD_TIMEOUT)")
        parser.add_argument("-q", "--quiet", action="store_true",
                            help="no progress bar and only warnings in the log")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if opts.quiet and not opts.loglevel:
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("download takes exactly one URL (add others with --mirror)")
        try:
            parameters = [parse_parameter(text) for text in opts.param]
        except ValueError as error:
            raise UsageError(f"-p: {error}", print_help=False) from None
        sources = [add_query_parameters(url, parameters) for url in [args[0], *opts.mirror]]
        for url in sources:
            if urlsplit(url).scheme not in {"http", "https"}:
                raise UsageError(f"not an http(s) URL: {url}", print_help=False)
        if opts.sha256 is not None and not _SHA256.match(opts.sha256):
            raise UsageError("--sha256 must be 64 hexadecimal digits", print_help=False)
        if opts.resume_attempts < 0:
            raise UsageError("--resume-attempts must be 0 or more", print_help=False)
        try:
            chunk_size = parse_size(opts.chunk_size)
        except ValueError as error:
            raise UsageError(f"--chunk-size: {error}", print_help=False) from None
        destination = Path(opts.output)
        if destination.is_dir():
            raise UsageError(f"-o {destination} is a directory", print_help=False)
        if not destination.parent.is_dir():
            raise UsageError(f"directory {destination.parent} does not exist", print_help=False)

        progress: Progress
        if not opts.quiet and sys.stderr.isatty():
            terminal = TerminalProgress(sys.stderr)
            progress, notify = terminal, terminal.write
        else:
            progress, notify = Progress(), _print_to_stderr
        job = DownloadJob(sources, destination, sha256=opts.sha256,
                          max_resumes=opts.resume_attempts, chunk_size=chunk_size,
                          progress=progress, notify=notify)
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(FileDownloadSpider)
        self.crawler_process.crawl(crawler, job=job, timeout=opts.timeout)
        self.crawler_process.start()
        progress.close()

        if job.succeeded:
            size = destination.stat().st_size
            print(f"saved {destination} ({size} bytes, sha256 {job.final_sha256}) "
                  f"from {job.final_url}", file=sys.stderr)
            return
        self.exitcode = 1
        if not job.finished:
            reason = getattr(crawler.spider, "close_reason", None) or "unknown"
            kept = (f"; {job.part.part} is kept and a later run resumes it"
                    if job.part.part.exists() else "")
            print(f"download interrupted: the crawl ended (reason: {reason}) before "
                  f"{destination} was complete{kept}", file=sys.stderr)
            return
        print(f"download failed: no source delivered {destination}", file=sys.stderr)
        for failure in job.failures:
            print(f"  {failure.url}: {failure.reason}", file=sys.stderr)


def parse_size(text: str) -> int:
    """``"64M"`` -> 67108864; plain numbers are bytes; K, M, G are powers of 1024."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?)i?B?\s*", text, re.IGNORECASE)
    if match is None:
        raise ValueError(f"not a size: {text!r}")
    exponent = " KMG".index(match.group(2).upper() or " ")
    return int(match.group(1)) * 1024**exponent


def _print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
