"""The frontier library against a real redis-server: in-flight, liveness, seeds, places."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys

import pytest
from frontier_fixtures import PROJECT_ROOT, RedisServer
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from netcrawl.commands.frontier import Command as FrontierCommand
from netcrawl.distributed import distributed_enabled, worker_id
from netcrawl.distributed import places as places_module
from netcrawl.distributed.addon import DistributedAddon
from netcrawl.distributed.connection import FrontierUnavailable, frontier_client, masked_url
from netcrawl.distributed.dupefilter import SharedDupeFilter
from netcrawl.distributed.frontier import Departure, Frontier, Reaped
from netcrawl.distributed.keys import FrontierKeys
from netcrawl.distributed.places import SharedPlaceRegistry
from netcrawl.distributed.scheduler import DistributedScheduler
from netcrawl.distributed.seeds import BadSeed, SharedSeeds, decode_seed, encode_seed

KEYS = FrontierKeys("places", prefix="test")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(redis_server):
    redis_server.client.flushall()
    return redis_server.client


def frontier(client, worker: str, ttl: float = 30) -> Frontier:
    return Frontier(client, KEYS, worker, ttl)


def queue(client, *items: tuple[bytes, float]) -> None:
    for member, score in items:
        client.zadd(KEYS.requests, {member: score})


# --- In-flight requests and liveness -------------------------------------------------
def test_claim_moves_the_best_request_in_flight_until_acknowledged(client):
    worker = frontier(client, "w1")
    queue(client, (b"low", 5), (b"high", -10))
    assert worker.claim() == b"high"
    assert client.zrange(KEYS.inflight("w1"), 0, -1, withscores=True) == [(b"high", -10.0)]
    assert worker.progress().queued == 1 and worker.progress().in_flight == 1
    worker.acknowledge([b"high"])
    assert client.zcard(KEYS.inflight("w1")) == 0
    assert client.hget(KEYS.done, "w1") == b"1"
    assert worker.claim() == b"low"
    assert worker.claim() is None


def test_enqueue_filters_by_fingerprint_in_one_step(client):
    worker = frontier(client, "w1")
    assert worker.enqueue("fp-a", b"first", -5)
    assert not worker.enqueue("fp-a", b"again", -5)  # seen: not queued
    assert worker.enqueue(None, b"retry", 0)  # dont_filter: always queued
    assert client.zrange(KEYS.requests, 0, -1, withscores=True) == [
        (b"first", -5.0), (b"retry", 0.0)]
    assert client.smembers(KEYS.dupefilter) == {b"fp-a"}


def test_dead_worker_requests_are_requeued_once_with_their_priority(client):
    dead, alive, other = frontier(client, "dead"), frontier(client, "alive"), frontier(client, "x")
    dead.register("token-dead")
    alive.register("token-alive")
    queue(client, (b"a", -3), (b"b", 0))
    assert dead.claim() == b"a" and dead.claim() == b"b"
    # Alive: nobody may take its requests.
    assert alive.reap_dead_workers() == {}
    client.delete(KEYS.heartbeat("dead"))  # its TTL ran out
    reaped = [alive.reap_dead_workers(), other.reap_dead_workers()]
    assert reaped == [{"dead": Reaped(2, 0)}, {}]  # requeued exactly once, then forgotten
    assert client.zrange(KEYS.requests, 0, -1, withscores=True) == [(b"a", -3.0), (b"b", 0.0)]
    assert not client.sismember(KEYS.workers, "dead")


def test_heartbeat_expires_and_restart_with_same_id_takes_requests_back(client):
    worker = frontier(client, "stable", ttl=1)
    assert worker.register("first-life") is None
    queue(client, (b"r", 0))
    worker.claim()
    assert client.ttl(KEYS.heartbeat("stable")) in (0, 1)
    # A restart within the TTL sees the old life's token and forces the requeue.
    restarted = frontier(client, "stable", ttl=1)
    assert restarted.register("second-life") == "first-life"
    assert restarted.requeue("stable", force=True) == 1
    assert client.zrange(KEYS.requests, 0, -1) == [b"r"]
    # A beat after being reaped says so (the worker then knows it may duplicate work).
    client.srem(KEYS.workers, "stable")
    assert restarted.beat("second-life") is False
    assert restarted.beat("second-life") is True


def test_progress_and_last_worker_detection(client):
    a, b = frontier(client, "a"), frontier(client, "b")
    a.register("ta")
    b.register("tb")
    assert not a.progress().finished  # nothing seen yet: not started, not finished
    client.sadd(KEYS.dupefilter, "fp1")
    queue(client, (b"r", 0))
    assert b.claim() == b"r"
    assert not a.progress().finished  # in flight at b
    b.acknowledge([b"r"])
    assert a.progress().finished
    assert a.deregister(known_seeds=0, clear_if_last=True).last is False  # b is alive
    assert client.exists(KEYS.dupefilter)  # leaving never deletes shared state
    assert b.deregister(known_seeds=1).last is False  # a seed it never saw: not complete
    client.sadd(KEYS.workers, "b")
    assert b.deregister(known_seeds=0) == Departure(last=True, deleted=0)
    assert client.exists(KEYS.dupefilter)  # not asked to clear: kept
    client.sadd(KEYS.workers, "b")
    client.set("other:places:requests", "kept")  # another crawl's key
    departure = b.deregister(known_seeds=0, clear_if_last=True)
    assert departure.last and departure.deleted >= 2  # dupefilter, done counts...
    assert client.keys(f"{KEYS.base}:*") == [] and client.get("other:places:requests")


def test_clear_deletes_only_this_crawl(client):
    worker = frontier(client, "w")
    worker.register("t")
    worker.add_seeds([encode_seed("http://127.0.0.1:8000/")])
    client.set("test:places-other:requests", 1)
    client.set("other:places:requests", 1)
    assert worker.clear() == 3
    assert sorted(client.keys("*")) == [b"other:places:requests", b"test:places-other:requests"]


# --- Seeds ----------------------------------------------------------------------------
def test_seeds_are_canonical_json_and_plain_strings_are_read():
    assert encode_seed(" http://127.0.0.1:8000/a ") == '{"url":"http://127.0.0.1:8000/a"}'
    assert decode_seed(b'{"url": "https://[::1]:8443/"}') == "https://[::1]:8443/"
    assert decode_seed(b"http://127.0.0.1/x") == "http://127.0.0.1/x"
    for bad in (b'{"href": "http://127.0.0.1/"}', b"{not json", b"ftp://127.0.0.1/", b"/tmp"):
        with pytest.raises(BadSeed):
            decode_seed(bad)


# --- Duplicate filter: the crawl's request fingerprinter ------------------------------
class QueryBlindFingerprinter:
    """Treats URLs that differ only in their query string as one request."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        return request.url.split("?", 1)[0].encode()


