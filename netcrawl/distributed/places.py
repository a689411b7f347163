"""Places exported once across workers: their identity keys, claimed atomically in Redis.

Each worker's :class:`pipelines.duplicates.DuplicatesPipeline` finds the repeats it sees
itself; two workers can still each export the same branch, read from two pages. Before a
place leaves a worker, :meth:`SharedPlaceRegistry.claim` checks the keys the local
detector uses (:mod:`netcrawl.quality.duplicates`: same ``ref``; same normalised name and
street with postcode, city or full address; same normalised name within 25 m) against
every worker's exported places and records them, in one Lua script, so of two workers
racing on one place exactly one wins. The 25 m test uses a Redis geo set per normalised
name (``GEOSEARCH ... BYRADIUS``).

Claims have an owner, because a worker's export only exists once the worker closes
cleanly (its ``-O`` file is renamed into place at the end):

- every claim records the worker id and the *run* ("life": one process) that made it,
  and the run lists its claims (``places:claims:<worker>``);
- a run that closes cleanly has written its export: :meth:`finalise` forgets the list
  and its claims are permanent;
- a run that died wrote no export: whoever notices (:meth:`release`: a worker reaping
  it, or the same worker id starting again) deletes its claims, *before* its in-flight
  requests return to the queue, so the pages re-read and the places met again count
  for whoever meets them first;
- a worker replaying its resume journal (``JOBDIR``, docs/resuming.md) claims its
  earlier runs' places again. A place still recorded for an *earlier run of the same
  worker id* (one that closed cleanly) is granted (``own_earlier_run``): the replay
  rebuilds that worker's ``-O`` file, which would otherwise lose it. Another worker's
  place is refused as always.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from netcrawl.distributed.keys import FrontierKeys
from netcrawl.quality.duplicates import (
    SAME_PLACE_METRES,
    address_keys,
    coordinates,
    name_key,
    record_identity,
    ref_key,
)

#: Redis geo sets accept latitudes within the Web Mercator range only.
_GEO_MAX_LAT = 85.05112878
#: Between worker id and run token in an owner value: NUL, which no worker id can hold
#: (environment variables and command-line arguments cannot carry it).
_OWNER_SEPARATOR = "\0"

# KEYS[1] identity hash, KEYS[2] geo set of the name (or KEYS[1]), KEYS[3] owners hash,
# KEYS[4] this run's claim list.
# ARGV[1] identity, ARGV[2]/[3] lon/lat (or ""), ARGV[4] radius (m), ARGV[5] owner value
# "<worker>\0<run>", ARGV[6] "<worker>\0", ARGV[7] "1": grant this worker's earlier runs'
# places, ARGV[8] name hash (hex, or "-"), ARGV[9..] "reason|key".
# Returns false when the place is new (now recorded), else {reason, kept identity}, with
# reason "own" for a place an earlier run of this worker id exported.
_CLAIM = """
local function repeat_of(reason, kept)
  if ARGV[7] == '1' then
    local owner = redis.call('HGET', KEYS[3], kept)
    if owner and owner ~= ARGV[5] and string.sub(owner, 1, #ARGV[6]) == ARGV[6] then
      return {'own', kept}
    end
  end
  return {reason, kept}
end
for i = 9, #ARGV do
  local sep = string.find(ARGV[i], '|', 1, true)
  local kept = redis.call('HGET', KEYS[1], string.sub(ARGV[i], sep + 1))
  if kept then return repeat_of(string.sub(ARGV[i], 1, sep - 1), kept) end
end
if ARGV[2] ~= '' then
  local near = redis.call('GEOSEARCH', KEYS[2], 'FROMLONLAT', ARGV[2], ARGV[3],
                          'BYRADIUS', ARGV[4], 'm', 'ASC', 'COUNT', 1)
  if #near > 0 then return repeat_of('name_distance', near[1]) end
end
local entry = {ARGV[1], ARGV[8]}
for i = 9, #ARGV do
  local field = string.sub(ARGV[i], string.find(ARGV[i], '|', 1, true) + 1)
  redis.call('HSETNX', KEYS[1], field, ARGV[1])
  entry[#entry + 1] = field
end
if ARGV[2] ~= '' then redis.call('GEOADD', KEYS[2], ARGV[2], ARGV[3], ARGV[1]) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
redis.call('RPUSH', KEYS[4], table.concat(entry, ' '))
return false
"""

#: Claims released per script call: Redis serves nobody else while a script runs.
_RELEASE_BATCH = 1000

# Delete up to ARGV[3] claims of a worker's run that died. KEYS[1] identity hash, KEYS[2]
# owners hash, KEYS[3] the worker's claim list, KEYS[4] its heartbeat; ARGV[1] "1" to
# release even though the heartbeat is alive (the worker itself, starting again), ARGV[2]
# the prefix of geo set names. Returns -1 when the worker is alive, else the number of
# places released (popped and released in one step: a claim is never half gone).
# Claim list entries: "<identity> <name hash|-> <key> <key> ...", all hex.
_RELEASE = """
if ARGV[1] ~= '1' and redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local entries = redis.call('LPOP', KEYS[3], tonumber(ARGV[3]))
if not entries then return 0 end
for _, entry in ipairs(entries) do
  local parts = {}
  for part in string.gmatch(entry, '%S+') do parts[#parts + 1] = part end
  local identity = parts[1]
  for i = 3, #parts do
    if redis.call('HGET', KEYS[1], parts[i]) == identity then
      redis.call('HDEL', KEYS[1], parts[i])
    end
  end
  if parts[2] ~= '-' then redis.call('ZREM', ARGV[2] .. parts[2], identity) end
  redis.call('HDEL', KEYS[2], identity)
end
return #entries
"""


@dataclass(frozen=True)
class SharedMatch:
    """The place repeats one already exported by a worker of this crawl."""

    reason: str  # "ref", "name_address", "name_distance", or "own"
    kept_identity: str

    @property
    def own_earlier_run(self) -> bool:
        """The kept record is this worker id's, from an earlier run: export it again."""
        return self.reason == "own"


def _point(place: dict) -> tuple[float, float] | None:
    """:func:`coordinates` within the range a Redis geo set accepts."""
    point = coordinates(place)
    if point is None or abs(point[0]) > _GEO_MAX_LAT or abs(point[1]) > 180:
        return None
    return point


class SharedPlaceRegistry:
    """The identity keys of every place exported by any worker of one crawl.

    ``worker`` and ``life`` name the claims this object makes: the worker id and the
    token of this run of it (tools that only read may leave both empty).
    """

    def __init__(
        self, server: redis.Redis, keys: FrontierKeys, worker: str = "", life: str = ""
    ) -> None:
        self.server = server
        self.keys = keys
        self.worker = worker
        self.life = life
        self._claim = server.register_script(_CLAIM)
        self._release = server.register_script(_RELEASE)

    def claim(
        self, spider: str, place: dict, *, reclaim_own: bool = False
    ) -> SharedMatch | None:
        """None when ``place`` is new (now recorded for this run); else the match it repeats.

        With ``reclaim_own`` (a worker replaying its resume journal), a place recorded
        for an earlier run of this worker id comes back as a match whose
        :attr:`~SharedMatch.own_earlier_run` is true: it belongs in this run's export.
        """
        tagged = []
        ref = ref_key(spider, place)
        if ref is not None:
            tagged.append(f"ref|{ref:016x}")
        tagged += [f"name_address|{key:016x}" for key in address_keys(spider, place)]
        name_hash = name_key(spider, place)
        point = _point(place)
        geo_key = ""
        lon = lat = ""
        if name_hash is not None and point is not None:
            geo_key = self.keys.place_near(name_hash)
            lat, lon = repr(point[0]), repr(point[1])
        if not tagged and not geo_key:
            return None  # nothing to compare on: the local pipeline's verdict stands
        result = self._claim(
            keys=[self.keys.places, geo_key or self.keys.places, self.keys.place_owners,
                  self.keys.place_claims(self.worker)],
            args=[
                f"{record_identity(place):016x}", lon, lat, SAME_PLACE_METRES,
                f"{self.worker}{_OWNER_SEPARATOR}{self.life}", f"{self.worker}{_OWNER_SEPARATOR}",
                "1" if reclaim_own else "0",
                f"{name_hash:016x}" if geo_key else "-",
                *tagged,
            ],
        )
        if not result:
            return None
        reason, kept = result
        return SharedMatch(reason.decode(), kept.decode())

    def release(self, worker: str, *, force: bool = False) -> int:
        """Forget the claims of ``worker``'s run that died; -1 (nothing done) if it is alive.

        Call it before that worker's in-flight requests are requeued: a page it was
        reading when it died is read again by someone, and the places on it must then be
        free. ``force`` for the worker id itself, starting again: the run that left
        the claims is over whatever its heartbeat says.

        Released in batches of 1,000 (about 12 ms each on the test machine), so a run
        with a million places does not stall Redis for everyone; until the last batch,
        its remaining places are still refused to others, exactly as while it lived.
        Two workers releasing the same run at once share the batches.
        """
        keys = [self.keys.places, self.keys.place_owners, self.keys.place_claims(worker),
                self.keys.heartbeat(worker)]
        args = ["1" if force else "0", self.keys.place_near_prefix, _RELEASE_BATCH]
        released = 0
        while True:
            count = int(self._release(keys=keys, args=args))
            if count < 0:
                return -1 if released == 0 else released  # came back to life meanwhile
            released += count
            if count < _RELEASE_BATCH:
                return released

    def finalise(self) -> None:
        """This run closed cleanly and its export is written: its claims are permanent."""
        self.server.delete(self.keys.place_claims(self.worker))
