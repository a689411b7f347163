"""schedule.toml parsing: every mistake reported with its table and key, defaults merged."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from netcrawl.scheduling.config import (
    ScheduleConfigError,
    check_spiders,
    format_duration,
    load_schedule,
    parse_duration,
    parse_schedule,
    setting_value_text,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScheduleConfigError) as caught:
        parse_schedule(tomllib.loads(text), "schedule.toml")
    return caught.value.problems


def test_a_minimal_entry_gets_the_documented_defaults():
    schedule = parse_schedule(
        tomllib.loads('[crawls.daily]\nspider = "places"\ncron = "0 4 * * *"\n'), "s.toml"
    )
    (entry,) = schedule.entries
    assert entry.name == "daily"
    assert entry.spider == "places"
    assert entry.cron == "0 4 * * *"
    assert entry.timezone == ZoneInfo("UTC")
    assert entry.max_runtime is None
    assert entry.stop_grace == timedelta(seconds=60)
    assert entry.on_health_failure == "ignore"
    assert entry.health_retries == 1
    assert entry.retry_delay == timedelta(minutes=10)
    assert entry.catch_up is True
    assert entry.misfire_grace == timedelta(minutes=5)
    assert entry.enabled is True
    assert dict(entry.args) == {} and dict(entry.settings) == {}


def test_defaults_apply_and_tables_merge_with_entry_values_winning():
    schedule = parse_schedule(tomllib.loads("""
        [defaults]
        timezone = "Europe/Paris"
        max_runtime = "1h30m"
        on_health_failure = "retry"
        args = { urls_file = "sites.txt", render = "none" }
        settings = { DEPTH_LIMIT = 2, ROBOTSTXT_OBEY = true }

        [crawls.one]
        spider = "places"
        cron = "@daily"
        args = { render = "browser" }
        settings = { DEPTH_LIMIT = 5, FEEDS = { "out.jsonl" = { format = "jsonl" } } }

        [crawls.two]
        spider = "places"
        cron = "15 3 * * 1-5"
        timezone = "UTC"
        max_runtime = 0
        enabled = false
    """), "s.toml")
    one, two = schedule.entries
    assert one.timezone == ZoneInfo("Europe/Paris")
    assert one.max_runtime == timedelta(hours=1, minutes=30)
    assert one.on_health_failure == "retry"
    assert dict(one.args) == {"urls_file": "sites.txt", "render": "browser"}
    assert dict(one.settings) == {
        "DEPTH_LIMIT": "5",
        "ROBOTSTXT_OBEY": "True",
        "FEEDS": '{"out.jsonl":{"format":"jsonl"}}',
    }
    assert two.timezone == ZoneInfo("UTC")
    assert two.max_runtime is None
    assert two.enabled is False
    assert schedule.get("two") is two
    with pytest.raises(KeyError, match=r"no crawl named 'three' in s.toml \(crawls: one, two\)"):
        schedule.get("three")


def test_every_problem_is_reported_with_its_table_and_key():
    assert problems_of("""
        extra = 1
        [defaults]
        timezone = "Mars/Olympus"
        retry_delay = "soon"
        [crawls.a]
        spider = "places"
        cronn = "0 3 * * *"
        [crawls.b]
        spider = "places"
        cron = "61 * * * *"
        max_runtime = "2 hours"
        on_health_failure = "panic"
        args = { urls = ["x"] }
        settings = { depth_limit = 2 }
        enabled = "yes"
        health_retries = 0
        [crawls.c]
        cron = "* * *"
        [crawls.d]
        spider = "places"
        cron = "0 0 30 2 *"
        [crawls.e]
        spider = "places"
        cron = "@reboot"
        [crawls."bad name"]
        spider = "x"
    """) == [
        'unknown top-level key "extra" (expected a [defaults] table and [crawls.NAME] tables)',
        '[defaults] timezone: unknown time zone "Mars/Olympus" (use an IANA name such as '
        '"UTC" or "Europe/Paris")',
        '[defaults] retry_delay: expected a duration such as "90s", "15m", "2h" or "1h30m", '
        'or a number of seconds, got "soon"',
        '[crawls.a] unknown key "cronn" (did you mean "cron"?)',
        "[crawls.a] cron: missing (required)",
        '[crawls.b] cron: invalid cron expression "61 * * * *": [61 * * * *] is not '
        "acceptable, out of range",
        '[crawls.b] max_runtime: expected a duration such as "90s", "15m", "2h" or "1h30m", '
        'or a number of seconds, got "2 hours"',
        '[crawls.b] on_health_failure: expected one of "ignore", "retry", "disable", '
        'got "panic"',
        "[crawls.b] args.urls: expected a string or a number (spider arguments are text), "
        "got an array",
        "[crawls.b] settings.depth_limit: not a Scrapy setting name (those are upper case, "
        "such as DEPTH_LIMIT)",
        '[crawls.b] enabled: expected true or false, got "yes"',
        "[crawls.b] health_retries: expected a whole number of at least 1, got 0",
        '[crawls.c] cron: invalid cron expression "* * *": expected 5 fields (minute hour '
        "day-of-month month day-of-week)",
        "[crawls.c] spider: missing (required)",
        '[crawls.d] cron: invalid cron expression "0 0 30 2 *": it never fires within '
        "10 years",
        '[crawls.e] cron: unknown cron nickname "@reboot" (known: @yearly, @annually, '
        "@monthly, @weekly, @daily, @midnight, @hourly)",
        '[crawls.bad name] invalid name "bad name": use letters, digits, "-", "_" and "." '
        "(it names the crawl's log and state files)",
    ]


def test_unknown_key_without_a_close_match_lists_the_known_keys():
    (problem,) = problems_of('[crawls.x]\nspider = "p"\ncron = "@daily"\nfrobnicate = 1\n')
    assert problem == (
        '[crawls.x] unknown key "frobnicate" (known keys: args, catch_up, cron, enabled, '
        "health_retries, max_runtime, misfire_grace, on_health_failure, retry_delay, "
        "settings, spider, stop_grace, timezone)"
    )


def test_wrong_table_shapes():
    assert problems_of('crawls = "x"\n') == ['"crawls" must be tables ([crawls.NAME])']
    assert problems_of('[crawls]\nx = 3\n') == [
        "[crawls.x] must be a table of options, got 3"
    ]


def test_the_error_message_names_the_file_and_lists_problems(tmp_path):
    path = tmp_path / "schedule.toml"
    path.write_text('[crawls.x]\nspider = "places"\ncron = "0 3 * *"\n', encoding="utf-8")
    with pytest.raises(ScheduleConfigError) as caught:
        load_schedule(path)
    assert str(caught.value) == (
        f"invalid schedule file {path}:\n"
        '  - [crawls.x] cron: invalid cron expression "0 3 * *": expected 5 fields '
        "(minute hour day-of-month month day-of-week)"
    )


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ScheduleConfigError) as caught:
        load_schedule(tmp_path / "nope.toml")
    assert caught.value.problems == ["file not found (see docs/scheduling.md for the format)"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[crawls.x]\nspider = places\n", encoding="utf-8")
    with pytest.raises(ScheduleConfigError) as caught:
        load_schedule(bad)
    (problem,) = caught.value.problems
    assert problem.startswith("not valid TOML: ")
    assert "line 2" in problem


def test_unknown_spiders_are_reported_by_check_spiders():
    schedule = parse_schedule(tomllib.loads("""
        [crawls.a]
        spider = "plcaes"
        cron = "@daily"
        [crawls.b]
        spider = "zzz"
        cron = "@daily"
        [crawls.c]
        spider = "places"
        cron = "@daily"
    """), "s.toml")
    with pytest.raises(ScheduleConfigError) as caught:
        check_spiders(schedule, ["places", "example_api"])
    assert caught.value.problems == [
        '[crawls.a] spider: unknown spider "plcaes" (did you mean "places"?)',
        '[crawls.b] spider: unknown spider "zzz" (spiders in this project: example_api, '
        "places)",
    ]
    check_spiders(parse_schedule({}, "empty.toml"), [])  # nothing to check: no error


@pytest.mark.parametrize(("text", "expected"), [
    ("90s", timedelta(seconds=90)),
    ("15m", timedelta(minutes=15)),
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("2d", timedelta(days=2)),
    ("1d 2h 3m 4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    (45, timedelta(seconds=45)),
    (2.5, timedelta(seconds=2.5)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "5 minutes", "1m1h", -3, True, "h"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration_round_trips():
    for text in ("1h30m", "45s", "2d", "1d2h3m4s", "0s"):
        assert format_duration(parse_duration(text)) == text


def test_setting_values_are_written_the_way_scrapy_reads_them_back():
    assert setting_value_text(True) == "True"
    assert setting_value_text(False) == "False"
    assert setting_value_text(3) == "3"
    assert setting_value_text(0.5) == "0.5"
    assert setting_value_text("x y") == "x y"
    assert setting_value_text(["a", "b"]) == '["a","b"]'
    assert setting_value_text({"k": 1}) == '{"k":1}'


def test_the_bundled_schedule_file_and_its_example_entry_are_valid():
    path = PROJECT_ROOT / "schedule.toml"
    text = path.read_text(encoding="utf-8")
    bundled = load_schedule(path)
    assert bundled.entries == ()  # the example ships commented out
    uncommented = re.sub(r"(?m)^# (\[crawls\.|spider|cron|args|settings|max_runtime)",
                         r"\1", text)
    (entry,) = parse_schedule(tomllib.loads(uncommented), path).entries
    assert entry.name == "sample-site"
    assert entry.spider == "places"
    assert dict(entry.args) == {"start_urls": "data/sample-site"}
    assert (PROJECT_ROOT / entry.args["start_urls"]).is_dir()
    assert entry.on_health_failure == "retry"  # from [defaults]
