"""A compact hash table of 64-bit keys to 64-bit values, for duplicate detection at scale.

Deduplicating a million places must not mean keeping a million items, nor a
million Python ints in a ``set`` (~100 bytes each). :class:`CompactKeyTable`
stores keys and values in flat ``array('Q')`` buffers with open addressing
(linear probing), about 27 bytes per entry at its load factor, and allows
several values per key (places with the same name in one grid cell).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

_EMPTY = 0
_MAX_LOAD = 0.6
_MASK64 = (1 << 64) - 1


class CompactKeyTable:
    """Multi-map from non-zero 64-bit keys to 64-bit values (0 is reserved as empty)."""

    def __init__(self, capacity: int = 1024) -> None:
        size = 1
        while size < capacity:
            size <<= 1
        self._keys = array("Q", bytes(8 * size))
        self._values = array("Q", bytes(8 * size))
        self._mask = size - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        """Memory held by the buffers, for benchmarks and docs."""
        return (len(self._keys) + len(self._values)) * 8

    @staticmethod
    def _slot_key(key: int) -> int:
        key &= _MASK64
        return key if key != _EMPTY else 1

    def add(self, key: int, value: int = 0) -> None:
        """Insert one (key, value) entry; equal entries are stored once."""
        key = self._slot_key(key)
        value &= _MASK64
        if (self._count + 1) > _MAX_LOAD * (self._mask + 1):
            self._grow()
        keys, values, mask = self._keys, self._values, self._mask
        slot = key & mask  # keys are cryptographic hashes: the low bits are uniform
        while keys[slot] != _EMPTY:
            if keys[slot] == key and values[slot] == value:
                return
            slot = (slot + 1) & mask
        keys[slot] = key
        values[slot] = value
        self._count += 1

    def get_all(self, key: int) -> Iterator[int]:
        """Every value stored under ``key`` (nothing when absent)."""
        key = self._slot_key(key)
        keys, values, mask = self._keys, self._values, self._mask
        slot = key & mask  # keys are cryptographic hashes: the low bits are uniform
        while keys[slot] != _EMPTY:
            if keys[slot] == key:
                yield values[slot]
            slot = (slot + 1) & mask

    def get(self, key: int) -> int | None:
        """The first value stored under ``key``, or None."""
        return next(self.get_all(key), None)

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None

    def _grow(self) -> None:
        old_keys, old_values = self._keys, self._values
        size = (self._mask + 1) * 2
        self._keys = array("Q", bytes(8 * size))
        self._values = array("Q", bytes(8 * size))
        self._mask = size - 1
        self._count = 0
        for key, value in zip(old_keys, old_values, strict=True):
            if key != _EMPTY:
                self.add(key, value)
