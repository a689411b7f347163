"""JSON encoding of a page's output (items and follow-up requests) for the page store.

A page that answers 304 Not Modified must give the crawl exactly what its
callback gave last time: the places *and* the requests, otherwise the pages
reachable only through it would be lost. Requests are turned into the dicts
of :meth:`scrapy.Request.to_dict` and rebuilt with Scrapy's
:func:`scrapy.utils.request.request_from_dict` (callbacks and errbacks by
method name, so they are bound to the new spider instance when read back),
and items with :class:`itemadapter.ItemAdapter`.

Those dicts hold bytes (headers, bodies) and dicts with bytes keys (headers),
which plain JSON cannot carry, so they are tagged: ``{"$b": "<base64>"}`` for
bytes and ``{"$d": [[key, value], ...]}`` for a dict whose keys are not all
strings or that has a key starting with ``$`` (so a real dict can never be
mistaken for a tag). scrapy-playwright's ``PageMethod`` (which rendered requests
carry, see netcrawl.rendering.browser) is tagged ``{"$pm": [method, args, kwargs]}``,
its method by name or, for a module-level function, by dotted path: without it, a
page linking to a page rendered in Chromium could never be stored. JSON rather than
pickle keeps the store inspectable with ``sqlite3``, and loading it runs no code but
the import of such a function's module. Anything else that JSON cannot
carry raises :class:`Unstorable`: that page is then simply not recorded, and
the next crawl downloads it in full.
"""

from __future__ import annotations

import base64
import inspect
import json
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request, Spider
from scrapy.utils.misc import load_object
from scrapy.utils.request import request_from_dict

_BYTES = "$b"
_PAIRS = "$d"
_PAGE_METHOD = "$pm"
_PAGE_METHOD_CLASS = ("scrapy_playwright.page", "PageMethod")


class Unstorable(ValueError):
    """A page's output cannot be written to the store (the reason is the message)."""


def _tag(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, bytes | bytearray):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: _tag(item) for key, item in value.items()}
        return {_PAIRS: [[_tag(key), _tag(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_tag(item) for item in value]
    if (type(value).__module__, type(value).__name__) == _PAGE_METHOD_CLASS:
        return {_PAGE_METHOD: [_function_path(value.method), _tag(list(value.args)),
                               _tag(value.kwargs)]}
    raise Unstorable(f"cannot store a value of type {type(value).__name__}")


def _function_path(method: Any) -> str:
    """A page method's name, or a module-level function's dotted path."""
    if isinstance(method, str):
        return method
    module, name = getattr(method, "__module__", None), getattr(method, "__qualname__", "")
    if not module or "<" in name or "." in name:  # lambdas, closures, bound methods
        raise Unstorable(f"cannot store the page method {method!r}")
    return f"{module}.{name}"


def _page_method(path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    # Imported here: only stores holding rendered requests need Playwright's helper.
    from scrapy_playwright.page import PageMethod

    method = load_object(path) if "." in path else path
    return PageMethod(method, *args, **kwargs)


def _untag(value: Any) -> Any:
    if isinstance(value, list):
        return [_untag(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        if len(value) == 1 and _PAIRS in value:
            return {_untag(key): _untag(item) for key, item in value[_PAIRS]}
        if len(value) == 1 and _PAGE_METHOD in value:
            path, args, kwargs = value[_PAGE_METHOD]
            return _page_method(path, _untag(args), _untag(kwargs))
        return {key: _untag(item) for key, item in value.items()}
    return value


def dumps(value: Any) -> str:
    """Tagged, compact JSON text of ``value``; raises :class:`Unstorable`."""
    try:
        return json.dumps(_tag(value), ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
    except (ValueError, TypeError) as exc:  # NaN/inf floats, ...
        if isinstance(exc, Unstorable):
            raise
        raise Unstorable(str(exc)) from exc


def loads(text: str) -> Any:
    """The value :func:`dumps` encoded."""
    return _untag(json.loads(text))


def encode_item(item: Any) -> dict[str, Any]:
    """An item as ``{"class": dotted path, "fields": {...}}`` (fields deep-copied)."""
    adapter = ItemAdapter(item)
    item_class = type(item)
    return {
        "class": f"{item_class.__module__}.{item_class.__qualname__}",
        "fields": adapter.asdict(),
    }


def decode_item(data: dict[str, Any]) -> Any:
    """A new item of the recorded class with the recorded fields."""
    item_class = load_object(data["class"])
    return item_class(**data["fields"])


def _method_name(method: Any, spider: Spider) -> str | None:
    """The name under which ``spider`` has ``method`` (a callback or errback)."""
    if method is None or isinstance(method, str):
        return method
    function = getattr(method, "__func__", None)
    if function is None or getattr(method, "__self__", None) is not spider:
        raise Unstorable(f"{method!r} is not a method of spider {spider.name!r}")
    name = function.__name__
    if getattr(getattr(spider, name, None), "__func__", None) is function:
        return name
    # Assigned under another name: the slow, exhaustive search Scrapy itself does.
    for name, member in inspect.getmembers(spider, predicate=inspect.ismethod):
        if member.__func__ is function:
            return name
    raise Unstorable(f"{method!r} cannot be found on spider {spider.name!r}")


def encode_request(request: Request, spider: Spider) -> dict[str, Any]:
    """A request as the dict :meth:`scrapy.Request.to_dict` makes, with the same keys.

    Built here from the documented ``Request.attributes`` because
    ``to_dict`` scans the whole spider with :func:`inspect.getmembers` twice per
    request (about 60 µs, paid for every link of every page); a direct lookup
    of the method's name costs a microsecond. Raises :class:`Unstorable` for a
    callback that is not a method of the spider (a lambda, a function).
    """
    data: dict[str, Any] = {
        "url": request.url,
        "callback": _method_name(request.callback, spider),
        "errback": _method_name(request.errback, spider),
        "headers": dict(request.headers),
    }
    for attribute in request.attributes:
        data.setdefault(attribute, getattr(request, attribute))
    request_class = type(request)
    if request_class is not Request:
        data["_class"] = f"{request_class.__module__}.{request_class.__name__}"
    return data


def decode_request(data: dict[str, Any], spider: Spider) -> Request:
    """The recorded request, its callback and errback bound to ``spider`` by name."""
    return request_from_dict(data, spider=spider)
