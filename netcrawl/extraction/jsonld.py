"""JSON-LD: read every ``application/ld+json`` block into schema.org nodes.

Real pages publish broken JSON-LD: trailing commas, raw newlines and control
characters inside strings, ``//`` and ``/* */`` comments, HTML comments or
CDATA wrappers, HTML-escaped blocks, several objects in one script. Each
block is parsed strictly first (fast path) and then through progressively
more lenient repairs; a block that no repair rescues is reported as the
problem ``invalid_jsonld`` and the page's other blocks are still read.
"""

from __future__ import annotations

import html
import json
import re

import chompjs

from .schemaorg import normalise_property, normalise_type

_COMMENTS = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n\r]*|/\*.*?\*/', re.DOTALL)
_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(\s*[}\]])', re.DOTALL)
_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?://\s*\]\]>|\]\]>|-->)\s*$")
_DECODER = json.JSONDecoder(strict=False)
#: Nesting deeper than this is not a real place description (and would
#: exhaust the interpreter's recursion limit on hostile input).
_MAX_DEPTH = 40


def _strip_comments(text: str) -> str:
    return _COMMENTS.sub(lambda m: m.group(1) or "", text)


def _strip_trailing_commas(text: str) -> str:
    return _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)


def _concatenated(text: str) -> list:
    """Several JSON documents one after another (``{...}{...}`` or one per line)."""
    items, position, length = [], 0, len(text)
    while position < length:
        while position < length and text[position] in " \t\r\n,;":
            position += 1
        if position >= length:
            break
        value, position = _DECODER.raw_decode(text, position)
        items.append(value)
    return items


def parse_block(text: str) -> tuple[object, bool]:
    """Parse one script's text; returns ``(data, ok)``. Empty blocks are ok and None."""
    text = text.strip().lstrip("\ufeff")
    if not text:
        return None, True
    try:
        return json.loads(text, strict=False), True
    except ValueError:
        pass
    repaired = _WRAPPERS.sub("", text).strip()
    attempts = [repaired, _strip_trailing_commas(_strip_comments(repaired))]
    if "&quot;" in repaired or "&#" in repaired or "&amp;" in repaired:
        unescaped = html.unescape(repaired)
        attempts += [unescaped, _strip_trailing_commas(_strip_comments(unescaped))]
    for attempt in attempts:
        try:
            return json.loads(attempt, strict=False), True
        except ValueError:
            pass
        try:
            items = _concatenated(attempt)
        except ValueError:
            continue
        if items:
            return (items[0] if len(items) == 1 else items), True
    try:
        return chompjs.parse_js_object(attempts[-1], loader_kwargs={"strict": False}), True
    except (ValueError, TypeError):
        return None, False


def _top_level(data) -> list[dict]:
    """Flatten a block into its top-level objects (arrays, ``@graph``)."""
    found: list[dict] = []
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[0:0] = item
        elif isinstance(item, dict):
            graph = item.get("@graph")
            if graph is not None:
                rest = {k: v for k, v in item.items() if k not in ("@graph", "@context")}
                if rest.get("@type") or len(rest) > 1:
                    found.append(item)
                stack[0:0] = graph if isinstance(graph, list) else [graph]
            else:
                found.append(item)
    return found


class _NodeBuilder:
    """Converts raw JSON-LD objects to nodes, resolving ``{"@id": ...}`` references."""

    def __init__(self, objects: list[dict]):
        self.by_id: dict[str, dict] = {}
        self.memo: dict[int, dict] = {}
        for obj in objects:
            self._index(obj, 0)

    def _index(self, obj, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(obj, dict):
            node_id = obj.get("@id")
            if isinstance(node_id, str) and len(obj) > 1:
                self.by_id.setdefault(node_id, obj)
            for value in obj.values():
                if isinstance(value, dict | list):
                    self._index(value, depth + 1)
        elif isinstance(obj, list):
            for value in obj:
                self._index(value, depth + 1)

    def node(self, obj: dict, depth: int = 0) -> dict:
        key = id(obj)
        if key in self.memo:
            return self.memo[key]
        if depth > _MAX_DEPTH:
            return {"@type": []}
        raw_types = obj.get("@type")
        raw_types = raw_types if isinstance(raw_types, list) else [raw_types]
        node: dict = {
            "@type": [normalise_type(t) for t in raw_types if isinstance(t, str) and t.strip()]
        }
        self.memo[key] = node
        if isinstance(obj.get("@id"), str):
            node["@id"] = obj["@id"]
        for raw_key, raw_value in obj.items():
            if not isinstance(raw_key, str) or raw_key.startswith("@"):
                continue
            converted = self._values(raw_value, depth + 1)
            if converted:
                node.setdefault(normalise_property(raw_key), []).extend(converted)
        return node

    def _values(self, raw, depth: int) -> list:
        if raw is None or depth > _MAX_DEPTH:
            return []
        if isinstance(raw, list):
            out = []
            for item in raw:
                out.extend(self._values(item, depth + 1))
            return out
        if isinstance(raw, dict):
            if "@value" in raw:
                value = raw["@value"]
                return [value] if isinstance(value, str | int | float) else []
            if set(raw) <= {"@id", "@type"} and isinstance(raw.get("@id"), str):
                target = self.by_id.get(raw["@id"])
                if target is not None:
                    return [self.node(target, depth)]
                return [raw["@id"]] if "@type" not in raw else [self.node(raw, depth)]
            return [self.node(raw, depth)]
        if isinstance(raw, str) and raw in self.by_id and raw[:1] in ("#", "h", "_"):
            return [self.node(self.by_id[raw], depth)]  # a bare string reference to a node's @id
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            return [raw]
        return []


def jsonld_nodes(scripts, problems: list[str]) -> list[dict]:
    """Nodes of every JSON-LD script element, appending ``invalid_jsonld`` for bad ones."""
    objects: list[dict] = []
    for script in scripts:
        text = script.text if len(script) == 0 else "".join(script.itertext())
        try:
            data, ok = parse_block(text or "")
        except RecursionError:
            data, ok = None, False
        if not ok:
            problems.append("invalid_jsonld")
            continue
        objects.extend(_top_level(data))
    builder = _NodeBuilder(objects)
    return [builder.node(obj) for obj in objects]
