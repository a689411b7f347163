"""Record finding at any depth, stray coordinates, value normalisation, formats, bad input."""

from __future__ import annotations

import io
import json
import zipfile

from netcrawl.extraction.api import extract_api_places

URL = "https://shop.example/api/stores"


def extract(document, content_type: str | None = "application/json"):
    body = document if isinstance(document, str | bytes) else json.dumps(document)
    return extract_api_places(body, URL, content_type)


def test_records_found_at_any_depth_and_wrappers_unwrapped():
    document = {
        "meta": {"count": 2},
        "result": {"payload": {"regions": [
            {"region": "North", "items": [
                {"store": {"title": "North One", "position": {"lat": 55.1, "lng": -1.5},
                           "addr": {"street": "1 High St", "zip": "NE1 1AA"}}},
            ]},
            {"region": "South", "items": [
                {"store": {"title": "South One", "position": {"lat": 50.8, "lng": -1.1},
                           "addr": {"street": "2 Quay Rd", "zip": "PO1 2AA"}}},
            ]},
        ]}},
    }
    places = extract(document).places
    assert [(p["name"], p["lat"], p["postcode"]) for p in places] == [
        ("North One", 55.1, "NE1 1AA"), ("South One", 50.8, "PO1 2AA"),
    ]


def test_stray_coordinates_are_not_places():
    document = {
        "center": {"lat": 48.85, "lng": 2.35},
        "bounds": {"north": 49.0, "south": 48.7, "east": 2.5, "west": 2.2},
        "viewport": {"northeast": {"lat": 48.9, "lng": 2.4},
                     "southwest": {"lat": 48.8, "lng": 2.3}},
        "map": {"title": "Our stores", "center": {"lat": 48.85, "lng": 2.35}, "zoom": 12},
        "userLocation": {"latitude": 48.86, "longitude": 2.34},
        "markers": [{"lat": 48.87, "lng": 2.33}, {"lat": 48.88, "lng": 2.32, "zoom": 3}],
        "stores": [],
    }
    assert extract(document).places == []


def test_wrapper_with_its_own_coordinates_is_not_a_place():
    document = {"name": "Store search", "lat": 51.5, "lng": -0.12,
                "stores": [{"name": "Shop A", "lat": 51.51, "lng": -0.13}]}
    places = extract(document).places
    assert [place["name"] for place in places] == ["Shop A"]


def test_identical_records_kept_once_but_distinct_ones_kept():
    store = {"id": 1, "name": "A", "lat": 1.5, "lng": 2.5}
    other = {"id": 2, "name": "A", "lat": 1.5, "lng": 2.5}
    assert len(extract([store, store, dict(store), other]).places) == 2


def test_coordinate_spellings():
    document = {"locations": [
        {"name": "E6", "lat_e6": 52379189, "lng_e6": 4899431},
        {"name": "String pair", "latlng": "40.7128, -74.0060"},
        {"name": "GeoJSON point", "geometry": {"type": "Point", "coordinates": [-0.1276, 51.5072]}},
        {"name": "Comma decimals", "latitude": "48,8566", "longitude": "2,3522"},
        {"name": "German keys", "Breitengrad": 52.52, "Längengrad": 13.405},
        {"name": "XY", "x": 4.35, "y": 50.85},
        {"name": "Out of range", "lat": 123.0, "lng": 45.0, "address": "1 Nowhere Rd",
         "city": "Nowhere"},
        {"name": "Null island", "lat": 0, "lng": 0},
    ]}
    places = {place["name"]: place for place in extract(document).places}
    assert (places["E6"]["lat"], places["E6"]["lon"]) == (52.379189, 4.899431)
    assert (places["String pair"]["lat"], places["String pair"]["lon"]) == (40.7128, -74.006)
    assert (places["GeoJSON point"]["lat"], places["GeoJSON point"]["lon"]) == (51.5072, -0.1276)
    assert (places["Comma decimals"]["lat"], places["Comma decimals"]["lon"]) == (48.8566, 2.3522)
    assert (places["German keys"]["lat"], places["German keys"]["lon"]) == (52.52, 13.405)
    assert (places["XY"]["lat"], places["XY"]["lon"]) == (50.85, 4.35)
    # Invalid coordinates are dropped; the address still makes it a place.
    assert "lat" not in places["Out of range"] and places["Out of range"]["city"] == "Nowhere"
    assert "Null island" not in places  # (0, 0) with only a name: nothing left to locate


