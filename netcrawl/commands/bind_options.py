"""``--bind``/``--allow-remote``, shared by the commands that open a listening socket.

``scrapy serve`` and ``scrapy listen`` both listen on loopback unless told
otherwise (see :mod:`netcrawl.network.addresses` for why): one definition keeps
their options, their refusal and their start-up failure message the same.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.exceptions import UsageError

from netcrawl.network.addresses import format_host_port, is_loopback_bind


def add_bind_options(parser: argparse.ArgumentParser, remote_help: str) -> None:
    """Add ``-b/--bind`` (default 127.0.0.1) and ``--allow-remote`` (``remote_help``)."""
    parser.add_argument("-b", "--bind", metavar="ADDR", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--allow-remote", action="store_true", help=remote_help)


def check_bind(opts: argparse.Namespace, remote_effect: str) -> bool:
    """Whether ``--bind`` is reachable from other machines; a usage error unless allowed.

    ``remote_effect`` ends the refusal: "add --allow-remote to <remote_effect>".
    """
    remote = not is_loopback_bind(opts.bind)
    if remote and not opts.allow_remote:
        raise UsageError(
            f"--bind {opts.bind} is not a loopback address; add --allow-remote to "
            f"{remote_effect}",
            print_help=False,
        )
    return remote


def report_listen_failure(bind: str, port: int, error: OSError) -> None:
    """Say on stderr why the socket could not be opened (port in use, no such address)."""
    print(f"cannot listen on {format_host_port(bind, port)}: {error}", file=sys.stderr)
