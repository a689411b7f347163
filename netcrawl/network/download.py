"""A resumable, verified file download over a list of sources (a URL and its mirrors).

:class:`DownloadJob` is the decision logic only; it does no networking. The
``download`` command feeds it what Scrapy's downloader reports (headers as
they arrive, body chunks, the final status or the failure) and sends the
request it asks for next, so the project's user agent, proxy, retry and TLS
settings apply to every byte. The rules:

* every request asks for ``Range: bytes=<have>-<have + chunk - 1>``
  (from 0 at first), with ``If-Range`` when resuming; a 200 replaces what we
  have, a 206 is appended only if its Content-Range starts exactly at
  ``<have>``, and the next chunk is asked for until the total is reached;
* a truncated body (connection closed before Content-Length was reached) or
  a failure in the middle of a verified 206 keeps the bytes received and
  resumes from there, as long as each attempt makes progress and at most
  ``max_resumes`` times per source;
* any other failure (refused, timeout, DNS, 4xx/5xx, bad Content-Range,
  checksum mismatch) is recorded with its reason and the next source starts
  from byte 0;
* the destination appears only when complete and verified.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from netcrawl.network.content_range import parse_content_range, parse_unsatisfied_range
from netcrawl.network.partfile import ChecksumMismatch, PartFile, PartOrigin

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFailure:
    url: str
    reason: str


@dataclass(frozen=True)
class RequestPlan:
    """The next request to send: URL and the headers that make it resumable."""

    url: str
    headers: dict[str, str]
    offset: int


class Progress:
    """Progress callbacks; the base class ignores them (quiet mode)."""

    def begin(self, url: str, total: int | None, initial: int) -> None:
        """A response body starts; ``initial`` bytes are already on disk."""

    def advance(self, byte_count: int) -> None:
        """``byte_count`` more bytes arrived."""

    def end(self) -> None:
        """The current response is over (successfully or not)."""

    def close(self) -> None:
        """The whole job is over."""


@dataclass
class _Attempt:
    """What the headers of the response in flight told us."""

    offset: int
    content_length: int | None = None
    content_range_first: int | None = None
    headers_seen: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class DownloadJob:
    sources: list[str]
    destination: Path
    sha256: str | None = None
    max_resumes: int = 3
    #: Ask for at most this many bytes per request (0: the whole rest). With a
    #: server that honours ranges this bounds memory, because Scrapy holds
    #: each response body in memory until it is complete.
    chunk_size: int = 64 * 1024 * 1024
    progress: Progress = field(default_factory=Progress)
    #: Reports for the user: ``notify("source 1/3 ... failed: ...")``.
    notify: Callable[[str], None] = logger.warning

    def __post_init__(self) -> None:
        if not self.sources:
            raise ValueError("a download needs at least one URL")
        self.destination = Path(self.destination)
        self.part = PartFile(self.destination)
        self.failures: list[SourceFailure] = []
        self.index = 0
        self.resumes = 0
        self.succeeded = False
        self.final_sha256: str | None = None
        self.final_url: str | None = None
        self._attempt: _Attempt | None = None
        resumed = self.part.adopt_existing(self.sources[0])
        if resumed:
            self.notify(f"resuming {self.part.part} ({resumed} bytes) from {self.sources[0]}")

    # -- what to do next ---------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.succeeded or self.index >= len(self.sources)

    @property
    def current_url(self) -> str:
        return self.sources[self.index]

    def next_request(self) -> RequestPlan | None:
        """The request to send now, or None when the job is over."""
        if self.finished:
            return None
        offset = self.part.size
        headers = {
            # Identity coding: the bytes on disk must be the file itself, and
            # byte offsets must mean the same thing on every attempt.
            "Accept-Encoding": "identity",
            "Range": f"bytes={offset}-"
            + (str(offset + self.chunk_size - 1) if self.chunk_size > 0 else ""),
        }
        if offset and self.part.origin is not None and self.part.origin.if_range:
            headers["If-Range"] = self.part.origin.if_range
        self._attempt = _Attempt(offset=offset)
        return RequestPlan(self.current_url, headers, offset)

    # -- events from the downloader ------------------------------------------------

    def headers_received(self, headers: Mapping[str, str]) -> None:
        """Response headers arrived (also for retried or redirected responses)."""
        attempt = self._attempt or _Attempt(offset=self.part.size)
        self._attempt = attempt
        attempt.headers_seen = True
        attempt.headers = dict(headers)
        attempt.content_length = _int_or_none(headers.get("content-length"))
        content_range = parse_content_range(headers.get("content-range"))
        attempt.content_range_first = content_range.first if content_range else None
        self.part.begin_segment()
        total = None
        if content_range is not None and content_range.first == attempt.offset:
            total = content_range.total
            initial = attempt.offset
        else:
            total = attempt.content_length
            initial = 0
        self.progress.begin(self.current_url, total, initial)

    def bytes_received(self, data: bytes) -> None:
        self.part.write(data)
        self.progress.advance(len(data))

    def response_received(self, status: int, headers: Mapping[str, str],
                          flags: list[str]) -> None:
        """The final response of the current request (after retries and redirects)."""
        self.progress.end()
        attempt = self._attempt or _Attempt(offset=self.part.size)
        truncated = "dataloss" in flags
        offset = attempt.offset
        origin = PartOrigin(
            url=self.current_url,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )
        if status == HTTPStatus.OK:
            received = self.part.segment_bytes
            total = _int_or_none(headers.get("content-length"))
            self.part.accept_as_whole(_with_total(origin, total))
            if truncated:
                self._resume_or_fail(
                    f"truncated body: received {received} of {total} bytes", offset, 0
                )
            else:
                self._complete(total)
        elif status == HTTPStatus.PARTIAL_CONTENT:
            content_range = parse_content_range(headers.get("content-range"))
            if content_range is None or content_range.first != offset:
                self.part.drop_segment()
                self._fail_source(
                    f"bad Content-Range {headers.get('content-range')!r} for a request "
                    f"starting at byte {offset}"
                )
                return
            received = self.part.segment_bytes
            if received > content_range.length:
                self.part.drop_segment()
                self._fail_source(f"206 body longer than its Content-Range ({received} bytes)")
                return
            self.part.accept_as_continuation(_with_total(origin, content_range.total))
            if truncated or received < content_range.length:
                self._resume_or_fail(
                    f"truncated body: received {received} of {content_range.length} bytes "
                    f"from byte {offset}", offset, offset
                )
            elif content_range.total is not None and self.part.size < content_range.total:
                # A complete chunk (or a server sending less than asked for,
                # which is allowed): ask for the next one. Progress was made,
                # so the resume budget starts again.
                self.resumes = 0
            else:
                self._complete(content_range.total)
        elif status == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE and offset > 0:
            self.part.drop_segment()
            complete_length = parse_unsatisfied_range(headers.get("content-range"))
            if complete_length == offset:
                self._complete(complete_length)  # an earlier run got every byte
            else:
                self.notify(f"{self.current_url}: range from byte {offset} not satisfiable "
                            f"(resource is {complete_length} bytes); starting again")
                self.part.discard()
                self._resume_or_fail("range not satisfiable", offset, -1)
        else:
            self.part.drop_segment()
            self._fail_source(f"HTTP {status} {_phrase(status)}".rstrip())

    def request_failed(self, reason: str) -> None:
        """The current request failed without a final response (after retries)."""
        self.progress.end()
        attempt = self._attempt or _Attempt(offset=self.part.size)
        # Without a status line we only trust a body whose Content-Range said
        # it starts exactly at our offset: that can only be a 206 for us.
        if (attempt.headers_seen and attempt.content_range_first == attempt.offset
                and self.part.segment_bytes):
            offset = attempt.offset
            content_range = parse_content_range(attempt.headers.get("content-range"))
            self.part.accept_as_continuation(PartOrigin(
                url=self.current_url,
                etag=attempt.headers.get("etag"),
                last_modified=attempt.headers.get("last-modified"),
                total=content_range.total if content_range else None,
            ))
            self._resume_or_fail(reason, offset, offset)
            return
        self.part.drop_segment()
        self._fail_source(reason)

    # -- outcomes ------------------------------------------------------------------

    def _resume_or_fail(self, reason: str, offset_before: int, kept_from: int) -> None:
        """Resume from what is on disk if this attempt made progress, else give up on the source.

        ``kept_from`` is -1 when nothing usable was kept.
        """
        progressed = kept_from >= 0 and self.part.size > offset_before
        if progressed and self.resumes < self.max_resumes:
            self.resumes += 1
            self.notify(f"{self.current_url}: {reason}; resuming from byte {self.part.size} "
                        f"(attempt {self.resumes + 1} of {self.max_resumes + 1})")
            return
        if kept_from < 0 and self.resumes < self.max_resumes:
            self.resumes += 1
            return
        self._fail_source(reason)

    def _fail_source(self, reason: str) -> None:
        url = self.current_url
        self.failures.append(SourceFailure(url, reason))
        self.part.discard()
        self.index += 1
        self.resumes = 0
        position = f"source {self.index}/{len(self.sources)}"
        if self.index < len(self.sources):
            self.notify(f"{position} {url} failed: {reason}; trying the next mirror")
        else:
            self.notify(f"{position} {url} failed: {reason}")

    def _complete(self, expected_size: int | None) -> None:
        size = self.part.size
        if expected_size is not None and size != expected_size:
            self._fail_source(f"size mismatch: expected {expected_size} bytes, got {size}")
            return
        try:
            self.final_sha256 = self.part.finalise(self.sha256)
        except ChecksumMismatch as mismatch:
            self._fail_source(str(mismatch))
            return
        self.final_url = self.current_url
        self.succeeded = True


def _with_total(origin: PartOrigin, total: int | None) -> PartOrigin:
    return PartOrigin(origin.url, origin.etag, origin.last_modified, total)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
