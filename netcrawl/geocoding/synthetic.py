"""Synthetic address registers with known coordinates, for tests, benchmarks and self-checks.

Real registers cannot ship with the project, yet matching and interpolation
must be measured against ground truth. This module lays out straight streets
in three towns written the way their registers write them (a US city's
OpenAddresses, a Paris BAN-like file, an Amsterdam BAG-like file), numbers
houses along them (odd one side, even the other, a few metres apart) and
writes the queries people would type for them: abbreviated, accented or not,
with units, with or without postcode. Some numbers are withheld from the
register so interpolation can be scored.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from netcrawl.geodesy import EARTH_RADIUS_M

OPENADDRESSES_HEADER = (
    "LON",
    "LAT",
    "NUMBER",
    "STREET",
    "UNIT",
    "CITY",
    "DISTRICT",
    "REGION",
    "POSTCODE",
)


@dataclass(frozen=True, slots=True)
class AddressPoint:
    """One house: its register row and true position."""

    locale: str
    number: str
    street: str
    city: str
    region: str
    postcode: str
    lat: float
    lon: float
    street_index: int
    numeric: int

    def row(self) -> tuple:
        return (
            f"{self.lon:.7f}", f"{self.lat:.7f}", self.number, self.street, "", self.city, "",
            self.region, self.postcode,
        )  # fmt: skip


@dataclass
class SyntheticRegister:
    """Imported points, withheld points (for interpolation) and written query variants."""

    points: list[AddressPoint] = field(default_factory=list)
    withheld: list[AddressPoint] = field(default_factory=list)

    def write_openaddresses(self, path: str | Path) -> Path:
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(OPENADDRESSES_HEADER)
            writer.writerows(point.row() for point in self.points)
        return path


# street name (as in the register), how people write it (variants)
_US_STREETS = [
    ("N Main St", ["{n} N Main St", "{n} North Main Street", "{n} n. main st.", "{n} N MAIN ST"]),
    ("S Oak Ave", ["{n} S Oak Ave", "{n} South Oak Avenue", "{n} s oak av"]),
    ("Elm Street", ["{n} Elm St", "{n} Elm Street", "{n} elm st."]),
    ("Maple Rd", ["{n} Maple Road", "{n} Maple Rd", "{n} MAPLE RD"]),
    ("Lincoln Blvd", ["{n} Lincoln Boulevard", "{n} Lincoln Blvd", "{n} lincoln blvd."]),
    ("W Washington Dr", ["{n} W Washington Dr", "{n} West Washington Drive"]),
    ("Cedar Ln", ["{n} Cedar Lane", "{n} Cedar Ln"]),
    ("Park Pl", ["{n} Park Place", "{n} Park Pl"]),
]
_US_FORMS = [
    "{street}, Springfield, IL {zip}",
    "{street} Apt 4, Springfield, IL {zip}",
    "{street}, Springfield IL",
    "{street} Suite 200, Springfield, Illinois {zip}",
    "{street} #5, springfield, il",
    "{street}, Springfield, IL {zip}-1234, USA",
    "{street} Springfield IL {zip}",
]
_FR_STREETS = [
    ("Rue de Rivoli", ["{n} rue de Rivoli", "{n} r. de Rivoli", "{n} RUE DE RIVOLI"]),
    ("Boulevard Saint-Germain", ["{n} boulevard Saint-Germain", "{n} bd St-Germain"]),
    (
        "Avenue des Champs-Élysées",
        ["{n} avenue des Champs-Élysées", "{n} av. des Champs-Elysees", "{n} av champs elysees"],
    ),
    ("Place de la Concorde", ["{n} place de la Concorde", "{n} pl. de la Concorde"]),
    (
        "Rue du Faubourg Saint-Honoré",
        ["{n} rue du Faubourg Saint-Honoré", "{n} r. du Fbg St-Honoré", "{n} rue fbg st honore"],
    ),
    ("Quai de la Tournelle", ["{n} quai de la Tournelle", "{n} Quai Tournelle"]),
]
_FR_FORMS = [
    "{street}, {zip} Paris",
    "{street} {zip} Paris",
    "{street}, Paris",
    "{street}, {zip} Paris, France",
]
_NL_STREETS = [
    ("Damrak", ["Damrak {n}", "damrak {n}"]),
    ("Kerkstraat", ["Kerkstraat {n}", "Kerkstr. {n}", "kerkstraat {n}"]),
    ("Van Baerlestraat", ["Van Baerlestraat {n}", "van Baerlestr. {n}"]),
    ("Eerste Jan Steenstraat", ["Eerste Jan Steenstraat {n}", "1e Jan Steenstraat {n}"]),
    ("Prinsengracht", ["Prinsengracht {n}", "Prinsengr. {n}"]),
    ("Beethovenlaan", ["Beethovenlaan {n}", "Beethoven laan {n}"]),
]
_NL_FORMS = [
    "{street}, {zip} Amsterdam",
    "{street}, {zipc} Amsterdam",
    "{street} {zip} Amsterdam",
    "{street}, Amsterdam",
]

_LOCALES = {
    # origin lat, lon; city; region; street list; forms; numbers per side
    "us": (39.7817, -89.6501, "Springfield", "IL", _US_STREETS, _US_FORMS),
    "fr": (48.8566, 2.3400, "Paris", "", _FR_STREETS, _FR_FORMS),
    "nl": (52.3676, 4.8900, "Amsterdam", "", _NL_STREETS, _NL_FORMS),
}


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlon = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


def _postcode(locale: str, street_index: int, numeric: int) -> str:
    block = numeric // 100
    if locale == "us":
        return f"{62701 + (street_index + block) % 3}"
    if locale == "fr":
        return f"7500{1 + (street_index + block) % 4}"
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    first, second = letters[block % len(letters)], letters[(numeric // 20) % len(letters)]
    return f"{1011 + street_index} {first}{second}"


def generate(
    houses_per_street: int = 120, withheld_share: float = 0.05, seed: int = 7
) -> SyntheticRegister:
    """Three towns of straight streets; ``withheld_share`` of houses kept out of the register."""
    rng = random.Random(seed)
    register = SyntheticRegister()
    for locale, (lat0, lon0, city, region, streets, _) in _LOCALES.items():
        for s_index, (street, _variants) in enumerate(streets):
            bearing = math.radians(rng.uniform(0, 180))
            start = _offset(lat0, lon0, (s_index - len(streets) / 2) * 400, rng.uniform(-900, 900))
            for k in range(houses_per_street):
                numeric = k + 1 if locale != "us" else 100 + 2 * k + (k % 2)
                along = (numeric // 2) * 12.0
                side = 12.0 if numeric % 2 else -12.0
                north = along * math.cos(bearing) - side * math.sin(bearing)
                east = along * math.sin(bearing) + side * math.cos(bearing)
                lat, lon = _offset(*start, north, east)
                number = str(numeric)
                if locale == "nl" and numeric % 17 == 0:
                    number = f"{numeric}a"
                if locale == "fr" and numeric % 23 == 0:
                    number = f"{numeric} bis"
                point = AddressPoint(
                    locale, number, street, city, region, _postcode(locale, s_index, numeric),
                    lat, lon, s_index, numeric,
                )  # fmt: skip
                interior = 3 < k < houses_per_street - 4
                if interior and rng.random() < withheld_share:
                    register.withheld.append(point)
                else:
                    register.points.append(point)
    return register


def written_queries(
    points: list[AddressPoint], seed: int = 11
) -> Iterator[tuple[str, AddressPoint]]:
    """For each point, one query written the way a person might write it."""
    rng = random.Random(seed)
    for point in points:
        _, _, _, _, streets, forms = _LOCALES[point.locale]
        variants = streets[point.street_index][1]
        number = point.number
        if point.locale == "nl" and number.isdigit() and rng.random() < 0.3:
            number = f"{number}-2"  # an apartment addition on a house the register lists bare
        street = rng.choice(variants).format(n=number)
        form = rng.choice(forms)
        yield (
            form.format(street=street, zip=point.postcode, zipc=point.postcode.replace(" ", "")),
            point,
        )
