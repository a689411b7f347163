"""Opening hours in every published form to canonical OSM syntax."""

from __future__ import annotations

import pytest

from netcrawl.normalisation.opening_hours import OpeningHours, to_osm


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # schema.org openingHours strings
        ("Mo-Fr 09:00-17:00", "Mo-Fr 09:00-17:00"),
        ("Mo,Tu,We 9am-5pm", "Mo-We 09:00-17:00"),
        ("Mo-Sa 09H00-12H30, 14H00-19H00", "Mo-Sa 09:00-12:30,14:00-19:00"),
        ("Monday-Friday 9-5", "Mo-Fr 09:00-17:00"),
        ("Mo-Fr 09:00-17:00 Sa 10:00-14:00", "Mo-Fr 09:00-17:00; Sa 10:00-14:00"),
        ("Mo-Fr 09:00-17:00; Sa 10:00-14:00", "Mo-Fr 09:00-17:00; Sa 10:00-14:00"),
        ("Mo-Th 09:00-17:00; Fr 09:00-17:00", "Mo-Fr 09:00-17:00"),
        ("Mo,We,Fr 10:00-18:00", "Mo 10:00-18:00; We 10:00-18:00; Fr 10:00-18:00"),
        ("Sa-Su 10:00-16:00", "Sa-Su 10:00-16:00"),
        ("Fr-Mo 10:00-16:00", "Mo 10:00-16:00; Fr-Su 10:00-16:00"),
        ("Mo-Fr 0900-1700", "Mo-Fr 09:00-17:00"),
        ("Tu-Th 9:00-5:00", "Tu-Th 09:00-17:00"),
        ("Mo-Fr 9-5pm", "Mo-Fr 09:00-17:00"),
        ("Sa 1-5pm", "Sa 13:00-17:00"),
        ("Mo-Fr 12pm-12am", "Mo-Fr 12:00-24:00"),
        ("Mo-Fr 8-12", "Mo-Fr 08:00-12:00"),
        # past midnight and around the clock
        ("Fr-Sa 18:00-02:00", "Fr-Sa 18:00-02:00"),
        ("Mo-Fr 11pm-2am", "Mo-Fr 23:00-02:00"),
        ("Mo-Su 00:00-24:00", "24/7"),
        ("Mo-Su 00:00-23:59", "24/7"),
        ("Mo-Fr 00:00-23:59", "Mo-Fr 00:00-24:00"),
        ("Mo-Fr 18:00-00:00", "Mo-Fr 18:00-24:00"),
        ("24/7", "24/7"),
        ("Mo-Fr 24 hours", "Mo-Fr 00:00-24:00"),
        # closed days and overrides
        ("Mo-Sa 09:00-18:00; We closed", "Mo-Tu 09:00-18:00; Th-Sa 09:00-18:00"),
        ("Mo-Fr 09:00-12:00 13:00-17:00 PH off", "Mo-Fr 09:00-12:00,13:00-17:00; PH off"),
        ("Mo-Fr 09:00-17:00, public holidays 10:00-12:00", "Mo-Fr 09:00-17:00; PH 10:00-12:00"),
        # plain-text tables
        (
            "Monday: 9:00 AM - 5:00 PM\nTuesday: 9:00 AM - 5:00 PM\nWednesday: 9:00 AM - 5:00 PM\n"
            "Thursday: 9:00 AM - 5:00 PM\nFriday: 9:00 AM - 5:00 PM\n"
            "Saturday: 10:00 AM - 2:00 PM\nSunday: Closed",
            "Mo-Fr 09:00-17:00; Sa 10:00-14:00",
        ),
        ("Mon \u2013 Fri 8am\u20136pm", "Mo-Fr 08:00-18:00"),
        ("Mon - Sat: 10 a.m. - 9 p.m.\nSun: noon - 6 p.m.", "Mo-Sa 10:00-21:00; Su 12:00-18:00"),
        ("9:00-17:00 Monday to Friday, 10:00-14:00 Saturday", "Mo-Fr 09:00-17:00; Sa 10:00-14:00"),
        # French
        ("Lundi au vendredi de 9h à 18h, samedi 10h-12h", "Mo-Fr 09:00-18:00; Sa 10:00-12:00"),
        ("Lundi : 9h00 - 18h00 ; Mardi : 9h00 - 18h00 ; Dimanche : fermé", "Mo-Tu 09:00-18:00"),
        ("lu-ma 9h-12h, me 14h-18h", "Mo-Tu 09:00-12:00; We 14:00-18:00"),
        # German
        (
            "Mo. - Fr.: 09:00 - 18:00 Uhr, Sa.: 09:00 - 14:00 Uhr, So. geschlossen",
            "Mo-Fr 09:00-18:00; Sa 09:00-14:00",
        ),
        ("Montag bis Freitag 8 - 18 Uhr", "Mo-Fr 08:00-18:00"),
        ("Di-Do 10:00-19:00", "Tu-Th 10:00-19:00"),
        # Dutch ("ma" is Monday, "di" Tuesday, "do" Thursday)
        (
            "ma t/m vr 09:00-17:00, za 10:00-16:00, zo gesloten",
            "Mo-Fr 09:00-17:00; Sa 10:00-16:00",
        ),
        ("Maandag 09:00 - 17:00 Dinsdag 09:00 - 17:00", "Mo-Tu 09:00-17:00"),
        ("di-do 10:00-18:00", "Tu-Th 10:00-18:00"),
        # Spanish
        (
            "Lunes a Viernes: 9:00 - 14:00 y 17:00 - 20:30, Sábado: 10:00 - 14:00",
            "Mo-Fr 09:00-14:00,17:00-20:30; Sa 10:00-14:00",
        ),
        ("Lunes - Sábado 10:00 - 22:00, Domingo cerrado", "Mo-Sa 10:00-22:00"),
        # Italian
        ("Lunedì-Venerdì 9:00-13:00", "Mo-Fr 09:00-13:00"),
    ],
)
def test_text_forms(raw, expected):
    assert OpeningHours.from_text(raw).to_osm() == expected


