"""Turn SIGINT/SIGTERM into an event the foreground commands wait on.

``serve`` and ``listen`` run their servers in background threads and block
the main thread on this event, so Ctrl-C stops them at once (no waiting for
a ``select`` timeout) and without a KeyboardInterrupt traceback.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """Yield an event set by SIGINT or SIGTERM; previous handlers are restored on exit."""
    stop = threading.Event()
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.getsignal(signum) for signum in handled}

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    for signum in handled:
        signal.signal(signum, _on_signal)
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def wait_until(stop: threading.Event, *conditions: threading.Event) -> None:
    """Block until ``stop`` or any of ``conditions`` is set, waking often for signals."""
    while not stop.is_set() and not any(event.is_set() for event in conditions):
        stop.wait(0.1)
