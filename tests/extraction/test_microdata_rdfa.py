"""Microdata and RDFa readers on small inline pages (exact values)."""

from __future__ import annotations

from netcrawl.extraction import extract_places

URL = "https://example.org/branches/oslo"


def places_of(html: str, url: str = URL) -> list[dict]:
    return extract_places(html, url).places


def test_microdata_values_from_content_href_datetime_and_text():
    html = """
    <div itemscope itemtype="https://schema.org/Pharmacy" itemid="urn:pharmacy:17">
      <h1 itemprop="name">  Apotek &amp; Co
         Oslo </h1>
      <a itemprop="url" href="/apotek/oslo">Visit</a>
      <a itemprop="telephone" href="tel:+4722000000">22 00 00 00</a>
      <a itemprop="email" href="mailto:oslo@apotek.example">mail us</a>
      <time itemprop="foundingDate" datetime="1990-01-01">1990</time>
      <div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
        <span itemprop="streetAddress">Karl Johans gate 1</span>
        <span itemprop="postalCode" content="0154">0154 OSLO</span>
        <span itemprop="addressLocality">Oslo</span>
        <meta itemprop="addressCountry" content="NO">
      </div>
      <div itemprop="geo" itemscope itemtype="http://schema.org/GeoCoordinates">
        <meta itemprop="latitude" content="59.9127"><meta itemprop="longitude" content="10.7461">
      </div>
      <meta itemprop="openingHours" content="Mo-Fr 08:00-20:00">
    </div>"""
    assert places_of(html) == [
        {
            "ref": "urn:pharmacy:17",
            "name": "Apotek & Co Oslo",
            "street_address": "Karl Johans gate 1",
            "city": "Oslo",
            "postcode": "0154",
            "country": "NO",
            "lat": 59.9127,
            "lon": 10.7461,
            "phone": "22 00 00 00",
            "email": "oslo@apotek.example",
            "website": "https://example.org/apotek/oslo",
            "source_url": URL,
            "source_format": "microdata",
            "extras": {"openingHours": "Mo-Fr 08:00-20:00", "@type": "Pharmacy"},
        }
    ]


def test_microdata_itemref_and_nested_scopes_do_not_leak():
    html = """
    <div itemscope itemtype="http://schema.org/LocalBusiness" itemref="addr phone">
      <span itemprop="name">Shop One</span>
      <div itemprop="review" itemscope itemtype="http://schema.org/Review">
        <span itemprop="name">Great shop</span>
        <div itemprop="author" itemscope itemtype="http://schema.org/Person">
          <span itemprop="name">Bob</span>
          <div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
            <span itemprop="streetAddress">Bob's home 1</span></div>
        </div>
      </div>
    </div>
    <footer>
      <div id="addr" itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
        <span itemprop="streetAddress">Storgata 5</span>
        <span itemprop="addressLocality">Bergen</span>
      </div>
      <p id="phone">Call <span itemprop="telephone">55 12 34 56</span></p>
    </footer>"""
    places = places_of(html)
    assert [(p["name"], p["street_address"], p["city"], p["phone"]) for p in places] == [
        ("Shop One", "Storgata 5", "Bergen", "55 12 34 56")
    ]


def test_microdata_directory_of_branches_gives_one_record_each():
    branch = """
    <li itemscope itemtype="http://schema.org/BankOrCreditUnion">
      <span itemprop="name">Nordbank</span>
      <span itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
        <span itemprop="streetAddress">Gate {n}</span>
        <span itemprop="addressLocality">Oslo</span></span>
    </li>"""
    html = "<ul>" + "".join(branch.replace("{n}", str(n)) for n in range(1, 11)) + "</ul>"
    places = places_of(html)
    assert [p["street_address"] for p in places] == [f"Gate {n}" for n in range(1, 11)]
    assert [p["ref"] for p in places] == [f"oslo#{n}" for n in range(1, 11)]


def test_microdata_text_address_becomes_addr_full():
    html = """<div itemscope itemtype="http://schema.org/Dentist">
      <span itemprop="name">Smile</span>
      <span itemprop="address">Main Street 4,
        12345 Town</span></div>"""
    [place] = places_of(html)
    assert place["addr_full"] == "Main Street 4, 12345 Town"
    assert "street_address" not in place


def test_microdata_person_never_emitted():
    html = """<div itemscope itemtype="http://schema.org/Person"><span itemprop="name">Ann</span>
      <div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
      <span itemprop="streetAddress">Home 1</span><span itemprop="addressLocality">Oslo</span>
      </div></div>"""
    assert places_of(html) == []