def test_array_of_opening_hours_strings_unites_ranges():
    assert OpeningHours.from_text(["Mo-Fr 09:00-12:00", "Mo-Fr 14:00-18:00"]).to_osm() == (
        "Mo-Fr 09:00-12:00,14:00-18:00"
    )
    assert OpeningHours.from_text(["Mo-Fr 09:00-17:00", "Sa 10:00-14:00"]).to_osm() == (
        "Mo-Fr 09:00-17:00; Sa 10:00-14:00"
    )
    # overlapping ranges merge
    assert OpeningHours.from_text(["Mo 09:00-13:00", "Mo 12:00-17:00"]).to_osm() == (
        "Mo 09:00-17:00"
    )


@pytest.mark.parametrize("raw", ["", "nonsense", "Call us for hours", "09:00-17:00", "Mo-Fr"])
def test_unparseable_text_gives_nothing(raw):
    hours = OpeningHours.from_text(raw)
    assert hours.is_empty
    assert hours.to_osm() == ""


def _spec(days, opens, closes, **extra):
    return {"@type": "OpeningHoursSpecification", "dayOfWeek": days, "opens": opens,
            "closes": closes, **extra}


def test_specification_with_url_and_word_days_and_closed_day():
    specs = [
        _spec(
            ["http://schema.org/Monday", "https://schema.org/Tuesday", "Wednesday",
             "schema:Thursday", "Friday"],
            "09:00", "17:00",
        ),
        _spec("https://schema.org/Saturday", "09:00:00", "12:00:00"),
        _spec("http://schema.org/Sunday", "00:00", "00:00"),  # a closed day
    ]
    assert OpeningHours.from_specification(specs).to_osm() == "Mo-Fr 09:00-17:00; Sa 09:00-12:00"


def test_specification_several_ranges_past_midnight_all_day_and_holidays():
    specs = [
        _spec("Saturday", "08:00", "12:00"),
        _spec("Saturday", "13:00", "17:00"),
        _spec(["Monday", "Tuesday"], "00:00", "23:59"),
        _spec("Friday", "18:00", "02:00"),
        _spec("https://schema.org/PublicHolidays", "00:00", "00:00"),
    ]
    assert OpeningHours.from_specification(specs).to_osm() == (
        "Mo-Tu 00:00-24:00; Fr 18:00-02:00; Sa 08:00-12:00,13:00-17:00; PH off"
    )


def test_specification_whole_week_all_day_is_24_7():
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert OpeningHours.from_specification([_spec(days, "00:00", "23:59")]).to_osm() == "24/7"


def test_specification_time_forms_and_gracefulness():
    specs = [
        _spec("Monday", "9:00 AM", "5:30 PM"),
        _spec("Tuesday", "09:00:00+01:00", "17:00:00+01:00"),
        _spec({"@id": "http://schema.org/Wednesday"}, "09:00", "17:00"),
        _spec("Thursday", None, "17:00"),  # incomplete: ignored
        _spec("Noday", "09:00", "17:00"),  # unknown day: ignored
        "not a dict",
        _spec("http://purl.org/goodrelations/v1#Friday", "10:00", "16:00"),
    ]
    assert OpeningHours.from_specification(specs).to_osm() == (
        "Mo 09:00-17:30; Tu-We 09:00-17:00; Fr 10:00-16:00"
    )


def test_specification_skips_short_holiday_exceptions():
    specs = [
        _spec(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], "09:00", "17:00"),
        _spec("Monday", "00:00", "00:00", validFrom="2025-12-25", validThrough="2025-12-26"),
        _spec("Saturday", "10:00", "14:00", validFrom="2025-01-01", validThrough="2025-12-31"),
    ]
    assert OpeningHours.from_specification(specs).to_osm() == "Mo-Fr 09:00-17:00; Sa 10:00-14:00"


def test_all_closed_week_prints_off():
    specs = [_spec(day, "00:00", "00:00") for day in ("Monday", "Tuesday")]
    assert OpeningHours.from_specification(specs).to_osm() == "off"


def test_to_osm_order_of_trust_and_fallbacks():
    spec = [_spec("Monday", "08:00", "12:00")]
    assert to_osm(opening_hours="Tu 10:00-12:00", specification=spec) == "Mo 08:00-12:00"
    assert to_osm(opening_hours="Tu 10:00-12:00", specification=[_spec("x", "a", "b")]) == (
        "Tu 10:00-12:00"
    )
    assert to_osm(opening_hours=["Mo-Fr 9-5", "Sa 10-2"]) == "Mo-Fr 09:00-17:00; Sa 10:00-14:00"
    assert to_osm(text="Sunday: 10am - 4pm") == "Su 10:00-16:00"
    assert to_osm(specification={"dayOfWeek": "Sunday", "opens": "10:00", "closes": "16:00"}) == (
        "Su 10:00-16:00"
    )
    assert to_osm(opening_hours="by appointment") is None
    assert to_osm() is None


def test_builder_api():
    hours = OpeningHours()
    hours.add_range(0, 9 * 60, 17 * 60)
    hours.add_range(1, 9 * 60, 17 * 60)
    hours.set_closed(6)
    assert hours.to_osm() == "Mo-Tu 09:00-17:00"
    assert str(hours) == "Mo-Tu 09:00-17:00"
    hours.close_day(0)
    assert hours.to_osm() == "Tu 09:00-17:00"
