"""Map a request target onto a file inside the served root, refusing everything else.

``SimpleHTTPRequestHandler.translate_path`` silently drops ``..`` segments and
follows symlinks anywhere, so a request that *looks* harmless can still reach
files outside the root. Here every request target is decoded exactly once,
checked segment by segment, and the final real path (symlinks resolved) must
still lie inside the root. Anything suspicious is an explicit refusal with a
status code, never a best-effort guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

#: Percent-escapes that, after our single decoding, would turn into a dot, a
#: slash, a backslash or NUL if some other component decoded the path again.
_DOUBLE_ENCODED = re.compile(r"%(2e|2f|5c|00)", re.IGNORECASE)


class PathRefused(Exception):
    """The request target cannot be served; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ResolvedPath:
    """A request target that passed every check.

    ``url_path`` is the decoded path (always starting with ``/``), ``fs_path``
    the real filesystem path inside the root.
    """

    url_path: str
    fs_path: Path
    ends_with_slash: bool


def split_target(target: str) -> tuple[str, str]:
    """Split a request target into its raw path and raw query string.

    Accepts origin-form (``/a/b?q``) and absolute-form
    (``http://host/a/b?q``); anything else, including ``*`` and paths without
    a leading slash, is refused.
    """
    if target[:8].lower().startswith(("http://", "https://")):
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    if not target.startswith("/"):
        raise PathRefused(400, "request target must start with '/'")
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    return path, query


def decode_path(raw_path: str) -> str:
    """Percent-decode ``raw_path`` once into text, refusing dangerous bytes."""
    if "\\" in raw_path or "\x00" in raw_path:
        raise PathRefused(400, "backslash or NUL in path")
    try:
        decoded = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise PathRefused(400, "path is not valid UTF-8 once decoded") from None
    if "\x00" in decoded or "\\" in decoded:
        raise PathRefused(400, "encoded backslash or NUL in path")
    if _DOUBLE_ENCODED.search(decoded):
        raise PathRefused(400, "double-encoded dot, slash, backslash or NUL in path")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in decoded):
        raise PathRefused(400, "control character in path")
    return decoded


def resolve_request_path(root: Path, raw_path: str) -> ResolvedPath:
    """Resolve the raw (still percent-encoded) path of a request under ``root``.

    ``root`` must already be resolved (``Path.resolve()``). Raises
    :class:`PathRefused` with 400 (malformed), 403 (traversal or a symlink
    leaving the root) or 404 (dotfiles, hidden on purpose so their existence
    does not leak).
    """
    decoded = decode_path(raw_path)
    segments = [segment for segment in decoded.split("/") if segment]
    for segment in segments:
        if segment in {".", ".."}:
            raise PathRefused(403, "dot segment in path")
        if segment.startswith("."):
            raise PathRefused(404, "dotfiles are not served")
    candidate = root.joinpath(*segments)
    try:
        real = candidate.resolve(strict=False)
    except (OSError, RuntimeError):  # symlink loops
        raise PathRefused(404, "path cannot be resolved") from None
    if real != root and root not in real.parents:
        raise PathRefused(403, "path leaves the served directory")
    if any(part.startswith(".") for part in real.relative_to(root).parts):
        raise PathRefused(404, "dotfiles are not served")
    return ResolvedPath(
        url_path="/" + "/".join(segments),
        fs_path=real,
        ends_with_slash=decoded.endswith("/"),
    )


def is_visible_entry(root: Path, entry: Path) -> bool:
    """Whether a directory entry may appear in a listing (same rules as requests)."""
    if entry.name.startswith("."):
        return False
    try:
        real = entry.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    if real != root and root not in real.parents:
        return False
    return not any(part.startswith(".") for part in real.relative_to(root).parts)
