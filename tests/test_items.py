"""The Place item: its fields are exactly PLACE_FIELDS, absent values stay absent."""

from __future__ import annotations

import pytest
from itemadapter import ItemAdapter

from netcrawl.items import PLACE_FIELDS, SOURCE_FORMATS, Place


def test_fields_are_exactly_place_fields_in_export_order() -> None:
    assert tuple(Place.fields) == PLACE_FIELDS
    assert len(set(PLACE_FIELDS)) == len(PLACE_FIELDS)


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(KeyError, match="colour"):
        Place(name="x", colour="red")
    place = Place()
    with pytest.raises(KeyError):
        place["colour"] = "red"


def test_absent_fields_are_not_none() -> None:
    place = Place(name="Copperleaf Dam", city="Amsterdam")
    assert dict(place) == {"name": "Copperleaf Dam", "city": "Amsterdam"}
    assert "lat" not in place
    assert place.get("lat") is None
    with pytest.raises(KeyError):
        place["lat"]  # absent, not None


def test_coordinates_serialize_as_floats() -> None:
    adapter = ItemAdapter(Place(lat="52.5016", lon="13.341"))
    for name in ("lat", "lon"):
        serializer = adapter.get_field_meta(name)["serializer"]
        assert isinstance(serializer(adapter[name]), float)
    assert adapter.get_field_meta("lat")["serializer"]("52.5016") == pytest.approx(52.5016)


def test_item_adapter_sees_the_declared_fields() -> None:
    adapter = ItemAdapter(Place(name="x", extras={"openingHours": "Mo-Fr 09:00-17:00"}))
    assert tuple(adapter.field_names()) == PLACE_FIELDS
    assert adapter.asdict() == {"name": "x", "extras": {"openingHours": "Mo-Fr 09:00-17:00"}}


def test_source_formats() -> None:
    assert {"jsonld", "microdata", "rdfa", "microformats", "opengraph", "api", "text"} == set(
        SOURCE_FORMATS
    )


def test_copy_is_independent() -> None:
    original = Place(name="a", extras={"k": 1})
    copy = original.deepcopy()
    copy["extras"]["k"] = 2
    copy["name"] = "b"
    assert original["extras"] == {"k": 1} and original["name"] == "a"