def test_dupefilter_uses_the_configured_request_fingerprinter(client):
    crawler = get_crawler(Spider, {
        "REQUEST_FINGERPRINTER_CLASS": f"{__name__}.QueryBlindFingerprinter",
    })
    dupefilter = SharedDupeFilter.for_crawl(crawler, client, KEYS.dupefilter)
    assert not dupefilter.request_seen(Request("http://127.0.0.1/a?session=1"))
    assert dupefilter.request_seen(Request("http://127.0.0.1/a?session=2"))
    assert client.smembers(KEYS.dupefilter) == {b"http://127.0.0.1/a".hex().encode()}
    dupefilter.close("finished")
    assert client.exists(KEYS.dupefilter)  # other workers still need it


# --- Scheduler close: never deletes shared state while others work --------------------
def test_scheduler_close_keeps_shared_keys_until_the_last_worker(client, redis_server):
    settings = {"REDIS_URL": redis_server.url, "NETCRAWL_FRONTIER_KEY_PREFIX": "test",
                "SCHEDULER_PERSIST": False, "NETCRAWL_WORKER_ID": "closing"}

    class PlacesSpider(Spider):
        name = "places"

    other = frontier(client, "other")
    other.register("other-token")
    client.sadd(KEYS.dupefilter, "fp")
    scheduler = DistributedScheduler.from_crawler(get_crawler(PlacesSpider, settings))
    scheduler.frontier.register(scheduler.token)
    scheduler.close("finished")
    assert client.exists(KEYS.dupefilter)
    assert not client.sismember(KEYS.workers, "closing")
    # The other worker is the last one: with CLEAR_ON_FINISH its close clears.
    settings["NETCRAWL_WORKER_ID"] = "other"
    last = DistributedScheduler.from_crawler(get_crawler(PlacesSpider, settings))
    last.close("finished")
    assert client.keys(f"{KEYS.base}:*") == []



