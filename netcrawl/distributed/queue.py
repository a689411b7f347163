"""scrapy-redis's priority queue, popping each request into the worker's in-flight set.

scrapy-redis pops with ``ZRANGE`` + ``ZREMRANGEBYRANK``: once popped, a request exists
only in the worker's memory, and a worker killed then loses it. :meth:`claim` instead
moves it atomically into the worker's in-flight sorted set (same score, so a requeue
keeps its priority) and returns the stored bytes the scheduler acknowledges later.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

from netcrawl.distributed.frontier import Frontier


class InFlightPriorityQueue(PriorityQueue):
    """Requests ordered by priority (``SCHEDULER_QUEUE_CLASS``), popped into in-flight."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None,
                 frontier: Frontier | None = None) -> None:
        super().__init__(server, spider, key, serializer)
        if frontier is None:
            raise ValueError("InFlightPriorityQueue needs the worker's Frontier")
        self.frontier = frontier

    def claim(self) -> tuple[bytes, Request] | None:
        """The next request and its stored form; it stays in flight until acknowledged.

        Raises what decoding raises (a callback the spider lacks...): the caller sets
        such a request aside with :meth:`Frontier.set_aside`.
        """
        encoded = self.frontier.claim()
        if encoded is None:
            return None
        return encoded, self._decode_request(encoded)

    def encode(self, request: Request) -> bytes:
        return self._encode_request(request)

    def push_unseen(self, request: Request, fingerprint: str | None) -> bool:
        """Push ``request`` unless ``fingerprint`` is already in the shared duplicate filter.

        One round trip instead of scrapy-redis's two (``SADD`` then ``ZADD``); None as the
        fingerprint queues the request unconditionally (``dont_filter``).
        """
        return self.frontier.enqueue(fingerprint, self._encode_request(request),
                                     -request.priority)

    def decode(self, encoded: bytes) -> Request:
        return self._decode_request(encoded)

    def pop(self, timeout: int = 0) -> Request | None:
        """scrapy-redis's interface; the scheduler uses :meth:`claim` to keep the bytes."""
        claimed = self.claim()
        return claimed[1] if claimed else None
