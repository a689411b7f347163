"""Plain-text places per country: address blocks, phone links, names, countries."""

from __future__ import annotations

import pytest

from netcrawl.extraction.text import extract_text_places
from netcrawl.extraction.text.address_patterns import find_addresses


def html(title: str, main: str, *, lang: str = "en", head: str = "", footer: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body><header><nav><a href='/'>Home</a> <a href='/shop'>Shop</a></nav>"
        f"</header><main>{main}</main><footer>{footer}<p>&copy; 2026</p></footer></body></html>"
    )


def only_place(page: str, url: str) -> dict:
    result = extract_text_places(page, url)
    assert result.problems == []
    assert len(result.places) == 1, result.places
    place = result.places[0]
    assert place["source_format"] == "text"
    assert place["source_url"] == url
    return place


def test_us_address_split_with_usaddress():
    page = html("Joe's Diner - Springfield", """
        <h1>Joe's Diner</h1><p>Breakfast all day.</p>
        <div class="info"><p>742 Evergreen Terrace<br>Springfield, IL 62704</p>
        <p>Phone: (217) 555-0134</p></div>""")
    place = only_place(page, "https://joesdiner.example/")
    assert place["name"] == "Joe's Diner"
    assert place["addr_full"] == "742 Evergreen Terrace, Springfield, IL 62704"
    assert (place["housenumber"], place["street"]) == ("742", "Evergreen Terrace")
    assert (place["city"], place["state"], place["postcode"], place["country"]) == (
        "Springfield", "IL", "62704", "US")
    assert place["phone"] == "(217) 555-0134"  # written beside the address, no tel: link


def test_uk_contact_page_with_map_embed_and_generic_heading():
    page = html("Contact | Acme Bakery", """
        <h1>Contact us</h1>
        <address>Acme Bakery<br>3 Charlotte Road<br>London EC2A 3PE<br>United Kingdom</address>
        <p>Call <a href="tel:+442079460000">020 7946 0000</a> or
           <a href="mailto:hello@acme.example">email us</a>.</p>
        <iframe src="https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2482.5!2d-0.0812!3d51.5256!2m3!1f0"></iframe>""",
        lang="en-GB")
    place = only_place(page, "https://acme.example/contact")
    assert place["name"] == "Acme Bakery"  # "Contact us" names the page, not the place
    assert place["addr_full"] == "3 Charlotte Road, London EC2A 3PE, United Kingdom"
    assert (place["street_address"], place["city"], place["postcode"]) == (
        "3 Charlotte Road", "London", "EC2A 3PE")
    assert place["country"] == "GB"
    assert (place["lat"], place["lon"]) == (51.5256, -0.0812)  # !2d is lon, !3d is lat
    assert place["phone"] == "+442079460000"
    assert place["email"] == "hello@acme.example"


def test_fr_address_with_osm_marker():
    page = html("Boulangerie Dupont | Paris", """
        <h1>Boulangerie Dupont</h1>
        <p>12 rue de la Paix<br>75002 Paris</p>
        <a href="https://www.openstreetmap.org/?mlat=48.8686&amp;mlon=2.3310#map=18/48.8600/2.3400">
        Voir la carte</a>""", lang="fr")
    place = only_place(page, "https://dupont.example/nous-trouver")
    assert (place["street_address"], place["postcode"], place["city"], place["country"]) == (
        "12 rue de la Paix", "75002", "Paris", "FR")
    assert (place["lat"], place["lon"]) == (48.8686, 2.331)  # the marker, not the view


def test_de_impressum_style_address():
    page = html("Kontakt - Bäckerei Müller", """
        <h1>Kontakt</h1>
        <p>Bäckerei Müller GmbH<br>Hauptstraße 12<br>10115 Berlin<br>Deutschland</p>
        <p>Tel. <a href="tel:+49301234567">030 1234567</a></p>""", lang="de")
    place = only_place(page, "https://baeckerei-mueller.example/kontakt")
    assert place["name"] == "Bäckerei Müller"
    assert (place["street"], place["housenumber"]) == ("Hauptstraße", "12")
    assert (place["postcode"], place["city"], place["country"]) == ("10115", "Berlin", "DE")