def test_scheduler_sets_aside_undecodable_requests_and_survives_a_redis_outage(
    client, redis_server, tmp_path
):
    class PlacesSpider(Spider):
        name = "places"

    settings = {"REDIS_URL": redis_server.url, "NETCRAWL_FRONTIER_KEY_PREFIX": "test",
                "NETCRAWL_WORKER_ID": "reader", "ADDONS": {DistributedAddon: 150}}

    def opened(crawler_settings: dict) -> tuple[DistributedScheduler, Spider]:
        crawler = get_crawler(PlacesSpider, crawler_settings)
        spider = PlacesSpider.from_crawler(crawler)
        scheduler = DistributedScheduler.from_crawler(crawler)
        scheduler.open(spider)  # its heartbeat timer needs a running loop: see below
        return scheduler, spider

    async def undecodable() -> None:
        scheduler, _ = opened(settings)
        try:
            queue(client, (b"not a pickled request", 0))
            assert scheduler.next_request() is None
            assert client.lrange(KEYS.failed, 0, -1) == [b"not a pickled request"]
            assert client.zcard(KEYS.inflight("reader")) == 0
            assert scheduler.stats.get_value("netcrawl/distributed/undecodable") == 1
        finally:
            scheduler.close("finished")

    async def outage() -> None:
        # Redis goes away mid-crawl: counted, logged once, never an exception into the engine.
        down = RedisServer(tmp_path)
        scheduler, spider = opened(dict(settings, REDIS_URL=down.url,
                                        REDIS_PARAMS={"socket_connect_timeout": 1}))
        down.stop()
        try:
            request = Request("https://example.com/page", callback=spider.parse)
            assert scheduler.enqueue_request(request), "kept locally, not dropped"
            assert len(scheduler) == 1
            assert scheduler.has_pending_requests()
            assert scheduler.next_request() is request
            assert scheduler.next_request() is None
            assert not scheduler.has_pending_requests()
            # A spider callback asking whether a link is on a site of the crawl.
            seeds = SharedSeeds(scheduler.crawler)
            assert not seeds.scope.contains("https://pushed-meanwhile.example/")
            errors = {key for key in scheduler.stats.get_stats()
                      if key.startswith("netcrawl/distributed/redis_errors/")}
            assert errors >= {"netcrawl/distributed/redis_errors/enqueue",
                              "netcrawl/distributed/redis_errors/pop",
                              "netcrawl/distributed/redis_errors/count",
                              "netcrawl/distributed/redis_errors/scope_refresh"}
        finally:
            scheduler.close("shutdown")

    asyncio.run(undecodable())
    asyncio.run(outage())


