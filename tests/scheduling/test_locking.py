"""The per-entry flock: held across processes, inherited by the crawl, gone with its holder."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from fake_crawl import make_fake_python

from netcrawl.scheduling.locking import EntryLock

PROJECT_ROOT = Path(__file__).resolve().parents[2]

HOLD_LOCK = textwrap.dedent("""
    import sys
    from netcrawl.scheduling.locking import EntryLock
    lock = EntryLock(sys.argv[1], "daily")
    print("locked" if lock.acquire() else "busy", flush=True)
    sys.stdin.readline()
""")


def test_a_lock_held_by_another_process_blocks_until_that_process_ends(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path)], cwd=PROJECT_ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        lock = EntryLock(tmp_path, "daily")
        assert lock.acquire() is False
        assert lock.holder() == str(holder.pid)
        assert EntryLock(tmp_path, "other").acquire() is True  # other entries are free
    finally:
        holder.communicate("\n", timeout=10)
    assert lock.acquire() is True  # released by the kernel when its holder exited
    second = subprocess.run([sys.executable, "-c", HOLD_LOCK, str(tmp_path)], cwd=PROJECT_ROOT,
                            input="\n", capture_output=True, text=True, timeout=30)
    assert second.stdout.strip() == "busy"
    lock.release()


def test_the_crawl_process_keeps_the_lock_after_the_scheduler_lets_go(tmp_path):
    lock = EntryLock(tmp_path, "daily")
    assert lock.acquire()
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                             stdin=subprocess.PIPE, pass_fds=(lock.fd,), text=True)
    lock.release()  # e.g. the scheduler died: the orphaned crawl still holds the entry
    try:
        assert EntryLock(tmp_path, "daily").acquire() is False
    finally:
        child.communicate("\n", timeout=10)
    assert EntryLock(tmp_path, "daily").acquire() is True


RUN_ONCE = textwrap.dedent("""
    import json, sys, tomllib
    from pathlib import Path
    from netcrawl.scheduling.config import parse_schedule
    from netcrawl.scheduling.scheduler import Scheduler
    schedule_path, state_dir, python = sys.argv[1:4]
    schedule = parse_schedule(tomllib.loads(Path(schedule_path).read_text()), schedule_path)
    scheduler = Scheduler(schedule, state_dir=Path(state_dir), project_root=Path(state_dir),
                          python=python)
    print("ready", flush=True)
    sys.stdin.readline()
    records = scheduler.run_once()
    print(json.dumps([record.outcome for _, record in records]), flush=True)
""")


def test_two_scheduler_processes_started_together_run_a_due_entry_once(tmp_path):
    journal = tmp_path / "journal"
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(textwrap.dedent(f"""
        [crawls.shared]
        spider = "places"
        cron = "* * * * *"
        args = {{ mode = "sleep", seconds = 1.5, journal = "{journal}" }}
    """))
    python = make_fake_python(tmp_path)
    argv = [sys.executable, "-c", RUN_ONCE, str(schedule), str(tmp_path / "state"), python]
    schedulers = [subprocess.Popen(argv, cwd=PROJECT_ROOT, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for process in schedulers:  # both imported and waiting: release them together
            assert process.stdout.readline().strip() == "ready"
        for process in schedulers:
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=30)[0] for process in schedulers]
    finally:
        for process in schedulers:
            if process.poll() is None:
                process.kill()
    results = sorted(json.loads(output.strip().splitlines()[-1]) for output in outputs)
    assert results == [[], ["ok"]]
    events = [line.split()[1] for line in journal.read_text().splitlines()]
    assert events == ["start", "end"]
