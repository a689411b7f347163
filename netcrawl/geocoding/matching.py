"""Match a parsed address against the index: rooftop, interpolated, street, postcode, city...

The answer degrades gracefully, and says how precise it is:

1. ``rooftop``: the house number (and suffix) is an imported point;
2. ``interpolated``: the number is not, so it is placed between the nearest
   numbers on the same street (same parity when the street numbers its sides
   odd/even), proportionally to the numbers;
3. ``street``: no number, or a street without numbers: the street's centroid;
4. ``postcode``: centroid of the imported points with that postcode;
5. ``city`` / ``region`` / ``country``: the gazetteer.

When several streets share a name (every town has a Main Street), candidates
are ranked by postcode, city (name or distance to the gazetteer's town),
region and whether they hold the number.
"""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from netcrawl.geocoding.gazetteer import Gazetteer, PlaceRecord, hint_matches_place
from netcrawl.geocoding.normalise import display_postcode, name_key, postcode_key, street_key
from netcrawl.geocoding.parsing import AddressQuery
from netcrawl.geodesy import haversine_m
from netcrawl.normalisation.country import to_alpha2

PRECISIONS = ("rooftop", "interpolated", "street", "postcode", "city", "region", "country")
#: A street this far from the town the query names is another town's street.
MAX_STREET_TO_CITY_M = 40_000
#: Streets of the same name scored in full for one query (the rest: too far away).
MAX_SCORED_CANDIDATES = 30


@dataclass(slots=True)
class Match:
    """One geocoding answer."""

    lat: float
    lon: float
    precision: str
    components: dict[str, str] = field(default_factory=dict)
    score: float = 0.0


@dataclass(slots=True)
class _Street:
    id: int
    key: str
    name: str
    city: str
    city_key: str
    district: str
    region: str
    country: str
    lat: float
    lon: float
    n: int
    min_num: int | None
    max_num: int | None


_STREET_COLUMNS = (
    "id, key, name, city, city_key, district, region, country, lat, lon, n, min_num, max_num"
)


def _is_country(text: str) -> bool:
    from netcrawl.normalisation.country import to_alpha2

    return to_alpha2(text) is not None and len(text.strip()) > 3


