"""Columns and value encoding shared by the tabular exporters (CSV, Parquet).

Tables need the same columns in every file, whatever the first item holds, so
data teams can concatenate runs: the columns are :data:`~netcrawl.items.PLACE_FIELDS`
(or ``FEED_EXPORT_FIELDS`` when set). Values that are not scalars (``extras``,
or a list a pipeline left in a field) are stored as compact JSON text rather
than Python's ``repr`` or Scrapy's comma-joined lists, so they can be parsed back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import scrapy
from itemadapter import ItemAdapter
from scrapy.utils.serialize import ScrapyJSONEncoder

from netcrawl.items import PLACE_FIELDS

logger = logging.getLogger(__name__)

_JSON_TEXT = ScrapyJSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ABSENT = object()


def export_fields(
    fields_to_export: Mapping[str, str] | Iterable[str] | None,
) -> dict[str, str] | list[str]:
    """``fields_to_export`` with the default filled in: ``PLACE_FIELDS``.

    A mapping (item field -> output column name, Scrapy's renaming form) stays
    a mapping; anything else becomes a list.
    """
    if fields_to_export is None:
        return list(PLACE_FIELDS)
    if isinstance(fields_to_export, Mapping):
        return dict(fields_to_export)
    return list(fields_to_export)


def export_columns(fields_to_export: Mapping[str, str] | Iterable[str] | None) -> list[str]:
    """Output column names, in order (``PLACE_FIELDS`` by default)."""
    fields = export_fields(fields_to_export)
    return list(fields.values()) if isinstance(fields, dict) else fields


def source_fields(fields_to_export: Mapping[str, str] | Iterable[str] | None) -> list[str]:
    """Item field names read for the columns, in column order."""
    fields = export_fields(fields_to_export)
    return list(fields.keys()) if isinstance(fields, dict) else fields


def json_text(value: Any) -> str:
    """Compact JSON with non-ASCII characters kept (dates, sets, Decimals handled)."""
    return _JSON_TEXT.encode(value)


def cell_text(value: Any) -> str | None:
    """A value as a table cell: strings as they are, containers as JSON text."""
    if value is None or type(value) is str:  # the common cases first: this runs per cell
        return value
    if isinstance(value, (dict, list, tuple, set)):
        return json_text(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


@cache
def _declared_fields(item_class: type) -> Mapping[str, Mapping[str, Any]]:
    return dict(getattr(item_class, "fields", {}))


@cache
def _field_serializers(item_class: type) -> Mapping[str, Any]:
    """``serializer`` metadata of an item class's fields, for those that have one."""
    return {
        name: meta["serializer"]
        for name, meta in _declared_fields(item_class).items()
        if meta.get("serializer") is not None
    }


def plain_values(item: Any) -> Mapping[str, Any] | None:
    """The field values of a dict or :class:`scrapy.Item` as a mapping, else ``None``.

    For these two item types the exporters read values directly instead of
    through :class:`~itemadapter.ItemAdapter`, whose per-field indirection is
    most of Scrapy's export time; other item types take the generic path.
    """
    if isinstance(item, dict):
        return item
    if isinstance(item, scrapy.Item):
        return item._values  # the Item's own storage; read-only use
    return None


class FastFieldsMixin:
    """``get_serialized_fields`` with Scrapy's semantics, faster for dicts and Items.

    Same field selection and order as :meth:`BaseItemExporter.get_serialized_fields`
    (``fields_to_export`` list or declaration order, ``include_empty``), and the
    same values: a field's ``serializer`` metadata, then :meth:`export_value`,
    the hook exporters override to shape values for their format. A
    ``fields_to_export`` mapping (renaming) and other item types take Scrapy's
    generic path, through :meth:`serialize_field`, with the same result.
    """

    fields_to_export: Any
    export_empty_fields: bool
    #: True when :meth:`export_value` returns every ``str`` unchanged, so the
    #: tabular fast path can skip calling it for strings (most cells).
    strings_are_final: bool = False

    def export_value(self, name: str, value: Any) -> Any:
        """The value written for column ``name`` (after the field's serializer)."""
        return value

    def serialize_field(self, field: Mapping[str, Any], name: str, value: Any) -> Any:
        serializer = field.get("serializer")
        if serializer is not None:
            value = serializer(value)
        return self.export_value(name, value)

    def _fast_path_values(self, item: Any) -> Mapping[str, Any] | None:
        """The item's values when the fast path gives Scrapy's result, else ``None``."""
        if isinstance(self.fields_to_export, Mapping):
            return None
        if type(self).serialize_field is not FastFieldsMixin.serialize_field:
            return None  # a subclass customised serialize_field(): honour it
        fields = self.fields_to_export
        if fields is not None and len(self._column_positions()) != len(fields):
            return None  # a field listed twice: Scrapy writes it twice, a dict cannot
        return plain_values(item)

    def _value_transform(self) -> Callable[[str, Any], Any] | None:
        if type(self).export_value is FastFieldsMixin.export_value:
            return None
        return self.export_value

    def serialized_row(self, item: Any, default_value: Any = None) -> list[Any]:
        """The values of all ``fields_to_export`` in order, ``default_value`` for absent ones.

        What tabular exporters write per item: the same values as
        ``get_serialized_fields(item, default_value, include_empty=True)``
        without building the (name, value) pairs.
        """
        values = self._fast_path_values(item)
        if values is None or self.fields_to_export is None:
            fields = self.get_serialized_fields(item, default_value, include_empty=True)
            return [value for _, value in fields]
        serializers = _field_serializers(type(item))
        transform = self._value_transform()
        strings_final = self.strings_are_final
        positions = self._column_positions()
        # Visit the item's values (fewer than the columns for most places), not the columns.
        row = [default_value] * len(positions)
        for name, value in values.items():
            position = positions.get(name)
            if position is None:
                continue  # not exported (UnexportedFieldsWarning reports it)
            serializer = serializers.get(name)
            if serializer is not None:
                value = serializer(value)
            if transform is None or (strings_final and type(value) is str):
                row[position] = value
            else:
                row[position] = transform(name, value)
        return row

    def _column_positions(self) -> dict[str, int]:
        """Column index of each exported field (recomputed if fields_to_export changes)."""
        fields = self.fields_to_export
        cached = self.__dict__.get("_positions_cache")
        if cached is None or cached[0] is not fields:
            cached = (fields, {name: index for index, name in enumerate(fields)})
            self.__dict__["_positions_cache"] = cached
        return cached[1]

    def get_serialized_fields(
        self, item: Any, default_value: Any = None, include_empty: bool | None = None
    ) -> Iterable[tuple[str, Any]]:
        if self._fast_path_values(item) is None:
            return super().get_serialized_fields(  # type: ignore[misc]
                item, default_value=default_value, include_empty=include_empty
            )
        return list(self.serialized_dict(item, default_value, include_empty).items())

    def serialized_dict(
        self, item: Any, default_value: Any = None, include_empty: bool | None = None
    ) -> dict[str, Any]:
        """``dict(get_serialized_fields(...))``, built directly on the fast path."""
        values = self._fast_path_values(item)
        if values is None:
            return dict(self.get_serialized_fields(item, default_value, include_empty))
        if include_empty is None:
            include_empty = self.export_empty_fields
        declared = _declared_fields(type(item))
        names: Iterable[str]
        if self.fields_to_export is not None:
            names = self.fields_to_export
        elif include_empty and declared:
            names = declared
        elif declared:
            names = [name for name in declared if name in values]
            if not isinstance(item, scrapy.Item):  # an Item only holds declared fields
                names += [name for name in values if name not in declared]
        else:
            names = values
        serializers = _field_serializers(type(item))
        transform = self._value_transform()
        fields: dict[str, Any] = {}
        for name in names:
            value = values.get(name, _ABSENT)
            if value is _ABSENT:
                if include_empty:
                    fields[name] = default_value
                continue
            serializer = serializers.get(name)
            if serializer is not None:
                value = serializer(value)
            fields[name] = value if transform is None else transform(name, value)
        return fields


class UnexportedFieldsWarning:
    """Log once per exporter which item fields a fixed set of columns leaves out.

    With fixed columns a field outside them is not written; saying so keeps
    the loss visible (Scrapy's CSV exporter only warns when it guessed columns).
    """

    def __init__(self, exporter_name: str, columns: Iterable[str]) -> None:
        self.exporter_name = exporter_name
        self.columns = frozenset(columns)
        self.reported: set[str] = set()

    def check(self, item: Any) -> None:
        values = plain_values(item)
        keys = values.keys() if values is not None else ItemAdapter(item).keys()
        if self.columns.issuperset(keys):
            return
        missing = [name for name in keys if name not in self.columns]
        new = [name for name in missing if name not in self.reported]
        if new:
            self.reported.update(new)
            logger.warning(
                "%s export leaves out item fields %s: they are not among the exported "
                "columns (PLACE_FIELDS or FEED_EXPORT_FIELDS)",
                self.exporter_name,
                sorted(new),
            )