def test_a_site_pushed_while_a_worker_runs_passes_its_offsite_filter(client, redis_server):
    """Scrapy's OffsiteMiddleware reads ``spider.allowed_domains`` on every request."""

    class PlacesSpider(Spider):
        name = "places"

    settings = {"REDIS_URL": redis_server.url, "NETCRAWL_FRONTIER_KEY_PREFIX": "test",
                "NETCRAWL_WORKER_ID": "learner", "ADDONS": {DistributedAddon: 150}}

    async def scenario() -> None:
        crawler = get_crawler(PlacesSpider, settings)
        spider = crawler.spider = PlacesSpider.from_crawler(crawler)
        scheduler = DistributedScheduler.from_crawler(crawler)
        offsite = OffsiteMiddleware.from_crawler(crawler)
        spider.shared_seeds = SharedSeeds(crawler)
        scheduler.open(spider)
        try:
            # What PlacesSpider.start() does with its own start URL.
            spider.shared_seeds.start(["https://first.example/"])
            spider.allowed_domains = spider.shared_seeds.scope.allowed_domains
            offsite.spider_opened(spider)
            # Meanwhile: `scrapy frontier push`, and another worker queues a page of it.
            other = frontier(client, "other")
            other.add_seeds([encode_seed("https://pushed.example/")])
            page = Request("https://pushed.example/shop", callback=spider.parse)
            assert scheduler.queue.push_unseen(page, "fp-pushed")
            claimed = scheduler.next_request()
            assert claimed is not None and claimed.url == page.url
            offsite.process_request(claimed)  # raises IgnoreRequest for an unknown site
            assert "pushed.example" in spider.allowed_domains
            assert spider.shared_seeds.scope.contains("https://pushed.example/other")
            with pytest.raises(IgnoreRequest):
                offsite.process_request(Request("https://elsewhere.example/"))
        finally:
            scheduler.close("shutdown")

    asyncio.run(scenario())

# --- Places exported once across workers ----------------------------------------------
def test_place_registry_matches_the_local_duplicate_rules(client):
    registry = SharedPlaceRegistry(client, KEYS)
    shop = {"name": "Café Noir", "street_address": "10 Main St", "postcode": "1234 AB",
            "lat": 52.1, "lon": 4.3, "source_url": "http://127.0.0.1/a"}
    assert registry.claim("places", shop) is None
    same_address = {"name": "cafe noir", "street_address": "Main St 10", "postcode": "1234AB",
                    "source_url": "http://127.0.0.1/b"}
    assert registry.claim("places", same_address).reason == "name_address"
    nearby = {"name": "CAFE-NOIR", "lat": 52.10015, "lon": 4.3, "source_url": "http://x/c"}
    assert registry.claim("places", nearby).reason == "name_distance"  # ~17 m away
    far = {"name": "Café Noir", "lat": 52.2, "lon": 4.3, "source_url": "http://x/d"}
    assert registry.claim("places", far) is None
    with_ref = {"name": "Other", "ref": "42", "city": "Delft", "source_url": "http://x/e"}
    assert registry.claim("places", with_ref) is None
    assert registry.claim("places", {"name": "Renamed", "ref": "42"}).reason == "ref"
    assert registry.claim("other-spider", {"name": "Renamed", "ref": "42"}) is None


def _branch(index: int, source: str) -> dict:
    return {"name": f"Branch {index}", "street_address": f"{index} Main St", "postcode": "1234",
            "lat": 52.0 + index / 100, "lon": 4.0, "source_url": source}


def test_a_dead_run_releases_its_places_before_its_pages_are_read_again(client):
    dead = Frontier(client, KEYS, "dead", life="dead-run-1")
    alive = Frontier(client, KEYS, "alive", life="alive-run-1")
    dead.register(dead.life)
    alive.register(alive.life)
    assert dead.places.claim("places", _branch(1, "http://x/1")) is None
    assert dead.places.claim("places", _branch(2, "http://x/2")) is None
    queue(client, (b"page-3", 0))
    assert dead.claim() == b"page-3"
    # While it lives, its places are its own: another worker's copy is a repeat.
    assert alive.places.claim("places", _branch(1, "http://x/other")).reason == "name_address"
    assert alive.reap_dead_workers() == {}
    client.delete(KEYS.heartbeat("dead"))
    assert alive.reap_dead_workers() == {"dead": Reaped(1, 2)}
    assert not client.exists(KEYS.place_claims("dead"))
    # Its export died with it: the places are free for whoever meets them now, by any rule.
    assert alive.places.claim("places", _branch(1, "http://x/other")) is None
    nearby = {"name": "branch 2", "lat": 52.02005, "lon": 4.0}
    assert alive.places.claim("places", nearby) is None
    # The reaper's own claims stay, and are released only when that run dies in turn.
    assert alive.places.release("alive") == -1
    assert client.llen(KEYS.place_claims("alive")) == 2


