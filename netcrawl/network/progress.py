"""A tqdm progress bar for downloads, shown only on a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

from netcrawl.network.download import Progress


class TerminalProgress(Progress):
    """Draw a byte-count bar on ``stream`` (stderr) while a response body arrives.

    Messages go through :meth:`write` so they do not break the bar.
    """

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self._bar: tqdm | None = None
        self._url: str | None = None

    def begin(self, url: str, total: int | None, initial: int) -> None:
        if self._bar is not None and self._url == url and self._bar.total == total:
            # The next chunk of the same file: keep one continuous bar.
            self._bar.n = initial
            self._bar.refresh()
            return
        self.close()
        self._url = url
        self._bar = tqdm(total=total, initial=initial, unit="B", unit_scale=True,
                         unit_divisor=1024, desc=url.rsplit("/", 1)[-1][:30] or url,
                         file=self.stream, leave=False, dynamic_ncols=True)

    def advance(self, byte_count: int) -> None:
        if self._bar is not None:
            self._bar.update(byte_count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def write(self, message: str) -> None:
        tqdm.write(message, file=self.stream)
