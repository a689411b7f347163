"""Incremental re-crawls: conditional requests, and the previous output of unchanged pages.

With ``NETCRAWL_INCREMENTAL = True`` a crawl remembers, per page, the ETag /
Last-Modified validators it saw and the items and requests the page yielded
(:mod:`~netcrawl.incremental.store`). The next crawl of the same spider asks
for those pages conditionally (:mod:`~netcrawl.incremental.conditional`) and,
where the server answers 304 Not Modified, yields the stored items and
requests instead of parsing an empty body (:mod:`~netcrawl.incremental.replay`).
:mod:`~netcrawl.incremental.extension` opens the stores and replaces the old
one only when a crawl finishes cleanly. See docs/incremental.md.
"""
