"""Where a Scrapy feed was written on the local disk, for files that go next to it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname


def local_feed_path(uri: str | Path) -> Path | None:
    """The local path of a feed URI ("file:///x/out.jsonl" or a plain path), else None.

    Remote feeds (s3://, ftp://...) have no "next to the export" on this machine.
    """
    if isinstance(uri, Path):
        return uri
    text = str(uri)
    parts = urlsplit(text)
    if parts.scheme == "file":
        return Path(url2pathname(unquote(parts.path)))
    if parts.scheme == "" or (len(parts.scheme) == 1 and text[1:3] in (":\\", ":/")):
        return Path(text)  # a plain path, or a Windows drive letter read as a scheme
    return None