def test_release_runs_in_batches_and_stops_when_the_worker_comes_back(client, monkeypatch):
    monkeypatch.setattr(places_module, "_RELEASE_BATCH", 2)
    dead = Frontier(client, KEYS, "dead", life="run-1")
    for index in range(5):
        assert dead.places.claim("places", _branch(index, f"http://x/{index}")) is None
    reaper = Frontier(client, KEYS, "reaper")
    assert reaper.places.release("dead") == 5  # no heartbeat: dead; three batches
    assert client.hlen(KEYS.places) == 0 and client.hlen(KEYS.place_owners) == 0
    assert client.keys(f"{KEYS.place_near_prefix}*") == []
    for index in range(5):
        assert dead.places.claim("places", _branch(index, f"http://x/{index}")) is None
    dead.register("run-2")  # alive again: nobody else may release its claims
    assert reaper.places.release("dead") == -1
    assert client.llen(KEYS.place_claims("dead")) == 5


def test_a_clean_run_keeps_its_places_and_its_restart_with_a_journal_reclaims_them(client):
    first = Frontier(client, KEYS, "stable", life="run-1")
    first.register(first.life)
    shop = _branch(7, "http://x/7")
    assert first.places.claim("places", shop) is None
    # Within one run, a repeat is a repeat even with reclaim_own (the local pipeline merges).
    assert first.places.claim("places", shop, reclaim_own=True).reason == "name_address"
    first.places.finalise()  # closed cleanly: its -O file holds the place
    first.deregister(known_seeds=0)
    second = Frontier(client, KEYS, "stable", life="run-2")
    second.register(second.life)
    assert second.places.release("stable", force=True) == 0  # nothing of run 1 is released
    # Replaying its journal (JOBDIR), the same worker id gets its own place back ...
    assert second.places.claim("places", shop, reclaim_own=True).own_earlier_run
    # ... without a journal it is a repeat: the earlier run's file already has it ...
    assert second.places.claim("places", shop).reason == "name_address"
    # ... and another worker id never gets it.
    other = Frontier(client, KEYS, "other", life="other-run")
    match = other.places.claim("places", shop, reclaim_own=True)
    assert match.reason == "name_address" and not match.own_earlier_run


def test_a_restart_after_a_kill_releases_the_dead_runs_places(client):
    killed = Frontier(client, KEYS, "stable", life="run-1")
    killed.register(killed.life)
    shop = _branch(9, "http://x/9")
    assert killed.places.claim("places", shop) is None
    # Killed: no clean close, heartbeat still alive. The restart forces the release.
    restarted = Frontier(client, KEYS, "stable", life="run-2")
    assert restarted.register(restarted.life) == "run-1"
    assert restarted.places.release("stable", force=True) == 1
    assert client.hlen(KEYS.place_owners) == 0
    assert restarted.places.claim("places", shop) is None  # claimed afresh by run 2
    assert list(client.hvals(KEYS.place_owners)) == [b"stable\0run-2"]


