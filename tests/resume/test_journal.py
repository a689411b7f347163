"""The journal file: what counts as pending, done and committed; torn and damaged lines."""

from __future__ import annotations

import os
import pickle

import pytest

from netcrawl.resume.journal import Journal, JournalError, JournalState, load_journal

FP_A, FP_B, FP_C = (bytes([n]) * 20 for n in (1, 2, 3))


def _journal(tmp_path, state: JournalState | None = None) -> Journal:
    path = tmp_path / "netcrawl.journal"
    journal = Journal(path)
    journal.open(state or load_journal(path), "places")
    return journal


def _items(state: JournalState) -> list[object]:
    return [pickle.loads(payload) for payload in state.committed_payloads()]


def test_a_missing_journal_is_a_new_crawl(tmp_path):
    state = load_journal(tmp_path / "netcrawl.journal")
    assert state.is_new and not state.pending and state.next_id == 1


def test_pending_is_what_is_not_done_and_items_count_only_once_their_page_is(tmp_path):
    journal = _journal(tmp_path)
    journal.request(1, FP_A, b"request-a")
    journal.request(2, FP_B, b"request-b")
    journal.item("1.1", pickle.dumps({"name": "from a"}))
    journal.done("1.1")
    journal.item("2.1", pickle.dumps({"name": "from b, page not finished"}))
    journal.seen(FP_C)
    journal.close()

    state = load_journal(journal.path)
    assert state.spider == "places"
    assert [(p.request_id, p.fingerprint, p.payload) for p in state.pending] == [
        (2, FP_B, b"request-b")
    ]
    assert state.done == {"1.1"} and state.done_requests == {1} and state.runs == 1
    assert state.seen == {FP_A, FP_B, FP_C}
    assert state.items == 2 and state.committed_items == 1
    assert _items(state) == [{"name": "from a"}]
    assert state.next_id == 3 and state.bad_lines == 0


def test_items_written_after_their_done_record_still_count(tmp_path):
    # Output a middleware recovers after a callback error arrives after the done mark.
    journal = _journal(tmp_path)
    journal.request(1, FP_A, b"a")
    journal.done("1.1")
    journal.item("1.1", pickle.dumps("late"))
    journal.close()
    assert _items(load_journal(journal.path)) == ["late"]


def test_a_dont_filter_repeat_of_a_finished_fetch_is_its_own_pending_fetch(tmp_path):
    journal = _journal(tmp_path)
    journal.request(1, FP_A, b"first")
    journal.done("1.1")
    journal.request(2, FP_A, b"again, dont_filter")
    journal.close()
    state = load_journal(journal.path)
    assert [p.payload for p in state.pending] == [b"again, dont_filter"]


def test_fingerprint_keys_tag_fetches_without_a_journaled_request(tmp_path):
    journal = _journal(tmp_path)
    key = "f" + FP_C.hex() + ".1"
    journal.item(key, pickle.dumps("redis-mode item"))
    journal.done(key)
    journal.close()
    state = load_journal(journal.path)
    assert _items(state) == ["redis-mode item"] and not state.pending


def test_a_torn_last_line_is_ignored_counted_and_cut_before_appending(tmp_path):
    journal = _journal(tmp_path)
    journal.request(1, FP_A, b"a")
    journal.item("1.1", pickle.dumps("whole"))
    journal.done("1.1")
    journal.request(2, FP_B, b"b")
    journal.close()
    intact = journal.path.stat().st_size
    with journal.path.open("ab") as file:
        file.write(b"D 2.1")  # the kill came in the middle of this record (no newline)

    state = load_journal(journal.path)
    assert state.torn_tail and state.bad_lines == 1
    assert state.valid_length == intact
    assert state.done == {"1.1"} and [p.request_id for p in state.pending] == [2]

    resumed = _journal(tmp_path, state)
    size = len(b"O 2\n")
    assert journal.path.stat().st_size == intact + size, "the torn record is cut"
    resumed.done("2.2")
    resumed.close()
    again = load_journal(journal.path)
    assert again.bad_lines == 0 and again.done == {"1.1", "2.2"} and not again.pending
    assert _items(again) == ["whole"]


def test_damaged_lines_anywhere_are_skipped_and_counted(tmp_path):
    journal = _journal(tmp_path)
    journal.request(1, FP_A, b"a")
    journal.close()
    with journal.path.open("ab") as file:
        file.write(b"R not-a-number xx yy\n\x00\x00\x00\nI 1 !!!not-base64!!!\nQ 1\n")
    journal = _journal(tmp_path, load_journal(journal.path))
    journal.done("1.2")
    journal.close()
    state = load_journal(journal.path)
    assert state.bad_lines == 4 and not state.torn_tail
    assert state.done == {"1.2"} and not state.pending


def test_records_appended_after_loading_are_not_replayed_from_that_state(tmp_path):
    journal = _journal(tmp_path)
    journal.item("1.1", pickle.dumps("old"))
    journal.done("1.1")
    state = load_journal(journal.path)
    journal.item("1.1", pickle.dumps("written after loading"))
    journal.close()
    assert _items(state) == ["old"]


def test_other_files_and_versions_are_refused(tmp_path):
    path = tmp_path / "netcrawl.journal"
    path.write_bytes(b"requests from something else\n")
    with pytest.raises(JournalError, match="not a netcrawl journal"):
        load_journal(path)
    path.write_bytes(b"netcrawl-journal 99 places\n")
    with pytest.raises(JournalError, match="version 99"):
        load_journal(path)


def test_each_record_is_one_line_written_in_one_piece(tmp_path):
    journal = _journal(tmp_path)
    payload = bytes(range(256)) * 40  # newlines and spaces inside the payload
    journal.request(7, FP_A, payload)
    journal.close()
    lines = journal.path.read_bytes().split(b"\n")
    assert len(lines) == 4 and lines[-1] == b""  # header, run, record, end
    assert load_journal(journal.path).pending[0].payload == payload


def test_a_page_cut_by_the_kill_counts_only_with_the_items_of_its_refetch(tmp_path):
    journal = _journal(tmp_path)
    journal.request(1, FP_A, b"a")
    journal.item("1.1", pickle.dumps("first of two, then killed"))
    journal.close()

    state = load_journal(journal.path)
    assert [p.request_id for p in state.pending] == [1] and state.committed_items == 0
    resumed = _journal(tmp_path, state)  # run 2 fetches request 1 again
    resumed.item("1.2", pickle.dumps("first of two"))
    resumed.item("1.2", pickle.dumps("second of two"))
    resumed.done("1.2")
    resumed.close()

    final = load_journal(journal.path)
    assert final.runs == 2 and not final.pending
    assert _items(final) == ["first of two", "second of two"]


def test_fsync_flushes_a_new_journal_its_directory_entry_and_every_done_record(
    tmp_path, monkeypatch
):
    # What reaches the disk cannot be observed without cutting the power: record which
    # descriptors os.fsync is given instead (a real one is still called).
    flushed: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        flushed.append("dir" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "file")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    path = tmp_path / "netcrawl.journal"
    journal = Journal(path, fsync=True)
    journal.open(load_journal(path), "places")
    assert flushed == ["file", "dir"], "a new file and its directory entry"
    journal.request(1, FP_A, b"a")
    assert flushed == ["file", "dir"], "only finished pages are flushed"
    journal.done("1.1")
    assert flushed == ["file", "dir", "file"]
    journal.close()

    flushed.clear()
    again = Journal(path, fsync=True)
    again.open(load_journal(path), "places")
    assert flushed == [], "an existing journal's entry is on disk already"
    again.close()
    assert load_journal(path).done == {"1.1"}
