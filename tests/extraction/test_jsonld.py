"""JSON-LD rules on small inline pages (exact values)."""

from __future__ import annotations

import json

from netcrawl.extraction import extract_places

URL = "https://shops.example.com/stores/berlin-mitte.html"


def page(*blocks: str, body: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{block}</script>' for block in blocks)
    return f"<html><head>{scripts}</head><body>{body}</body></html>"


def places_of(html: str, url: str = URL) -> list[dict]:
    return extract_places(html, url).places


def strip(place: dict, *keys: str) -> dict:
    return {k: v for k, v in place.items() if k not in ("source_url", *keys)}


STORE = {
    "@context": "https://schema.org",
    "@type": "Store",
    "@id": "https://shops.example.com/stores/berlin-mitte#store",
    "name": "Acme &amp; Sons  Mitte",
    "branchCode": "B-042",
    "brand": {"@type": "Brand", "name": "Acme"},
    "address": {
        "@type": "PostalAddress",
        "streetAddress": "Friedrichstraße 10",
        "addressLocality": "Berlin",
        "addressRegion": "BE",
        "postalCode": "10117",
        "addressCountry": {"@type": "Country", "name": "Germany"},
    },
    "geo": {"@type": "GeoCoordinates", "latitude": "52,5200", "longitude": "13,4050"},
    "telephone": ["+49 30 1234567", "+49 30 7654321"],
    "email": "mailto:mitte@acme.example",
    "url": "/stores/berlin-mitte",
    "openingHours": ["Mo-Fr 09:00-20:00", "Sa 10:00-18:00"],
    "openingHoursSpecification": [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": ["Monday", "Tuesday"],
            "opens": "09:00",
            "closes": "20:00",
        }
    ],
}


def test_full_store_mapping():
    assert places_of(page(json.dumps(STORE))) == [
        {
            "ref": "B-042",
            "name": "Acme & Sons Mitte",
            "brand": "Acme",
            "street_address": "Friedrichstraße 10",
            "city": "Berlin",
            "state": "BE",
            "postcode": "10117",
            "country": "DE",
            "lat": 52.52,
            "lon": 13.405,
            "phone": "+49 30 1234567",
            "email": "mitte@acme.example",
            "website": "https://shops.example.com/stores/berlin-mitte",
            "source_url": URL,
            "source_format": "jsonld",
            "extras": {
                "phones": ["+49 30 1234567", "+49 30 7654321"],
                "openingHours": ["Mo-Fr 09:00-20:00", "Sa 10:00-18:00"],
                "openingHoursSpecification": [
                    {"dayOfWeek": ["Monday", "Tuesday"], "opens": "09:00", "closes": "20:00"}
                ],
                "@type": "Store",
            },
        }
    ]


def test_ref_falls_back_to_id_then_url_slug():
    store = dict(STORE)
    del store["branchCode"]
    assert places_of(page(json.dumps(store)))[0]["ref"] == store["@id"]
    del store["@id"]
    assert places_of(page(json.dumps(store)))[0]["ref"] == "berlin-mitte"


def test_graph_with_references_and_type_lists():
    data = {
        "@context": {"@vocab": "http://schema.org/"},
        "@graph": [
            {"@type": "WebPage", "@id": "#page", "name": "Our store", "about": {"@id": "#shop"}},
            {
                "@type": ["LocalBusiness", "Bakery"],
                "@id": "#shop",
                "name": "Brot",
                "address": {"@id": "#addr"},
            },
            {
                "@type": "PostalAddress",
                "@id": "#addr",
                "streetAddress": "Hauptstr. 1",
                "addressLocality": "Köln",
                "postalCode": "50667",
                "addressCountry": "DE",
            },
            {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": "/"}
                ],
            },
        ],
    }
    places = places_of(page(json.dumps(data)))
    assert [strip(p) for p in places] == [
        {
            "ref": "https://shops.example.com/stores/berlin-mitte.html#shop",
            "name": "Brot",
            "street_address": "Hauptstr. 1",
            "city": "Köln",
            "postcode": "50667",
            "country": "DE",
            "source_format": "jsonld",
            "extras": {"@type": ["LocalBusiness", "Bakery"]},
        }
    ]


