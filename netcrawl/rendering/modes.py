"""The values of the ``render`` option, read from a spider attribute, ``-a render=...``
or ``meta["netcrawl_render"]``.

One parser for all three places, so a typo (``render=chrome``) fails with the same
clear message wherever it was written instead of silently crawling unrendered.
"""

from __future__ import annotations

from enum import StrEnum


class RenderModeError(ValueError):
    """A ``render`` value that is not one of :class:`RenderMode`'s."""


class RenderMode(StrEnum):
    """How a spider's (or one request's) pages are fetched.

    - ``NONE``: plain HTTP, no rendering (the default);
    - ``BROWSER``: headless Chromium (scrapy-playwright);
    - ``SPLASH``: a Splash server (scrapy-splash, ``SPLASH_URL``);
    - ``AUTO``: plain first; a page that yields no place and looks built by scripts
      is fetched again with the configured renderer, once.
    """

    NONE = "none"
    BROWSER = "browser"
    SPLASH = "splash"
    AUTO = "auto"

    @property
    def is_renderer(self) -> bool:
        """Whether this mode names a renderer a request can be sent to."""
        return self in (RenderMode.BROWSER, RenderMode.SPLASH)


#: Other spellings users write for "no rendering".
_NONE_SPELLINGS = frozenset({"", "none", "no", "off", "false", "plain"})


def parse_render_mode(value: object, *, where: str = "render") -> RenderMode:
    """The :class:`RenderMode` of a ``render`` value; ``None`` and ``"none"`` mean no rendering.

    ``where`` names the option in the error message (``"render"``,
    ``"meta['netcrawl_render']"``...). Raises :class:`RenderModeError` for anything else.
    """
    if value is None or value is False:
        return RenderMode.NONE
    if isinstance(value, RenderMode):
        return value
    if not isinstance(value, str):
        raise RenderModeError(
            f"{where}={value!r}: expected one of {_choices()} (a string), "
            f"got {type(value).__name__}"
        )
    text = value.strip().lower()
    if text in _NONE_SPELLINGS:
        return RenderMode.NONE
    try:
        return RenderMode(text)
    except ValueError:
        raise RenderModeError(f"{where}={value!r}: expected one of {_choices()}") from None


def _choices() -> str:
    return ", ".join(repr(mode.value) for mode in RenderMode)