class AddressMatcher:
    """Forward geocoding over one index (thread-safe: one connection per thread)."""

    def __init__(self, conn: Callable[[], sqlite3.Connection], gazetteer: Gazetteer) -> None:
        self._conn = conn
        self.gazetteer = gazetteer
        self._has_addresses: bool | None = None

    @property
    def has_addresses(self) -> bool:
        if self._has_addresses is None:
            row = self._conn().execute("SELECT 1 FROM streets LIMIT 1").fetchone()
            self._has_addresses = row is not None
        return self._has_addresses

    def refresh(self) -> None:
        self._has_addresses = None

    # --- entry point -------------------------------------------------------

    def match(self, query: AddressQuery, limit: int = 1) -> list[Match]:
        town = self._town(query)
        if query.street and self.has_addresses:
            found = self._match_street(query, town, limit)
            if found:
                return found
        if query.street and not query.housenumber:
            # "Ham, Picardie" / "Poplar Grove, Illinois": a town whose name holds a
            # street-type word, not a street.
            as_town = AddressQuery(
                city=query.street,
                postcode=query.postcode,
                hints=[query.city, *query.hints] if query.city else list(query.hints),
                country=query.country,
            )
            place = self._town(as_town)
            if place is not None:
                return [self._place_match(place, as_town)]
        if not query.street and query.city and town is None and self.has_addresses:
            # "Prinsengracht, Amsterdam": the first part was a street, not a town.
            as_street = AddressQuery(
                street=query.city,
                postcode=query.postcode,
                city=query.hints[0] if query.hints else None,
                hints=query.hints[1:],
                country=query.country,
            )
            found = self._match_street(as_street, self._town(as_street), limit)
            if found:
                return found
        if query.postcode and self.has_addresses:
            found = self._match_postcode(query)
            if found:
                return [found]
        if town is not None:
            return [self._place_match(town, query)]
        if query.city and self.has_addresses:
            found = self._match_imported_city(query)
            if found:
                return [found]
        for i, hint in enumerate(query.hints):
            # "Unknown Place, Lyon, France": the town may be a later part.
            rest = query.hints[i + 1 :]
            usable = len(hint.strip()) > 3 and not _is_country(hint)
            places = self.gazetteer.find(hint, rest) if usable else []
            if places:
                return [self._place_match(places[0], query)]
        return self._match_area(query)

    # --- streets -----------------------------------------------------------

    def _town(self, query: AddressQuery) -> PlaceRecord | None:
        if not query.city:
            return None
        hints = list(query.hints)
        places = self.gazetteer.find(query.city, hints)
        if query.country:
            places = [p for p in places if p.cc == query.country] or (places if not hints else [])
        return places[0] if places else None

    def _streets(self, column: str, key: str) -> list[_Street]:
        rows = (
            self._conn()
            .execute(f"SELECT {_STREET_COLUMNS} FROM streets WHERE {column} = ? AND n > 0", (key,))
            .fetchall()
        )
        return [_Street(*row) for row in rows]

    def _candidate_streets(self, query: AddressQuery) -> tuple[list[_Street], float, AddressQuery]:
        if query.trailing:  # "12 rue du Faubourg Saint-Honoré" cut after "Faubourg"?
            whole = " ".join([query.street or "", *query.trailing])
            found = self._streets("key", street_key(whole).full)
            if found:
                return found, 0.0, query
        keys = street_key(query.street or "")
        found = self._streets("key", keys.full)
        if found:
            return found, 0.0, query
        found = self._streets("base_key", keys.base) or self._streets("key", keys.base)
        if found:
            return found, -1.0, query
        # No commas: "rue de Rivoli Paris": the longest prefix that is a street.
        words = (query.street or "").split() + list(query.trailing)
        for end in range(len(words) - 1, 0, -1):
            prefix = " ".join(words[:end])
            found = self._streets("key", street_key(prefix).full)
            if found:
                rest = " ".join(words[end:])
                narrowed = AddressQuery(
                    housenumber=query.housenumber,
                    street=prefix,
                    unit=query.unit,
                    postcode=query.postcode,
                    city=query.city or rest,
                    hints=query.hints if query.city else [*query.hints],
                    country=query.country,
                )
                return found, -0.5, narrowed
        return self._fuzzy_streets(query, keys.full), -2.0, query

    def _fuzzy_streets(self, query: AddressQuery, key: str) -> list[_Street]:
        """Typos: close keys among the streets of the query's postcode or city only."""
        conn = self._conn()
        rows: list[tuple] = []
        if query.postcode:
            rows = conn.execute(
                "SELECT DISTINCT s.key FROM addresses a JOIN streets s ON s.id = a.street_id"
                " WHERE a.postcode = ? LIMIT 5000",
                (postcode_key(query.postcode),),
            ).fetchall()
        if not rows and query.city:
            rows = conn.execute(
                "SELECT DISTINCT key FROM streets WHERE city_key = ? LIMIT 20000",
                (name_key(query.city),),
            ).fetchall()
        close = difflib.get_close_matches(key, [r[0] for r in rows], n=2, cutoff=0.84)
        found: list[_Street] = []
        for candidate in close:
            found.extend(self._streets("key", candidate))
        return found

    def _match_street(self, query: AddressQuery, town: PlaceRecord | None, limit: int):
        candidates, penalty, query = self._candidate_streets(query)
        if not candidates:
            return []
        if query.city and town is None:
            town = self._town(query)
        number = query.number
        city = name_key(query.city) if query.city else ""
        same_city = [
            s for s in candidates if city and city in (s.city_key, name_key(s.district or ""))
        ]
        if same_city:  # the register names the town: the other towns' streets are out
            candidates = same_city
        if len(candidates) > MAX_SCORED_CANDIDATES:
            candidates = self._nearest_candidates(candidates, query, town)
        scored = []
        for street in candidates:
            score = self._score_street(street, query, town, number)
            if score is None:
                continue
            scored.append((score + penalty, street))
        scored.sort(key=lambda item: (item[0], item[1].n), reverse=True)
        results = []
        for score, street in scored[:limit]:
            results.append(self._locate_on_street(street, query, number, score))
        return results

    def _nearest_candidates(self, candidates: list[_Street], query, town) -> list[_Street]:
        """A state-wide import has hundreds of Main Streets: keep those in the named city
        and the ones nearest to the named town or postcode (scoring costs SQL per street)."""
        anchors = [(town.lat, town.lon)] if town is not None else []
        if query.postcode:
            row = (
                self._conn()
                .execute(
                    "SELECT lat, lon FROM postcodes WHERE key = ? ORDER BY n DESC LIMIT 1",
                    (postcode_key(query.postcode),),
                )
                .fetchone()
            )
            if row is not None:
                anchors.append(row)
        city = name_key(query.city) if query.city else ""
        if not anchors:
            same_city = [s for s in candidates if city and s.city_key == city]
            return same_city or sorted(candidates, key=lambda s: -s.n)[:MAX_SCORED_CANDIDATES]

        def distance(street: _Street) -> float:
            if city and street.city_key == city:
                return 0.0
            return min(haversine_m(lat, lon, street.lat, street.lon) for lat, lon in anchors)

        return sorted(candidates, key=distance)[:MAX_SCORED_CANDIDATES]

    def _score_street(self, street: _Street, query, town, number) -> float | None:
        conn = self._conn()
        score = 0.0
        locality_named = False
        if query.postcode:
            locality_named = True
            hit = conn.execute(
                "SELECT 1 FROM addresses WHERE street_id = ? AND postcode = ? LIMIT 1",
                (street.id, postcode_key(query.postcode)),
            ).fetchone()
            score += 4 if hit else 0
        if query.city:
            locality_named = True
            city = name_key(query.city)
            if city and city in (street.city_key, name_key(street.district or "")):
                score += 3
            elif town is not None:
                distance = haversine_m(town.lat, town.lon, street.lat, street.lon)
                if distance < 15_000:
                    score += 2
                elif distance > MAX_STREET_TO_CITY_M and score == 0:
                    return None
        if query.country and street.country and street.country != query.country:
            return None
        for hint in query.hints:
            if street.region and name_key(hint) == name_key(street.region):
                score += 1
        if locality_named and score == 0:
            score -= 3
        if number is not None and street.min_num is not None:
            n = number[0]
            if street.min_num <= n <= street.max_num:
                score += 1
                exists = conn.execute(
                    "SELECT 1 FROM addresses WHERE street_id = ? AND num = ? LIMIT 1",
                    (street.id, n),
                ).fetchone()
                score += 1 if exists else 0
        return score

    def _locate_on_street(self, street: _Street, query, number, score) -> Match:
        conn = self._conn()
        components = self._street_components(street, query)
        if number is None:
            return Match(street.lat, street.lon, "street", components, score)
        n, suffix = number
        rows = conn.execute(
            "SELECT suffix, lat, lon, postcode FROM addresses WHERE street_id = ? AND num = ?",
            (street.id, n),
        ).fetchall()
        if rows:
            wanted_postcode = postcode_key(query.postcode) if query.postcode else None
            # Same suffix first, then the query's postcode (a city may have two streets
            # of one name, told apart only by their postcodes), then the bare number.
            rows.sort(
                key=lambda r: (
                    r[0] != suffix,
                    wanted_postcode is not None and r[3] != wanted_postcode,
                    r[0] != "",
                    len(r[0]),
                )
            )
            best = rows[0]
            components["housenumber"] = query.housenumber
            if best[3]:
                components["postcode"] = display_postcode(best[3], street.country)
            return Match(best[1], best[2], "rooftop", components, score)
        point = self._interpolate(street.id, n)
        if point is None:
            return Match(street.lat, street.lon, "street", components, score)
        components["housenumber"] = query.housenumber
        return Match(point[0], point[1], "interpolated", components, score)

    def _interpolate(self, street_id: int, n: int) -> tuple[float, float] | None:
        """Place number ``n`` between its neighbours on the street (same parity if any)."""
        conn = self._conn()
        below = conn.execute(
            "SELECT num, lat, lon FROM addresses WHERE street_id = ? AND num < ?"
            " ORDER BY num DESC LIMIT 40",
            (street_id, n),
        ).fetchall()
        above = conn.execute(
            "SELECT num, lat, lon FROM addresses WHERE street_id = ? AND num > ?"
            " ORDER BY num ASC LIMIT 40",
            (street_id, n),
        ).fetchall()
        same_below = [r for r in below if r[0] % 2 == n % 2]
        same_above = [r for r in above if r[0] % 2 == n % 2]
        if same_below and same_above:
            below, above = same_below, same_above
        elif same_below or same_above:
            # Only one side has this parity here: stay on that side of the street.
            below, above = same_below or below, same_above or above
        if below and above:
            lo, hi = below[0], above[0]
            t = (n - lo[0]) / (hi[0] - lo[0])
            return lo[1] + t * (hi[1] - lo[1]), lo[2] + t * (hi[2] - lo[2])
        nearest = below[0] if below else (above[0] if above else None)
        return (nearest[1], nearest[2]) if nearest else None

    def _street_components(self, street: _Street, query: AddressQuery) -> dict[str, str]:
        components = {"street": street.name}
        if street.city:
            components["city"] = street.city
        elif query.city:
            components["city"] = query.city
        if street.region:
            components["state"] = street.region
        if street.country:
            components["country_code"] = street.country
        if query.postcode:
            components["postcode"] = query.postcode
        return components

    # --- coarser answers ---------------------------------------------------

    def _match_postcode(self, query: AddressQuery) -> Match | None:
        key = postcode_key(query.postcode or "")
        rows = (
            self._conn()
            .execute(
                "SELECT key, country, city, region, lat, lon, n FROM postcodes WHERE key = ?",
                (key,),
            )
            .fetchall()
        )
        if query.country:
            rows = [r for r in rows if r[1] == query.country]
        if not rows:
            return None
        key, country, city, region, lat, lon, _ = max(rows, key=lambda r: r[6])
        components = {"postcode": display_postcode(key, country)}
        if city:
            components["city"] = city
        if region:
            components["state"] = region
        if country:
            components["country_code"] = country
        return Match(lat, lon, "postcode", components)

    def _match_imported_city(self, query: AddressQuery) -> Match | None:
        row = (
            self._conn()
            .execute(
                "SELECT city, region, country, sum(lat * n) / sum(n), sum(lon * n) / sum(n)"
                " FROM streets WHERE city_key = ? AND n > 0 GROUP BY city_key",
                (name_key(query.city or ""),),
            )
            .fetchone()
        )
        if row is None or row[3] is None:
            return None
        components = {"city": row[0], "country_code": row[2]}
        if row[1]:
            components["state"] = row[1]
        return Match(row[3], row[4], "city", components)

    def _place_match(self, place: PlaceRecord, query: AddressQuery) -> Match:
        components = {"city": place.name, "country_code": place.cc}
        if place.admin1:
            components["state"] = place.admin1
        if place.admin2:
            components["county"] = place.admin2
        if query.postcode:
            components["postcode"] = query.postcode
        return Match(place.lat, place.lon, "city", components)

    def _match_area(self, query: AddressQuery) -> list[Match]:
        candidates = [query.city] if query.city else []
        candidates += list(query.hints)
        for hint in candidates:
            region = self.gazetteer.region(hint, query.country)
            if region is not None:
                cc, admin1, lat, lon = region
                return [Match(lat, lon, "region", {"state": admin1, "country_code": cc})]
        countries = [query.country] if query.country else []
        countries += [c for c in (to_alpha2(h) for h in candidates) if c]
        for cc in countries:
            row = self.gazetteer.country(cc)
            if row is not None:
                return [Match(row[2], row[3], "country", {"country_code": cc, "country": row[1]})]
        return []


__all__ = ["PRECISIONS", "AddressMatcher", "Match", "hint_matches_place"]