def test_data_vocabulary_organization():
    html = """<div itemscope itemtype="http://data-vocabulary.org/Organization">
      <span itemprop="name">Old Style Ltd</span>
      <span itemprop="tel">01234 567890</span>
      <span itemprop="address" itemscope itemtype="http://data-vocabulary.org/Address">
        <span itemprop="street-address">1 High St</span>
        <span itemprop="locality">Bath</span>
        <span itemprop="postal-code">BA1 1AA</span>
        <span itemprop="country-name">United Kingdom</span></span></div>"""
    [place] = places_of(html)
    assert (
        place["name"],
        place["street_address"],
        place["city"],
        place["postcode"],
        place["country"],
        place["phone"],
    ) == ("Old Style Ltd", "1 High St", "Bath", "BA1 1AA", "GB", "01234 567890")


def test_rdfa_with_vocab():
    html = """<div vocab="https://schema.org/" typeof="Library" resource="#lib">
      <span property="name">City Library</span>
      <div property="address" typeof="PostalAddress">
        <span property="streetAddress">Library Sq 1</span>,
        <span property="postalCode">0150</span> <span property="addressLocality">Oslo</span>
        <span property="addressCountry">Norway</span>
      </div>
      <div property="geo" typeof="GeoCoordinates">
        <meta property="latitude" content="59.91"><meta property="longitude" content="10.75">
      </div>
      <a property="url" href="https://library.example/">Home</a>
      <span property="telephone">+47 23 43 29 00</span>
    </div>"""
    assert places_of(html) == [
        {
            "ref": "https://example.org/branches/oslo#lib",
            "name": "City Library",
            "street_address": "Library Sq 1",
            "city": "Oslo",
            "postcode": "0150",
            "country": "NO",
            "lat": 59.91,
            "lon": 10.75,
            "phone": "+47 23 43 29 00",
            "website": "https://library.example/",
            "source_url": URL,
            "source_format": "rdfa",
            "extras": {"@type": "Library"},
        }
    ]


def test_rdfa_with_prefix_xmlns_and_full_iris():
    prefixed = """<div prefix="s: http://schema.org/" typeof="s:Museum">
      <span property="s:name">Museum A</span>
      <span property="s:address" typeof="s:PostalAddress">
        <span property="s:addressLocality">Bergen</span></span></div>"""
    initial_context = """<div typeof="schema:Museum">
      <span property="schema:name">Museum B</span>
      <span property="schema:address" typeof="schema:PostalAddress">
        <span property="schema:addressLocality">Trondheim</span></span></div>"""
    xmlns = """<div xmlns:sdo="https://schema.org/" typeof="sdo:Museum">
      <span property="sdo:name">Museum C</span>
      <span property="sdo:address" typeof="sdo:PostalAddress">
        <span property="sdo:addressLocality">Tromsø</span></span></div>"""
    iris = """<div typeof="http://schema.org/Museum">
      <span property="http://schema.org/name">Museum D</span>
      <span property="http://schema.org/address" typeof="http://schema.org/PostalAddress">
        <span property="http://schema.org/addressLocality">Bodø</span></span></div>"""
    html = prefixed + initial_context + xmlns + iris
    assert [(p["name"], p["city"]) for p in places_of(html)] == [
        ("Museum A", "Bergen"),
        ("Museum B", "Trondheim"),
        ("Museum C", "Tromsø"),
        ("Museum D", "Bodø"),
    ]


def test_rdfa_ignores_other_vocabularies():
    html = """<div vocab="http://xmlns.com/foaf/0.1/" typeof="Organization">
      <span property="name">Foaf Org</span><span property="address">1 Road</span></div>
      <head><meta property="og:title" content="T"></head>"""
    assert places_of(html) == []


def test_line_breaks_and_scripts_inside_values():
    html = """<div itemscope itemtype="http://schema.org/Store">
      <h2 itemprop="name">Shop<br>North</h2>
      <div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
      <p itemprop="streetAddress">10 Main St<br/>Suite 5<script>var x = 1;</script></p>
      <span itemprop="addressLocality">Leeds</span></div></div>
      <div vocab="http://schema.org/" typeof="Store"><span property="name">Shop<br>South</span>
      <span property="address">1 Road<br>Leeds</span></div>"""
    places = places_of(html)
    assert [(p["name"], p.get("street_address"), p.get("addr_full")) for p in places] == [
        ("Shop North", "10 Main St Suite 5", None),
        ("Shop South", None, "1 Road Leeds"),
    ]