# --- Activation -----------------------------------------------------------------------
def test_addon_switches_components_only_with_redis_url(monkeypatch, redis_server):
    monkeypatch.delenv("REDIS_URL", raising=False)
    plain = get_crawler(Spider, {"ADDONS": {DistributedAddon: 150}})
    assert not distributed_enabled(plain.settings)
    assert plain.settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    # From the environment, only `scrapy crawl` joins (not shell, parse, fetch...).
    shell = get_crawler(Spider, {"ADDONS": {DistributedAddon: 150}})
    assert shell.settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    shared = get_crawler(Spider, {"ADDONS": {DistributedAddon: 150}, "NETCRAWL_RUNS_AUTO": True})
    assert shared.settings["SCHEDULER"].endswith("DistributedScheduler")
    assert shared.settings["DUPEFILTER_CLASS"].endswith("SharedDupeFilter")
    assert shared.settings.getbool("SCHEDULER_PERSIST")
    assert "netcrawl.distributed.pipeline.SharedDuplicatesPipeline" in str(
        shared.settings.getdict("ITEM_PIPELINES"))


def test_worker_id_and_connection_errors(monkeypatch):
    monkeypatch.delenv("NETCRAWL_WORKER_ID", raising=False)
    settings = get_crawler(Spider).settings
    assert worker_id(settings).endswith(f"-{os.getpid()}")
    monkeypatch.setenv("NETCRAWL_WORKER_ID", "rack1-a")
    assert worker_id(settings) == "rack1-a"
    assert masked_url("redis://:s3cret@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    unreachable = get_crawler(Spider, {"REDIS_URL": "redis://127.0.0.1:1/0",
                                       "REDIS_PARAMS": {"socket_connect_timeout": 1}}).settings
    with pytest.raises(FrontierUnavailable, match=r"cannot reach Redis at redis://127\.0\.0\.1:1/0"):
        frontier_client(unreachable)


# --- The `scrapy frontier` command -----------------------------------------------------
def _frontier_cli(redis_url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, REDIS_URL=redis_url)
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "frontier", *args], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )


def _frontier_command(redis_url: str, capsys, *args: str) -> tuple[int, str, str]:
    """The command run in-process (the CLI wiring is tested once, by subprocess)."""
    command = FrontierCommand()
    command.settings = Settings({"REDIS_URL": redis_url, "SPIDER_MODULES": ["spiders"]})
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    options, positional = parser.parse_known_args(args)
    command.run(positional, options)
    out = capsys.readouterr()
    return command.exitcode, out.out, out.err


def test_frontier_command_push_status_clear(client, redis_server, capsys):
    keys = FrontierKeys("places")
    pushed = _frontier_cli(redis_server.url, "push", "places", "http://127.0.0.1:9/")
    assert pushed.returncode == 0, pushed.stderr
    assert "1 new start URL(s)" in pushed.stdout
    assert client.smembers(keys.seeds) == {b'{"url":"http://127.0.0.1:9/"}'}
    code, _, err = _frontier_command(
        redis_server.url, capsys, "push", "places", "http://127.0.0.1:8/", "/etc")
    assert code == 2 and "not an absolute http(s) URL" in err
    assert client.scard(keys.seeds) == 1  # all or nothing
    live = Frontier(client, keys, "busy-worker")
    live.register("t")
    client.zadd(keys.requests, {b"req": 0})
    live.claim()
    code, out, _ = _frontier_command(redis_server.url, capsys, "status", "places", "--json")
    report = json.loads(out)
    assert code == 0 and report["seeds"] == 1 and report["in_flight"] == 1
    assert report["workers"] == [
        {"worker": "busy-worker", "alive": True, "in_flight": 1, "done": 0}
    ]
    code, out, _ = _frontier_command(redis_server.url, capsys, "status", "places")
    assert "busy-worker  alive          1     0" in out
    code, _, err = _frontier_command(redis_server.url, capsys, "clear", "places")
    assert code == 1 and "busy-worker" in err
    code, out, _ = _frontier_command(redis_server.url, capsys, "clear", "places", "--force")
    assert code == 0 and client.keys("netcrawl:places:*") == []