def test_prefixed_and_full_iri_keys_and_http_context():
    data = {
        "@context": "http://schema.org/",
        "@type": "http://schema.org/Restaurant",
        "schema:name": "Trattoria",
        "http://schema.org/address": {
            "@type": "schema:PostalAddress",
            "https://schema.org/streetAddress": "Via Roma 5",
            "addressLocality": "Roma",
        },
    }
    [place] = places_of(page(json.dumps(data)))
    assert (place["name"], place["street_address"], place["city"]) == (
        "Trattoria",
        "Via Roma 5",
        "Roma",
    )


def test_person_is_never_a_place_even_nested():
    person = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": "Jane Doe",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "1 Private Rd",
            "addressLocality": "Leeds",
        },
        "worksFor": {
            "@type": "Organization",
            "name": "Acme",
            "address": {"streetAddress": "2 Work St", "addressLocality": "Leeds"},
        },
    }
    article = {
        "@context": "https://schema.org",
        "@type": "Article",
        "author": person,
        "publisher": {"@type": "Organization", "name": "News Ltd", "logo": "/logo.png"},
    }
    assert places_of(page(json.dumps(person), json.dumps(article))) == []


def test_plain_organization_and_website_are_not_places():
    org = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Acme",
        "url": "https://acme.example",
        "sameAs": ["https://twitter.com/acme"],
    }
    site = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": "Acme",
        "potentialAction": {"@type": "SearchAction", "target": "/s?q={q}"},
    }
    crumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": {"@id": "/", "name": "Home"}}
        ],
    }
    assert places_of(page(json.dumps(org), json.dumps(site), json.dumps(crumbs))) == []


def test_product_seller_only_with_an_address():
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Widget",
        "offers": [
            {"@type": "Offer", "seller": {"@type": "Organization", "name": "Shop A"}},
            {
                "@type": "Offer",
                "seller": {
                    "@type": "Organization",
                    "name": "Shop B",
                    "address": "Marktplatz 1, 80331 München",
                },
            },
        ],
    }
    assert [strip(p) for p in places_of(page(json.dumps(product)))] == [
        {
            "ref": "berlin-mitte",
            "name": "Shop B",
            "addr_full": "Marktplatz 1, 80331 München",
            "source_format": "jsonld",
            "extras": {"@type": "Organization"},
        }
    ]


def test_organization_departments_locations_and_suborganizations():
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Big Bank",
        "address": {
            "streetAddress": "1 Head St",
            "addressLocality": "London",
            "postalCode": "EC1A 1AA",
            "addressCountry": "GB",
        },
        "department": [
            {
                "@type": "BankOrCreditUnion",
                "name": "Big Bank Leeds",
                "branchCode": "LDS",
                "address": {"streetAddress": "5 Park Row", "addressLocality": "Leeds"},
                "parentOrganization": {"@type": "Organization", "name": "Big Bank"},
            },
            {
                "@type": "AutomatedTeller",
                "name": "Big Bank ATM",
                "geo": {"latitude": 53.8, "longitude": -1.55},
            },
        ],
        "subOrganization": {
            "@type": "InsuranceAgency",
            "name": "Big Insure",
            "address": {"streetAddress": "9 Side St", "addressLocality": "York"},
        },
        "location": {"@type": "Place", "name": "Big Bank Tower", "address": "Tower Rd, Bristol"},
    }
    places = places_of(page(json.dumps(data)))
    assert [
        (p["ref"], p["name"], p.get("brand"), p.get("city"), p.get("addr_full"), p.get("lat"))
        for p in places
    ] == [
        ("berlin-mitte#big-bank", "Big Bank", None, "London", None, None),
        ("LDS", "Big Bank Leeds", "Big Bank", "Leeds", None, None),
        ("berlin-mitte#big-bank-atm", "Big Bank ATM", None, None, None, 53.8),
        ("berlin-mitte#big-insure", "Big Insure", None, "York", None, None),
        ("berlin-mitte#big-bank-tower", "Big Bank Tower", None, None, "Tower Rd, Bristol", None),
    ]