def test_field_names_in_several_languages():
    document = {"filialen": [{
        "bezeichnung": "Filiale Mitte", "strasse": "Friedrichstraße 1", "plz": "10117",
        "ort": "Berlin", "bundesland": "Berlin", "land": "Deutschland", "telefon": "030 123",
        "öffnungszeiten": "Mo-Fr 9-18", "filialnummer": "F-17", "breite": 52.5, "länge": 13.39,
    }, {
        "nom": "Boutique Opéra", "adresse": "3 rue Auber", "cp": "75009", "ville": "Paris",
        "pays": "FR", "téléphone": "01 23 45 67 89", "horaires": "Lu-Sa 10h-19h",
        "latitude": 48.872, "longitude": 2.331,
    }, {
        "naam": "Winkel Centrum", "straat": "Kalverstraat 1", "postcode": "1012 NX",
        "plaats": "Amsterdam", "telefoon": "020 123 4567", "lat": 52.37, "lon": 4.89,
    }]}
    berlin, paris, amsterdam = extract(document).places
    assert berlin == {
        "ref": "F-17", "name": "Filiale Mitte", "street_address": "Friedrichstraße 1",
        "city": "Berlin", "state": "Berlin", "postcode": "10117", "country": "DE",
        "lat": 52.5, "lon": 13.39, "phone": "030 123", "source_url": URL, "source_format": "api",
        "geo_source": "page", "extras": {"opening_hours_text": "Mo-Fr 9-18"},
    }
    assert (paris["name"], paris["street_address"], paris["postcode"]) == (
        "Boutique Opéra", "3 rue Auber", "75009")
    assert paris["phone"] == "01 23 45 67 89"
    assert (amsterdam["name"], amsterdam["city"], amsterdam["postcode"]) == (
        "Winkel Centrum", "Amsterdam", "1012 NX")


def test_address_only_records_without_coordinates():
    document = {"data": [
        {"name": "Shop", "address1": "5 Elm St", "city": "Boston", "state": "MA", "zip": "02108"},
        {"name": "Just a name", "phone": "555"},  # neither coordinates nor an address
    ]}
    (place,) = extract(document).places
    assert place["street_address"] == "5 Elm St" and "lat" not in place


def test_multiple_phones_and_structured_hours():
    document = {"stores": [{
        "name": "Shop", "lat": 1.5, "lng": 2.5,
        "phones": [{"type": "main", "number": "111"}, {"type": "fax", "number": "222"}],
        "openingHours": [{"dayOfWeek": "Monday", "opens": "09:00", "closes": "17:00"}],
    }]}
    (place,) = extract(document).places
    assert place["phone"] == "111"
    assert place["extras"]["phones"] == ["111", "222"]
    assert place["extras"]["openingHoursSpecification"] == [
        {"dayOfWeek": "Monday", "opens": "09:00", "closes": "17:00"}
    ]


def test_wordpress_rest_rendered_title_and_relative_url():
    document = [{"id": 9, "title": {"rendered": "Caf&eacute; Nord"}, "link": "/stores/nord/",
                 "acf": {"address": "Storgatan 1", "city": "Umeå", "lat": "63.8", "lng": "20.3"}}]
    (place,) = extract(document).places
    assert place["name"] == "Café Nord"
    assert place["website"] == "https://shop.example/stores/nord/"
    assert place["city"] == "Umeå" and place["lat"] == 63.8


def test_jsonp_and_xssi_prefixes():
    body = 'jQuery123_456({"stores":[{"name":"A","lat":1.5,"lng":2.5}]});'
    assert len(extract(body, "application/javascript").places) == 1
    body = ')]}\'\n{"stores":[{"name":"A","lat":1.5,"lng":2.5}]}'
    assert len(extract(body, "application/json").places) == 1


def test_json_sniffed_despite_wrong_content_type():
    body = b'{"stores":[{"name":"A","lat":1.5,"lng":2.5}]}'
    assert len(extract_api_places(body, URL, "text/html; charset=utf-8").places) == 1
    assert len(extract_api_places(body, URL, None).places) == 1


