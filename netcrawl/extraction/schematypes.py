"""The schema.org type hierarchy, read once from ``schemaorg_types.txt``.

Pages use hundreds of Place/LocalBusiness/Organization subtypes (Restaurant,
BankOrCreditUnion, MusicVenue, ...). Listing a few by hand loses places, so
the subtype sets are derived from the hierarchy data file, and a type that
is not in the file at all is judged by its properties (name and address).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

# Read through importlib.resources: under Scrapyd the package is a zipped egg (no real file).
_DATA_FILE = resources.files(__package__).joinpath("schemaorg_types.txt")


@cache
def _hierarchy() -> dict[str, frozenset[str]]:
    """Map each known type to the set of its ancestors (itself included)."""
    ancestors: dict[str, set[str]] = {}
    stack: list[tuple[int, str]] = []
    for raw in _DATA_FILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = (len(raw) - len(raw.lstrip(" "))) // 2
        while stack and stack[-1][0] >= depth:
            stack.pop()
        lineage = {name for _, name in stack}
        ancestors.setdefault(stripped, {stripped}).update(lineage)
        stack.append((depth, stripped))
    # A type listed under several parents inherits every parent's lineage,
    # and its children must inherit that too: close transitively.
    changed = True
    while changed:
        changed = False
        for lineage in ancestors.values():
            extra = set()
            for parent in lineage:
                extra |= ancestors.get(parent, set())
            if not extra <= lineage:
                lineage |= extra
                changed = True
    return {name: frozenset(lineage) for name, lineage in ancestors.items()}


def _lower_index() -> dict[str, str]:
    return {name.lower(): name for name in _hierarchy()}


_LOWER: dict[str, str] = {}


def canonical_type(name: str) -> str:
    """Return the type's schema.org spelling (pages write ``localbusiness`` too)."""
    if not _LOWER:
        _LOWER.update(_lower_index())
    return _LOWER.get(name.lower(), name)


def is_known(name: str) -> bool:
    """True when ``name`` is a schema.org type the data file describes."""
    return canonical_type(name) in _hierarchy()


def is_a(name: str, ancestor: str) -> bool:
    """True when ``name`` is ``ancestor`` or one of its (transitive) subtypes."""
    return ancestor in _hierarchy().get(canonical_type(name), ())


def any_is_a(names, ancestor: str) -> bool:
    """True when any of ``names`` is ``ancestor`` or a subtype of it."""
    return any(is_a(name, ancestor) for name in names)