def test_event_location_place_postal_address_and_list():
    events = [
        {
            "@context": "https://schema.org",
            "@type": "MusicEvent",
            "name": "Gig 1",
            "location": {
                "@type": "MusicVenue",
                "name": "The Hall",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": "1 Road",
                    "addressLocality": "Oslo",
                    "addressCountry": "NO",
                },
            },
        },
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": "Fair",
            "location": {
                "@type": "PostalAddress",
                "name": "Expo Centre",
                "streetAddress": "2 Way",
                "addressLocality": "Bergen",
            },
        },
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": "Talk",
            "location": [
                {"@type": "VirtualLocation", "url": "https://meet.example"},
                {"@type": "Place", "name": "Library", "address": "3 Lane, Tromsø"},
            ],
        },
    ]
    places = places_of(page(json.dumps(events)))
    assert [strip(p, "ref") for p in places] == [
        {
            "name": "The Hall",
            "street_address": "1 Road",
            "city": "Oslo",
            "country": "NO",
            "source_format": "jsonld",
            "extras": {"@type": "MusicVenue"},
        },
        {
            "name": "Expo Centre",
            "street_address": "2 Way",
            "city": "Bergen",
            "source_format": "jsonld",
        },
        {
            "name": "Library",
            "addr_full": "3 Lane, Tromsø",
            "source_format": "jsonld",
            "extras": {"@type": "Place"},
        },
    ]


def test_unknown_type_with_name_and_address_is_a_place():
    data = {
        "@context": "https://schema.org",
        "@type": "Sparkasse",
        "name": "Filiale Nord",
        "address": {"streetAddress": "Nordweg 3", "addressLocality": "Kiel"},
    }
    no_address = {"@context": "https://schema.org", "@type": "Sparkasse", "name": "Filiale Süd"}
    places = places_of(page(json.dumps(data), json.dumps(no_address)))
    assert [(p["name"], p["street_address"]) for p in places] == [("Filiale Nord", "Nordweg 3")]


def test_address_list_takes_first_postal_and_geo_list_first_valid():
    data = {
        "@context": "https://schema.org",
        "@type": "Hotel",
        "name": "Hotel Nord",
        "address": [
            {
                "@type": "PostalAddress",
                "streetAddress": "Hafen 1",
                "addressLocality": "Hamburg",
                "addressCountry": "DEU",
            },
            {"@type": "PostalAddress", "streetAddress": "Other 2"},
        ],
        "geo": [
            {"@type": "GeoCoordinates", "latitude": "abc", "longitude": "1"},
            {"@type": "GeoCoordinates", "latitude": 53.54, "longitude": 9.99},
        ],
    }
    [place] = places_of(page(json.dumps(data)))
    assert (place["street_address"], place["country"], place["lat"], place["lon"]) == (
        "Hafen 1",
        "DE",
        53.54,
        9.99,
    )


def test_coordinates_as_strings_and_on_the_place_itself():
    variants = [
        {"geo": "48.8584,2.2945"},
        {"geo": "48.8584, 2.2945"},
        {"geo": {"latitude": " 48.8584 ", "longitude": "2.2945"}},
        {"latitude": "48,8584", "longitude": "2,2945"},
        {"latitude": 48.8584, "longitude": 2.2945},
    ]
    for variant in variants:
        data = {
            "@context": "https://schema.org",
            "@type": "TouristAttraction",
            "name": "Tower",
            **variant,
        }
        [place] = places_of(page(json.dumps(data)))
        assert (place["lat"], place["lon"]) == (48.8584, 2.2945), variant


def test_invalid_coordinates_are_rejected_without_crash():
    for geo in (
        {"latitude": 123, "longitude": 10},
        {"latitude": "N/A", "longitude": ""},
        {"latitude": 0, "longitude": 0},
        {"latitude": "NaN", "longitude": "1"},
    ):
        data = {
            "@context": "https://schema.org",
            "@type": "Store",
            "name": "X",
            "address": "Somewhere 1",
            "geo": geo,
        }
        result = extract_places(page(json.dumps(data)), URL)
        [place] = result.places
        assert "lat" not in place and "lon" not in place, geo
        assert result.problems == ["invalid_coordinates"], geo