def test_bad_json_is_a_problem_not_a_crash():
    result = extract('{"stores": [{"name": "A", "lat": 1', "application/json")
    assert (result.places, result.problems) == ([], ["invalid_api_json"])
    result = extract(b"\xff\xfe\x00garbage", "application/json")
    assert result.places == [] and result.problems


def test_html_is_not_an_api_response():
    result = extract("<!DOCTYPE html><html><body><p>Hi</p></body></html>", "text/html")
    assert result.problems == ["unsupported_api_content"]


def test_xml_attribute_markers():
    body = """<?xml version="1.0" encoding="UTF-8"?>
    <markers>
      <marker id="1" name="Shop One" address="1 Main St, Springfield, IL 62701"
              lat="39.7817" lng="-89.6501" phone="217-555-0101"/>
      <marker id="2" name="Shop Two" address="9 Oak Ave, Peoria, IL 61602"
              lat="40.6936" lng="-89.5890"/>
      <marker id="3" name="Shop One" address="1 Main St, Springfield, IL 62701"
              lat="39.7817" lng="-89.6501" phone="217-555-0101"/>
    </markers>"""
    places = extract(body, "text/xml").places
    assert [place["ref"] for place in places] == ["1", "2", "3"]  # id differs: not identical
    assert places[0]["addr_full"] == "1 Main St, Springfield, IL 62701"
    assert (places[0]["lat"], places[0]["lon"]) == (39.7817, -89.6501)


def test_xml_element_records_with_namespace():
    body = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
    <ns:response xmlns:ns="urn:example"><ns:stores>
      <ns:store><ns:storeNumber>77</ns:storeNumber><ns:name>Caf\xe9 Sud</ns:name>
        <ns:address><ns:street>1 rue Sud</ns:street><ns:city>Lyon</ns:city>
        <ns:zip>69001</ns:zip></ns:address>
        <ns:latitude>45.76</ns:latitude><ns:longitude>4.83</ns:longitude></ns:store>
      <ns:store><ns:storeNumber>78</ns:storeNumber><ns:name>Caf\xe9 Nord</ns:name>
        <ns:latitude>50.63</ns:latitude><ns:longitude>3.06</ns:longitude></ns:store>
    </ns:stores></ns:response>"""
    places = extract_api_places(body, URL, "application/xml").places
    assert [(p["ref"], p["name"]) for p in places] == [("77", "Café Sud"), ("78", "Café Nord")]
    assert places[0]["street_address"] == "1 rue Sud" and places[0]["postcode"] == "69001"


def test_xml_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = f"""<?xml version="1.0"?>
    <!DOCTYPE stores [<!ENTITY xxe SYSTEM "file://{secret}">
      <!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
    <stores><store><name>&xxe;&b;</name><lat>1.5</lat><lng>2.5</lng>
    <address>1 Main St, Town</address></store></stores>"""
    result = extract(body, "application/xml")
    assert "TOPSECRET" not in json.dumps(result.places)
    assert "aaaaaaaaaa" not in json.dumps(result.places)


def test_bad_xml_and_bad_kml_are_problems():
    assert extract("<stores><store>", "text/xml").problems == ["invalid_api_xml"]
    bad_kml = '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark>'
    assert extract(bad_kml, "application/vnd.google-earth.kml+xml").problems == [
        "invalid_api_kml"
    ]


def test_kmz_archive():
    kml = """<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Depot</name>
    <address>2 Dock Rd, Hull HU1 1AA</address><Point><coordinates>-0.33,53.74</coordinates></Point>
    </Placemark></Document></kml>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.kml", kml)
        archive.writestr("files/icon.png", b"\x89PNG")
    (place,) = extract_api_places(buffer.getvalue(), URL, "application/octet-stream").places
    assert (place["name"], place["lat"], place["lon"]) == ("Depot", 53.74, -0.33)
    assert extract_api_places(b"PK\x03\x04broken", URL, None).problems == ["invalid_api_kmz"]


def test_geojson_feature_collection():
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.3522, 48.8566]},
         "properties": {"name": "Paris", "address": "1 rue X", "postal_code": "75001"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
         "properties": {"marker-color": "#f00"}},
        {"type": "Feature", "geometry": None, "properties": {"name": "Nowhere"}},
    ]}
    result = extract_api_places(json.dumps(document), URL, "application/geo+json")
    (place,) = result.places
    assert (place["lat"], place["lon"], place["postcode"]) == (48.8566, 2.3522, "75001")
