"""The compact multi-map used for duplicate detection."""

from __future__ import annotations

import random

from netcrawl.quality.keytable import CompactKeyTable


def test_add_get_and_multiple_values():
    table = CompactKeyTable(capacity=4)
    table.add(42, 1)
    table.add(42, 2)
    table.add(42, 2)  # same entry stored once
    table.add(7)
    assert sorted(table.get_all(42)) == [1, 2]
    assert 7 in table and 8 not in table
    assert table.get(8) is None
    assert len(table) == 3


def test_zero_and_large_keys():
    table = CompactKeyTable()
    table.add(0, 5)  # 0 is the empty marker: stored under a substitute, still found
    table.add((1 << 64) - 1, (1 << 64) - 1)
    assert table.get(0) == 5
    assert table.get((1 << 64) - 1) == (1 << 64) - 1


def test_growth_keeps_every_entry_and_stays_compact():
    rng = random.Random(1)
    keys = [rng.getrandbits(64) | 1 for _ in range(50_000)]
    table = CompactKeyTable()
    for index, key in enumerate(keys):
        table.add(key, index)
    assert len(table) == 50_000
    assert all(table.get(key) == index for index, key in enumerate(keys[:2000]))
    assert rng.getrandbits(64) | 1 not in table
    # 16 bytes per slot at most 60 % full, at most twice that after a doubling
    assert table.nbytes <= 50_000 * 16 / 0.6 * 2 + 1024