def test_broken_json_forms_are_repaired():
    broken = [
        # trailing commas
        '{"@context": "https://schema.org", "@type": "Store", "name": "A",'
        ' "address": {"streetAddress": "1 St", "addressLocality": "X",},}',
        # raw newline and tab inside a string
        '{"@context": "https://schema.org", "@type": "Store", "name": "B\n\tShop",'
        ' "address": "2 St"}',
        # JS comments, with a URL that contains // inside a string
        '{"@context": "https://schema.org", // comment\n "@type": "Store", /* block */'
        ' "name": "C", "url": "https://c.example/x", "address": "3 St"}',
        # HTML comment / CDATA wrappers
        '<!-- {"@context": "https://schema.org", "@type": "Store", "name": "D",'
        ' "address": "4 St"} -->',
        # HTML-escaped block
        "{&quot;@context&quot;: &quot;https://schema.org&quot;, &quot;@type&quot;: "
        "&quot;Store&quot;, &quot;name&quot;: &quot;E&quot;, &quot;address&quot;: "
        "&quot;5 St&quot;}",
        # two objects in one block
        '{"@type": "Store", "name": "F", "address": "6 St"}\n'
        '{"@type": "Store", "name": "G", "address": "7 St"}',
    ]
    result = extract_places(page(*broken), URL)
    assert result.problems == []
    assert [p["name"] for p in result.places] == ["A", "B Shop", "C", "D", "E", "F", "G"]
    assert result.places[0]["street_address"] == "1 St"
    assert [p["addr_full"] for p in result.places[1:]] == [f"{n} St" for n in range(2, 8)]
    assert result.places[2]["website"] == "https://c.example/x"


def test_unrecoverable_block_is_reported_and_others_still_read():
    good = '{"@type": "Store", "name": "Good", "address": "1 St"}'
    result = extract_places(page("{not json at all <<<", good, "   ", "null"), URL)
    assert result.problems == ["invalid_jsonld"]
    assert [p["name"] for p in result.places] == ["Good"]


def test_html_entities_and_whitespace_in_values():
    data = (
        '{"@type": "Restaurant", "name": "  Caf\\u00e9 &quot;Zur&quot;\\n  Post  ",'
        ' "address": {"streetAddress": "M&uuml;hlweg&nbsp;2", "addressLocality": "Ulm"}}'
    )
    [place] = places_of(page(data))
    assert place["name"] == 'Café "Zur" Post'
    assert place["street_address"] == "Mühlweg 2"


def test_brand_string_and_parent_organization():
    base = {"@type": "Store", "name": "S", "address": "1 St"}
    [place] = places_of(page(json.dumps({**base, "brand": "Acme"})))
    assert place["brand"] == "Acme"
    [place] = places_of(
        page(
            json.dumps(
                {**base, "parentOrganization": {"@type": "Organization", "name": "Acme Group"}}
            )
        )
    )
    assert place["brand"] == "Acme Group"


def test_string_reference_to_a_graph_node_is_resolved():
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Store", "name": "Ref Shop", "address": "#addr"},
            {"@type": "PostalAddress", "@id": "#addr", "streetAddress": "Link St 1"},
        ],
    }
    [place] = places_of(page(json.dumps(data)))
    assert place["street_address"] == "Link St 1"
    assert "addr_full" not in place


def test_country_only_address_does_not_make_a_place():
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "publisher": {
            "@type": "Organization",
            "name": "Daily",
            "address": {"addressCountry": "US"},
        },
    }
    assert places_of(page(json.dumps(data))) == []


def test_hostile_nesting_does_not_crash():
    deep = {"@type": "Organization", "name": "root"}
    current = deep
    for level in range(900):
        current["subOrganization"] = {
            "@type": "Organization",
            "name": f"n{level}",
            "address": f"{level} Road",
        }
        current = current["subOrganization"]
    result = extract_places(page(json.dumps(deep)), URL)
    assert result.problems == []
    assert [p["name"] for p in result.places[:2]] == ["n0", "n1"]
    result = extract_places(page("[" * 50000), URL)
    assert (result.places, result.problems) == ([], ["invalid_jsonld"])