def test_nl_postcode():
    page = html("Bakkerij Jansen", """
        <h1>Bakkerij Jansen</h1><p>Damrak 1<br>1012 LG Amsterdam</p>
        <p><a href="tel:0201234567">020 123 4567</a></p>""", lang="nl")
    place = only_place(page, "https://jansen.example/")
    assert (place["street_address"], place["postcode"], place["city"], place["country"]) == (
        "Damrak 1", "1012 LG", "Amsterdam", "NL")


def test_ca_postcode_and_province():
    page = html("Maple Cafe | Locations", """
        <h1>Maple Cafe</h1><address>123 Queen St W<br>Toronto, ON M5H 2M9</address>""")
    place = only_place(page, "https://maple.example/locations/toronto")
    assert (place["city"], place["state"], place["postcode"], place["country"]) == (
        "Toronto", "ON", "M5H 2M9", "CA")


def test_au_state_and_postcode_with_geo_link():
    page = html("Find us - Koala Books", """
        <h1>Koala Books</h1><p>Shop 4, 100 George Street<br>Sydney NSW 2000</p>
        <p><a href="geo:-33.8688,151.2093">Open in maps app</a></p>""")
    place = only_place(page, "https://koala.example/find-us")
    assert (place["state"], place["postcode"], place["country"]) == ("NSW", "2000", "AU")
    assert (place["lat"], place["lon"]) == (-33.8688, 151.2093)


def test_comma_separated_single_line():
    page = html("Bricklayer's Arms", """
        <h1>The Bricklayer's Arms</h1>
        <p>3 Charlotte Road, London, EC2A 3PE &middot; <a href="tel:02079460999">Call</a></p>""")
    place = only_place(page, "https://pub.example/")
    assert (place["street_address"], place["city"], place["postcode"]) == (
        "3 Charlotte Road", "London", "EC2A 3PE")


def test_coordinates_only_on_a_store_page():
    page = html("Kiosk 7 | Parkside Kiosks", """
        <h1>Kiosk 7</h1><p>By the boating lake.</p>
        <div id="map" data-lat="51.5033" data-lng="-0.1195"></div>""")
    place = only_place(page, "https://kiosks.example/locations/kiosk-7")
    assert (place["name"], place["lat"], place["lon"]) == ("Kiosk 7", 51.5033, -0.1195)
    assert "addr_full" not in place


@pytest.mark.parametrize(
    ("lines", "country", "postcode"),
    [
        (["1600 Pennsylvania Avenue NW", "Washington, DC 20500"], "US", "20500"),
        (["10 Downing Street", "London SW1A 2AA"], "GB", "SW1A 2AA"),
        (["55 Rue du Faubourg Saint-Honoré", "75008 Paris"], "FR", "75008"),
        (["Platz der Republik 1", "11011 Berlin"], "DE", "11011"),
        (["Dam 1", "1012 JS Amsterdam"], "NL", "1012 JS"),
        (["24 Sussex Drive", "Ottawa, ON K1M 1M4"], "CA", "K1M 1M4"),
        (["1 Macquarie St", "Sydney NSW 2000"], "AU", "2000"),
    ],
)
def test_find_addresses_per_country(lines, country, postcode):
    (address,) = find_addresses(lines)
    assert (address.country, address.postcode) == (country, postcode)
    assert address.street_address == lines[0]


def test_postcode_without_street_is_not_an_address_outside_address_elements():
    assert find_addresses(["London EC2A 3PE"]) == []
    assert len(find_addresses(["London EC2A 3PE"], require_street=False)) == 1


def test_five_digit_town_without_hints_gets_no_country():
    (address,) = find_addresses(["Via Roma 1", "00184 Roma"], language="it")
    assert address.country is None and address.postcode == "00184"


def test_address_parts_on_lines_of_their_own():
    (address,) = find_addresses(["Our bakehouse", "455 George Street,", "Sydney", "NSW", "2000,",
                                 "Australia", "Phone (02) 5550 1234"])
    assert (address.street_address, address.city, address.state, address.postcode,
            address.country) == ("455 George Street", "Sydney", "NSW", "2000", "AU")
    assert address.lines == ["455 George Street", "Sydney", "NSW", "2000", "Australia"]
    (address,) = find_addresses(["290 Bremner Blvd", "Toronto, ON", "M5V 3L9", "CA"])
    assert (address.city, address.postcode, address.country) == ("Toronto", "M5V 3L9", "CA")
