"""Stand-in for ``python -m scrapy crawl`` in scheduler tests that need odd children fast.

The scheduler runs ``<python> -m scrapy crawl SPIDER --fail-on-health -a k=v ... -s K=V``;
tests point ``python`` at a wrapper that runs this file with those arguments. The
``mode`` spider argument picks the behaviour:

- ``ok``: exit 0; ``crash``: log an ERROR line and exit 1; ``health``: exit 3;
- ``flaky``: exit 3 on the first call, 0 afterwards (counts calls in ``-a counter=FILE``);
- ``sleep``: sleep (``-a seconds=N``, default 60); exits 0 on SIGTERM, like Scrapy's
  graceful shutdown; ``stubborn``: sleep and ignore SIGTERM (needs SIGKILL).

Every call appends one line "<pid> start|end <mode>" to ``-a journal=FILE`` if given,
so tests can check that runs never overlapped.
"""

import itertools
import signal
import stat
import sys
import time
from pathlib import Path


def make_fake_python(directory: Path) -> str:
    """An executable standing in for ``sys.executable``: ``<it> -m scrapy crawl ...``."""
    wrapper = directory / "fake-python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


def main(argv: list[str]) -> int:
    args = {}
    for flag, value in itertools.pairwise(argv):
        if flag == "-a":
            key, _, text = value.partition("=")
            args[key] = text
    mode = args.get("mode", "ok")
    journal = Path(args["journal"]) if "journal" in args else None

    def note(event: str) -> None:
        if journal is not None:
            with journal.open("a") as handle:
                handle.write(f"{time.time():.3f} {event} {mode}\n")

    if mode == "sleep":
        signal.signal(signal.SIGTERM, lambda *_: (note("end"), sys.exit(0)))
    elif mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    note("start")
    print(f"fake crawl {mode} argv={argv}", flush=True)
    if mode == "crash":
        print("2026-01-01 00:00:00 [spiders.base] ERROR: boom: the site is on fire", flush=True)
        note("end")
        return 1
    if mode == "health":
        note("end")
        return 3
    if mode == "flaky":
        counter = Path(args["counter"])
        calls = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(calls + 1))
        note("end")
        return 3 if calls == 0 else 0
    if mode in ("sleep", "stubborn"):
        time.sleep(float(args.get("seconds", 60)))
    note("end")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
