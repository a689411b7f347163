"""Extraction on realistic place pages, modelled on how real sites publish their markup.

Each page below is small but written the way CMS plugins, shop systems and
hand-made templates publish places (Yoast's ``@graph``, Shopify/WordPress
store pages, schema.org subtypes, microdata with ``itemref`` and ``<br>``,
RDFa with ``vocab``/``prefix``/``xmlns``, entities, broken JSON), and states the
EXACT values expected for the fields a dataset is judged on, and the exact
number of records: a missing or extra record, or a wrong value, fails.
"""

# The pages keep their JSON-LD lines as long as real sites write them.
# ruff: noqa: E501

from __future__ import annotations

import pytest

from netcrawl.extraction import extract_places

#: Fields compared exactly: absent in ``expected`` means it must be absent in the record.
FIELDS = ("name", "street_address", "city", "state", "postcode", "country", "lat", "lon", "phone")


def _page(head: str = "", body: str = "", attrs: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'{attrs}><head><meta charset='utf-8'>"
        f"<title>Test page</title>{head}</head><body>{body}</body></html>"
    )


def _ld(json_text: str) -> str:
    return f'<script type="application/ld+json">{json_text}</script>'


CASES: dict[str, tuple[str, list[dict]]] = {}

CASES["yoast_graph_localbusiness"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@graph":[
 {"@type":"Organization","@id":"https://www.brightsmile.example/#organization",
  "name":"Bright Smile Group","url":"https://www.brightsmile.example/",
  "logo":{"@type":"ImageObject","@id":"https://www.brightsmile.example/#logo",
          "url":"https://www.brightsmile.example/wp-content/uploads/logo.png"},
  "sameAs":["https://www.facebook.com/brightsmile"]},
 {"@type":"WebSite","@id":"https://www.brightsmile.example/#website",
  "url":"https://www.brightsmile.example/","name":"Bright Smile",
  "publisher":{"@id":"https://www.brightsmile.example/#organization"},
  "potentialAction":[{"@type":"SearchAction",
   "target":{"@type":"EntryPoint","urlTemplate":"https://www.brightsmile.example/?s={search_term_string}"},
   "query-input":"required name=search_term_string"}]},
 {"@type":"WebPage","@id":"https://www.brightsmile.example/locations/leeds/#webpage",
  "url":"https://www.brightsmile.example/locations/leeds/","name":"Leeds - Bright Smile",
  "isPartOf":{"@id":"https://www.brightsmile.example/#website"},
  "breadcrumb":{"@id":"https://www.brightsmile.example/locations/leeds/#breadcrumb"}},
 {"@type":"BreadcrumbList","@id":"https://www.brightsmile.example/locations/leeds/#breadcrumb",
  "itemListElement":[{"@type":"ListItem","position":1,"name":"Home","item":"https://www.brightsmile.example/"},
   {"@type":"ListItem","position":2,"name":"Leeds"}]},
 {"@type":["LocalBusiness","Dentist"],"@id":"https://www.brightsmile.example/locations/leeds/#local-main-place-0",
  "name":"Bright Smile Leeds","url":"https://www.brightsmile.example/locations/leeds/",
  "parentOrganization":{"@id":"https://www.brightsmile.example/#organization"},
  "address":{"@type":"PostalAddress","streetAddress":"14 Park Row","addressLocality":"Leeds",
   "postalCode":"LS1 5HD","addressRegion":"West Yorkshire","addressCountry":"GB"},
  "geo":{"@type":"GeoCoordinates","latitude":"53.7986","longitude":"-1.5475"},
  "telephone":["0113 496 0123"],
  "openingHoursSpecification":[{"@type":"OpeningHoursSpecification",
   "dayOfWeek":["Monday","Tuesday","Wednesday","Thursday","Friday"],"opens":"08:30","closes":"17:30"}]}
]}"""
        )
    ),
    [
        {
            "name": "Bright Smile Leeds",
            "street_address": "14 Park Row",
            "city": "Leeds",
            "state": "West Yorkshire",
            "postcode": "LS1 5HD",
            "country": "GB",
            "lat": 53.7986,
            "lon": -1.5475,
            "phone": "0113 496 0123",
        }
    ],
)

CASES["wordpress_store_page_entities"] = (
    _page(
        _ld(
            """{"@context":"http://schema.org","@type":"Store",
 "name":"Smith &amp; Sons Hardware","image":"https://smithandsons.example/img/front.jpg",
 "@id":"https://smithandsons.example/stores/springfield/",
 "address":{"@type":"PostalAddress","streetAddress":"742 Evergreen Terrace",
  "addressLocality":"Springfield","addressRegion":"OR","postalCode":"97477","addressCountry":"USA"},
 "geo":{"@type":"GeoCoordinates","latitude":44.0462,"longitude":-123.0220},
 "telephone":"+1 541-555-0142","priceRange":"$$"}"""
        )
    ),
    [
        {
            "name": "Smith & Sons Hardware",
            "street_address": "742 Evergreen Terrace",
            "city": "Springfield",
            "state": "OR",
            "postcode": "97477",
            "country": "US",
            "lat": 44.0462,
            "lon": -123.022,
            "phone": "+1 541-555-0142",
        }
    ],
)

CASES["shopify_store_locator_page"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Organization","name":"Nordic Knit Co.",
 "url":"https://nordicknit.example","logo":"https://cdn.shopify.example/logo.png",
 "sameAs":["https://instagram.com/nordicknit"]}"""
        )
        + _ld(
            """{"@context":"https://schema.org","@type":"ClothingStore","name":"Nordic Knit Co. &#8211; Oslo",
 "address":{"@type":"PostalAddress","streetAddress":"Karl Johans gate 22","addressLocality":"Oslo",
  "postalCode":"0159","addressCountry":"NO"},
 "telephone":"+47 22 12 34 56",
 "geo":{"@type":"GeoCoordinates","latitude":"59.9127","longitude":"10.7461"}}"""
        )
    ),
    [
        {
            "name": "Nordic Knit Co. \u2013 Oslo",
            "street_address": "Karl Johans gate 22",
            "city": "Oslo",
            "postcode": "0159",
            "country": "NO",
            "lat": 59.9127,
            "lon": 10.7461,
            "phone": "+47 22 12 34 56",
        }
    ],
)

CASES["store_with_department_array"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Store","name":"MegaMart Hillsboro",
 "address":{"@type":"PostalAddress","streetAddress":"2400 NE Cornell Rd","addressLocality":"Hillsboro",
  "addressRegion":"Oregon","postalCode":"97124","addressCountry":"US"},
 "geo":{"@type":"GeoCoordinates","latitude":45.5334,"longitude":-122.9363},
 "telephone":"(503) 555-0100",
 "department":[
  {"@type":"Pharmacy","name":"MegaMart Pharmacy Hillsboro","telephone":"(503) 555-0101",
   "openingHours":"Mo-Fr 09:00-19:00"},
  {"@type":"AutoRepair","name":"MegaMart Tire & Lube Hillsboro","telephone":"(503) 555-0102"}]}"""
        )
    ),
    [
        {
            "name": "MegaMart Hillsboro",
            "street_address": "2400 NE Cornell Rd",
            "city": "Hillsboro",
            "state": "Oregon",
            "postcode": "97124",
            "country": "US",
            "lat": 45.5334,
            "lon": -122.9363,
            "phone": "(503) 555-0100",
        }
    ],
)

CASES["restaurant_geo_strings_address_list"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Restaurant","name":"Trattoria Da Luigi",
 "servesCuisine":"Italian","acceptsReservations":"True",
 "address":[{"@type":"PostalAddress","streetAddress":"Via dei Coronari 12","addressLocality":"Roma",
  "addressRegion":"RM","postalCode":"00186","addressCountry":"IT"}],
 "geo":{"@type":"GeoCoordinates","latitude":"41.9008","longitude":"12.4707"},
 "telephone":"+39 06 1234 5678"}"""
        )
    ),
    [
        {
            "name": "Trattoria Da Luigi",
            "street_address": "Via dei Coronari 12",
            "city": "Roma",
            "state": "RM",
            "postcode": "00186",
            "country": "IT",
            "lat": 41.9008,
            "lon": 12.4707,
            "phone": "+39 06 1234 5678",
        }
    ],
)

CASES["hotel_contained_in_place"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Hotel","name":"Hotel Am Dom",
 "address":{"@type":"PostalAddress","streetAddress":"Domkloster 2","addressLocality":"Köln",
  "postalCode":"50667","addressCountry":{"@type":"Country","name":"Germany"}},
 "geo":{"@type":"GeoCoordinates","latitude":50.9413,"longitude":6.9583},
 "telephone":"+49 221 123456","starRating":{"@type":"Rating","ratingValue":"4"},
 "containedInPlace":{"@type":"City","name":"Köln"}}"""
        )
    ),
    [
        {
            "name": "Hotel Am Dom",
            "street_address": "Domkloster 2",
            "city": "Köln",
            "postcode": "50667",
            "country": "DE",
            "lat": 50.9413,
            "lon": 6.9583,
            "phone": "+49 221 123456",
        }
    ],
)

CASES["medical_clinic"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"MedicalClinic","name":"Lakeside Family Clinic",
 "medicalSpecialty":"PrimaryCare",
 "address":{"@type":"PostalAddress","streetAddress":"55 Lakeshore Blvd E, Suite 200",
  "addressLocality":"Toronto","addressRegion":"ON","postalCode":"M5E 1A4","addressCountry":"CA"},
 "telephone":"416-555-0199"}"""
        )
    ),
    [
        {
            "name": "Lakeside Family Clinic",
            "street_address": "55 Lakeshore Blvd E, Suite 200",
            "city": "Toronto",
            "state": "ON",
            "postcode": "M5E 1A4",
            "country": "CA",
            "phone": "416-555-0199",
        }
    ],
)

CASES["auto_dealer_with_contact_point"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"AutoDealer","name":"Riverside Motors",
 "address":{"@type":"PostalAddress","streetAddress":"1800 River Rd","addressLocality":"Sacramento",
  "addressRegion":"CA","postalCode":"95815","addressCountry":"US"},
 "geo":{"@type":"GeoCoordinates","latitude":38.6021,"longitude":-121.4897},
 "contactPoint":[{"@type":"ContactPoint","telephone":"+1-916-555-0170","contactType":"sales"}],
 "makesOffer":{"@type":"Offer","itemOffered":{"@type":"Car","name":"Used cars"}}}"""
        )
    ),
    [
        {
            "name": "Riverside Motors",
            "street_address": "1800 River Rd",
            "city": "Sacramento",
            "state": "CA",
            "postcode": "95815",
            "country": "US",
            "lat": 38.6021,
            "lon": -121.4897,
            "phone": "+1-916-555-0170",
        }
    ],
)

CASES["bank_branch_and_insurance_agency"] = (
    _page(
        _ld(
            """[{"@context":"https://schema.org","@type":"BankOrCreditUnion","name":"Harbor Savings Bank - Main Street",
  "branchCode":"HSB-014",
  "address":{"@type":"PostalAddress","streetAddress":"100 Main Street","addressLocality":"Portland",
   "addressRegion":"ME","postalCode":"04101","addressCountry":"US"},
  "telephone":"207-555-0110"},
 {"@context":"https://schema.org","@type":"InsuranceAgency","name":"Coastal Insurance Partners",
  "address":{"@type":"PostalAddress","streetAddress":"22 Exchange St","addressLocality":"Portland",
   "addressRegion":"Maine","postalCode":"04101","addressCountry":"US"},
  "telephone":"207-555-0133"}]"""
        )
    ),
    [
        {
            "name": "Harbor Savings Bank - Main Street",
            "street_address": "100 Main Street",
            "city": "Portland",
            "state": "ME",
            "postcode": "04101",
            "country": "US",
            "phone": "207-555-0110",
        },
        {
            "name": "Coastal Insurance Partners",
            "street_address": "22 Exchange St",
            "city": "Portland",
            "state": "Maine",
            "postcode": "04101",
            "country": "US",
            "phone": "207-555-0133",
        },
    ],
)

CASES["organization_location_array"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Organization","name":"Acme Logistics",
 "url":"https://acme-logistics.example","telephone":"+44 20 7946 0000",
 "location":[
  {"@type":"Place","name":"Acme Logistics Manchester",
   "address":{"@type":"PostalAddress","streetAddress":"3 Trafford Wharf Rd","addressLocality":"Manchester",
    "postalCode":"M17 1EX","addressCountry":"United Kingdom"},
   "geo":{"@type":"GeoCoordinates","latitude":53.4668,"longitude":-2.2950}},
  {"@type":"Place","name":"Acme Logistics Bristol",
   "address":{"@type":"PostalAddress","streetAddress":"Avonmouth Way","addressLocality":"Bristol",
    "postalCode":"BS11 9YA","addressCountry":"United Kingdom"},
   "telephone":"+44 117 496 0000"}]}"""
        )
    ),
    [
        {
            "name": "Acme Logistics Manchester",
            "street_address": "3 Trafford Wharf Rd",
            "city": "Manchester",
            "postcode": "M17 1EX",
            "country": "GB",
            "lat": 53.4668,
            "lon": -2.295,
        },
        {
            "name": "Acme Logistics Bristol",
            "street_address": "Avonmouth Way",
            "city": "Bristol",
            "postcode": "BS11 9YA",
            "country": "GB",
            "phone": "+44 117 496 0000",
        },
    ],
)

CASES["event_venue_not_performer"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"MusicEvent","name":"Jazz Night with Ana Ruiz",
 "startDate":"2025-06-14T20:00:00+02:00",
 "location":{"@type":"MusicVenue","name":"Blue Note Club",
  "address":{"@type":"PostalAddress","streetAddress":"Calle de la Luna 7","addressLocality":"Madrid",
   "postalCode":"28004","addressCountry":"ES"}},
 "performer":{"@type":"Person","name":"Ana Ruiz",
  "address":{"@type":"PostalAddress","streetAddress":"Calle Privada 1","addressLocality":"Sevilla"}},
 "organizer":{"@type":"Organization","name":"Madrid Jazz Society","url":"https://mjs.example"},
 "offers":{"@type":"Offer","price":"20","priceCurrency":"EUR"}}"""
        )
    ),
    [
        {
            "name": "Blue Note Club",
            "street_address": "Calle de la Luna 7",
            "city": "Madrid",
            "postcode": "28004",
            "country": "ES",
        }
    ],
)

CASES["microdata_store_nested_address_geo_meta"] = (
    _page(
        body="""
<div itemscope itemtype="https://schema.org/HardwareStore">
  <h1 itemprop="name">Baumarkt Schmidt</h1>
  <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">Hauptstraße 5</span>,
    <span itemprop="postalCode">80331</span> <span itemprop="addressLocality">München</span>
    <meta itemprop="addressRegion" content="Bayern">
    <meta itemprop="addressCountry" content="DE">
  </div>
  <div itemprop="geo" itemscope itemtype="https://schema.org/GeoCoordinates">
    <meta itemprop="latitude" content="48.1372">
    <meta itemprop="longitude" content="11.5755">
  </div>
  <p>Tel.: <span itemprop="telephone">089 1234567</span></p>
</div>"""
    ),
    [
        {
            "name": "Baumarkt Schmidt",
            "street_address": "Hauptstraße 5",
            "city": "München",
            "state": "Bayern",
            "postcode": "80331",
            "country": "DE",
            "lat": 48.1372,
            "lon": 11.5755,
            "phone": "089 1234567",
        }
    ],
)

CASES["microdata_itemref"] = (
    _page(
        body="""
<div itemscope itemtype="http://schema.org/Bakery" itemref="bakery-address bakery-phone">
  <h2 itemprop="name">Boulangerie Martin</h2>
</div>
<footer>
  <div id="bakery-address" itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
    <span itemprop="streetAddress">12 rue de la Paix</span>
    <span itemprop="postalCode">75002</span> <span itemprop="addressLocality">Paris</span>
    <span itemprop="addressCountry">France</span>
  </div>
  <p id="bakery-phone">Téléphone : <span itemprop="telephone">01 42 00 00 00</span></p>
</footer>"""
    ),
    [
        {
            "name": "Boulangerie Martin",
            "street_address": "12 rue de la Paix",
            "city": "Paris",
            "postcode": "75002",
            "country": "FR",
            "phone": "01 42 00 00 00",
        }
    ],
)

CASES["microdata_tel_link_and_br_street"] = (
    _page(
        body="""
<section itemscope itemtype="https://schema.org/LocalBusiness">
  <h1 itemprop="name">O&#39;Brien&apos;s&nbsp;Pub</h1>
  <address itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">Unit 4<br>27 Dame Street</span><br>
    <span itemprop="addressLocality">Dublin</span> <span itemprop="postalCode">D02 X285</span><br>
    <span itemprop="addressCountry">IE</span>
  </address>
  <a itemprop="telephone" href="tel:+35315550123">+353 1 555 0123</a>
</section>"""
    ),
    [
        {
            "name": "O'Brien's Pub",
            "street_address": "Unit 4 27 Dame Street",
            "city": "Dublin",
            "postcode": "D02 X285",
            "country": "IE",
            "phone": "+353 1 555 0123",
        }
    ],
)

CASES["microdata_tel_link_without_text"] = (
    _page(
        body="""
<div itemscope itemtype="https://schema.org/Florist">
  <span itemprop="name">Bloom &amp; Co</span>
  <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">8 Chapel Lane</span>
    <span itemprop="addressLocality">Bath</span> <span itemprop="postalCode">BA1 1AA</span>
    <meta itemprop="addressCountry" content="GB">
  </div>
  <a itemprop="telephone" href="tel:01225 555 010"><img src="/phone.svg" alt=""></a>
</div>"""
    ),
    [
        {
            "name": "Bloom & Co",
            "street_address": "8 Chapel Lane",
            "city": "Bath",
            "postcode": "BA1 1AA",
            "country": "GB",
            "phone": "01225 555 010",
        }
    ],
)

CASES["rdfa_vocab_https"] = (
    _page(
        body="""
<div vocab="https://schema.org/" typeof="Library">
  <h1 property="name">Westside Public Library</h1>
  <div property="address" typeof="PostalAddress">
    <span property="streetAddress">4500 W Main St</span>,
    <span property="addressLocality">Oklahoma City</span>,
    <span property="addressRegion">OK</span> <span property="postalCode">73107</span>
    <meta property="addressCountry" content="US">
  </div>
  <div property="geo" typeof="GeoCoordinates">
    <meta property="latitude" content="35.4676"><meta property="longitude" content="-97.5164">
  </div>
  <span property="telephone">(405) 555-0181</span>
</div>"""
    ),
    [
        {
            "name": "Westside Public Library",
            "street_address": "4500 W Main St",
            "city": "Oklahoma City",
            "state": "OK",
            "postcode": "73107",
            "country": "US",
            "lat": 35.4676,
            "lon": -97.5164,
            "phone": "(405) 555-0181",
        }
    ],
)

CASES["rdfa_prefix_schema"] = (
    _page(
        body="""
<div prefix="schema: http://schema.org/" typeof="schema:CafeOrCoffeeShop">
  <h2 property="schema:name">Kaffeehaus Central</h2>
  <div property="schema:address" typeof="schema:PostalAddress">
    <span property="schema:streetAddress">Herrengasse 14</span>
    <span property="schema:postalCode">1010</span> <span property="schema:addressLocality">Wien</span>
    <span property="schema:addressCountry">AT</span>
  </div>
  <span property="schema:telephone">+43 1 533 37 63</span>
</div>"""
    ),
    [
        {
            "name": "Kaffeehaus Central",
            "street_address": "Herrengasse 14",
            "city": "Wien",
            "postcode": "1010",
            "country": "AT",
            "phone": "+43 1 533 37 63",
        }
    ],
)

CASES["rdfa_xmlns_schema"] = (
    _page(
        body="""
<div about="#shop" typeof="schema:BookStore">
  <span property="schema:name">Livraria Lello</span>
  <p property="schema:address" typeof="schema:PostalAddress">
    <span property="schema:streetAddress">R. das Carmelitas 144</span>,
    <span property="schema:postalCode">4050-161</span>
    <span property="schema:addressLocality">Porto</span>,
    <span property="schema:addressCountry">Portugal</span>
  </p>
  <span property="schema:telephone">+351 22 200 2037</span>
</div>""",
        attrs=' xmlns:schema="http://schema.org/"',
    ),
    [
        {
            "name": "Livraria Lello",
            "street_address": "R. das Carmelitas 144",
            "city": "Porto",
            "postcode": "4050-161",
            "country": "PT",
            "phone": "+351 22 200 2037",
        }
    ],
)

CASES["country_name_node_region_full_name"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Pharmacy","name":"Apotheke am Markt",
 "address":{"@type":"PostalAddress","streetAddress":"Marktplatz 3","addressLocality":"Heidelberg",
  "addressRegion":"Baden-Württemberg","postalCode":"69117",
  "addressCountry":{"@type":"Country","name":"Germany"}},
 "geo":{"@type":"GeoCoordinates","latitude":"49,4122","longitude":"8,7101"},
 "telephone":"06221 123 456"}"""
        )
    ),
    [
        {
            "name": "Apotheke am Markt",
            "street_address": "Marktplatz 3",
            "city": "Heidelberg",
            "state": "Baden-Württemberg",
            "postcode": "69117",
            "country": "DE",
            "lat": 49.4122,
            "lon": 8.7101,
            "phone": "06221 123 456",
        }
    ],
)

CASES["trailing_comma_jsonld"] = (
    _page(
        _ld(
            """{
  "@context": "https://schema.org",
  "@type": "Bakery",
  "name": "Sunrise Bakery",
  "address": {
    "@type": "PostalAddress",
    "streetAddress": "91 Queen St",
    "addressLocality": "Auckland",
    "postalCode": "1010",
    "addressCountry": "NZ",
  },
  "telephone": "+64 9 555 0101",
}"""
        )
    ),
    [
        {
            "name": "Sunrise Bakery",
            "street_address": "91 Queen St",
            "city": "Auckland",
            "postcode": "1010",
            "country": "NZ",
            "phone": "+64 9 555 0101",
        }
    ],
)

CASES["same_shop_jsonld_and_microdata"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"ShoeStore","name":"Step Ahead Shoes",
 "address":{"@type":"PostalAddress","streetAddress":"200 George St","addressLocality":"Sydney",
  "addressRegion":"NSW","postalCode":"2000","addressCountry":"AU"},
 "telephone":"(02) 5550 1234"}"""
        ),
        """
<div itemscope itemtype="https://schema.org/ShoeStore">
  <h1 itemprop="name">Step Ahead Shoes</h1>
  <p itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">200 George St</span>, <span itemprop="addressLocality">Sydney</span>
    <span itemprop="addressRegion">NSW</span> <span itemprop="postalCode">2000</span>
  </p>
  <span itemprop="geo" itemscope itemtype="https://schema.org/GeoCoordinates">
    <meta itemprop="latitude" content="-33.8651"><meta itemprop="longitude" content="151.2070">
  </span>
  <a itemprop="telephone" href="tel:+61255501234">(02) 5550 1234</a>
</div>""",
    ),
    [
        {
            "name": "Step Ahead Shoes",
            "street_address": "200 George St",
            "city": "Sydney",
            "state": "NSW",
            "postcode": "2000",
            "country": "AU",
            "lat": -33.8651,
            "lon": 151.207,
            "phone": "(02) 5550 1234",
        }
    ],
)

_BRANCHES = [
    ("Berlin Mitte", "Friedrichstraße 100", "Berlin", "10117", 52.5200, 13.3880),
    ("Berlin Spandau", "Carl-Schurz-Straße 20", "Berlin", "13597", 52.5360, 13.2040),
    ("Hamburg Altona", "Ottenser Hauptstraße 10", "Hamburg", "22765", 53.5520, 9.9350),
    ("Köln Ehrenfeld", "Venloer Straße 300", "Köln", "50823", 50.9490, 6.9170),
    ("München Schwabing", "Leopoldstraße 50", "München", "80802", 48.1600, 11.5860),
    ("Frankfurt Bornheim", "Berger Straße 150", "Frankfurt am Main", "60385", 50.1260, 8.7040),
    ("Stuttgart Mitte", "Königstraße 20", "Stuttgart", "70173", 48.7790, 9.1780),
    ("Leipzig Zentrum", "Petersstraße 30", "Leipzig", "04109", 51.3380, 12.3740),
]
CASES["directory_itemlist_8_branches"] = (
    _page(
        _ld(
            '{"@context":"https://schema.org","@type":"ItemList","name":"Unsere Filialen",'
            '"itemListElement":['
            + ",".join(
                f'{{"@type":"ListItem","position":{i + 1},"item":{{"@type":"LocalBusiness",'
                f'"name":"Fahrradladen Speiche","branchCode":"SP-{i + 1:02d}",'
                f'"address":{{"@type":"PostalAddress","streetAddress":"{street}",'
                f'"addressLocality":"{city}","postalCode":"{pc}","addressCountry":"DE"}},'
                f'"geo":{{"@type":"GeoCoordinates","latitude":{lat},"longitude":{lon}}},'
                f'"telephone":"030 555 01{i:02d}"}}}}'
                for i, (_, street, city, pc, lat, lon) in enumerate(_BRANCHES)
            )
            + "]}"
        )
    ),
    [
        {
            "name": "Fahrradladen Speiche",
            "street_address": street,
            "city": city,
            "postcode": pc,
            "country": "DE",
            "lat": lat,
            "lon": lon,
            "phone": f"030 555 01{i:02d}",
        }
        for i, (_, street, city, pc, lat, lon) in enumerate(_BRANCHES)
    ],
)

CASES["article_publisher_only"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"NewsArticle",
 "headline":"City council approves new bike lanes","datePublished":"2025-03-02T08:00:00Z",
 "author":[{"@type":"Person","name":"Jane Doe","url":"https://news.example/authors/jane"}],
 "publisher":{"@type":"NewsMediaOrganization","name":"Daily Courier",
  "logo":{"@type":"ImageObject","url":"https://news.example/logo.png"}},
 "mainEntityOfPage":{"@type":"WebPage","@id":"https://news.example/2025/03/bike-lanes"}}"""
        )
    ),
    [],
)

CASES["person_with_address"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Person","name":"Dr. Maria Keller",
 "jobTitle":"Architect","telephone":"+49 30 5550 9876",
 "address":{"@type":"PostalAddress","streetAddress":"Lindenallee 4","addressLocality":"Berlin",
  "postalCode":"14050","addressCountry":"DE"},
 "worksFor":{"@type":"Organization","name":"Keller Architekten"}}"""
        )
    ),
    [],
)

CASES["google_maps_links_only_extras"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Restaurant","name":"Taquería El Sol",
 "address":{"@type":"PostalAddress","streetAddress":"Av. Álvaro Obregón 130","addressLocality":"Ciudad de México",
  "addressRegion":"CDMX","postalCode":"06700","addressCountry":"MX"},
 "hasMap":"https://www.google.com/maps/place/Taqueria/@19.4170,-99.1620,17z",
 "sameAs":["https://maps.google.com/?q=19.4170,-99.1620"],
 "telephone":"+52 55 5555 0100"}"""
        )
    ),
    [
        {
            "name": "Taquería El Sol",
            "street_address": "Av. Álvaro Obregón 130",
            "city": "Ciudad de México",
            "state": "CDMX",
            "postcode": "06700",
            "country": "MX",
            "phone": "+52 55 5555 0100",
        }
    ],
)

CASES["geo_as_comma_string"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"TouristAttraction","name":"Old Lighthouse",
 "address":{"@type":"PostalAddress","streetAddress":"Pier Road","addressLocality":"Cromer",
  "postalCode":"NR27 9HE","addressCountry":"England"},
 "geo":"52.9330, 1.3010"}"""
        )
    ),
    [
        {
            "name": "Old Lighthouse",
            "street_address": "Pier Road",
            "city": "Cromer",
            "postcode": "NR27 9HE",
            "country": "GB",
            "lat": 52.933,
            "lon": 1.301,
        }
    ],
)

CASES["localbusiness_with_webpage_about_reference"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@graph":[
 {"@type":"WebPage","@id":"https://gym.example/clubs/lyon/","name":"Club Lyon",
  "about":{"@id":"https://gym.example/clubs/lyon/#club"}},
 {"@type":"ExerciseGym","@id":"https://gym.example/clubs/lyon/#club","name":"FitZone Lyon Part-Dieu",
  "address":{"@type":"PostalAddress","streetAddress":"17 Rue du Docteur Bouchut",
   "addressLocality":"Lyon","postalCode":"69003","addressRegion":"Auvergne-Rhône-Alpes","addressCountry":"FR"},
  "geo":{"@type":"GeoCoordinates","latitude":45.7606,"longitude":4.8570},
  "telephone":"04 72 00 00 00"}]}"""
        )
    ),
    [
        {
            "name": "FitZone Lyon Part-Dieu",
            "street_address": "17 Rue du Docteur Bouchut",
            "city": "Lyon",
            "state": "Auvergne-Rhône-Alpes",
            "postcode": "69003",
            "country": "FR",
            "lat": 45.7606,
            "lon": 4.857,
            "phone": "04 72 00 00 00",
        }
    ],
)

CASES["microdata_data_vocabulary_legacy"] = (
    _page(
        body="""
<div itemscope itemtype="http://data-vocabulary.org/Organization">
  <span itemprop="name">Copy Shop Express</span>
  <div itemprop="address" itemscope itemtype="http://data-vocabulary.org/Address">
    <span itemprop="street-address">350 Fifth Avenue</span>
    <span itemprop="locality">New York</span>, <span itemprop="region">NY</span>
    <span itemprop="postal-code">10118</span>
    <span itemprop="country-name">USA</span>
  </div>
  <span itemprop="tel">212-555-0147</span>
</div>"""
    ),
    [
        {
            "name": "Copy Shop Express",
            "street_address": "350 Fifth Avenue",
            "city": "New York",
            "state": "NY",
            "postcode": "10118",
            "country": "US",
            "phone": "212-555-0147",
        }
    ],
)

CASES["footer_organization_without_address"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Organization","name":"Globex Corporation",
 "url":"https://globex.example","logo":"https://globex.example/logo.svg",
 "contactPoint":{"@type":"ContactPoint","telephone":"+1-800-555-0199","contactType":"customer service"},
 "sameAs":["https://twitter.com/globex","https://www.linkedin.com/company/globex"]}"""
        )
        + _ld(
            """{"@context":"https://schema.org","@type":"WebSite","name":"Globex",
 "url":"https://globex.example"}"""
        )
    ),
    [],
)

CASES["address_with_multiple_street_lines_and_po_box"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"ProfessionalService","name":"Harper &amp; Lane LLP",
 "address":{"@type":"PostalAddress","streetAddress":["Level 12","400 Collins Street"],
  "addressLocality":"Melbourne","addressRegion":"VIC","postalCode":"3000","addressCountry":"Australia"},
 "telephone":["+61 3 5550 1000","+61 3 5550 1001"]}"""
        )
    ),
    [
        {
            "name": "Harper & Lane LLP",
            "street_address": "Level 12, 400 Collins Street",
            "city": "Melbourne",
            "state": "VIC",
            "postcode": "3000",
            "country": "AU",
            "phone": "+61 3 5550 1000",
        }
    ],
)


CASES["microdata_tel_link_with_call_us_text"] = (
    _page(
        body="""
<div itemscope itemtype="https://schema.org/AutoRepair">
  <h1 itemprop="name">Garage Lefèvre</h1>
  <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">8 avenue Jean Jaurès</span>
    <span itemprop="postalCode">31000</span> <span itemprop="addressLocality">Toulouse</span>
  </div>
  <a class="btn" itemprop="telephone" href="tel:+33561000000">Appelez-nous</a>
</div>"""
    ),
    [
        {
            "name": "Garage Lefèvre",
            "street_address": "8 avenue Jean Jaurès",
            "city": "Toulouse",
            "postcode": "31000",
            "phone": "+33561000000",
        }
    ],
)

CASES["rdfa_tel_link_and_label_in_phone"] = (
    _page(
        body="""
<div vocab="http://schema.org/" typeof="Optician">
  <span property="name">Brillen Vogel</span>
  <div property="address" typeof="PostalAddress">
    <span property="streetAddress">Kaiserstr. 9</span>,
    <span property="postalCode">76133</span> <span property="addressLocality">Karlsruhe</span>
  </div>
  <a property="telephone" href="tel:+49721555000">Jetzt anrufen</a>
</div>
<div vocab="http://schema.org/" typeof="Optician">
  <span property="name">Brillen Vogel Durlach</span>
  <div property="address" typeof="PostalAddress">
    <span property="streetAddress">Pfinztalstr. 40</span>,
    <span property="postalCode">76227</span> <span property="addressLocality">Karlsruhe</span>
  </div>
  <span property="telephone">Tel.: 0721 555 001</span>
</div>"""
    ),
    [
        {
            "name": "Brillen Vogel",
            "street_address": "Kaiserstr. 9",
            "city": "Karlsruhe",
            "postcode": "76133",
            "phone": "+49721555000",
        },
        {
            "name": "Brillen Vogel Durlach",
            "street_address": "Pfinztalstr. 40",
            "city": "Karlsruhe",
            "postcode": "76227",
            "phone": "0721 555 001",
        },
    ],
)

CASES["jsonld_with_html_and_double_escaping"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Winery","name":"Ch&amp;acirc;teau Rivi&amp;egrave;re &amp;amp; Fils&amp;#8217; Cellar",
 "address":{"@type":"PostalAddress","streetAddress":"Lieu-dit Les Vignes<br />Route de Pauillac",
  "addressLocality":"<span>Saint-Julien</span>","postalCode":"33250","addressCountry":"FR"},
 "telephone":"+33 5 56 00 00 00"}"""
        )
    ),
    [
        {
            "name": "Ch\u00e2teau Rivi\u00e8re & Fils\u2019 Cellar",
            "street_address": "Lieu-dit Les Vignes Route de Pauillac",
            "city": "Saint-Julien",
            "postcode": "33250",
            "country": "FR",
            "phone": "+33 5 56 00 00 00",
        }
    ],
)

CASES["coordinates_with_hemisphere_letters"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"SkiResort","name":"Cerro Alto Ski Resort",
 "address":{"@type":"PostalAddress","addressLocality":"San Carlos de Bariloche","addressRegion":"Río Negro",
  "addressCountry":"AR"},
 "geo":{"@type":"GeoCoordinates","latitude":"41.1500° S","longitude":"71.4000° W"}}"""
        )
    ),
    [
        {
            "name": "Cerro Alto Ski Resort",
            "city": "San Carlos de Bariloche",
            "state": "Río Negro",
            "country": "AR",
            "lat": -41.15,
            "lon": -71.4,
        }
    ],
)

CASES["microdata_address_missing_itemscope"] = (
    _page(
        body="""
<div itemscope itemtype="http://schema.org/Dentist">
  <h1 itemprop="name">Dr. Patel Dental Care</h1>
  <div itemprop="address">
    <span itemprop="streetAddress">31 Station Road</span><br>
    <span itemprop="addressLocality">Cambridge</span> <span itemprop="postalCode">CB1 2JB</span>
  </div>
  <span itemprop="telephone">01223 555 777</span>
</div>"""
    ),
    [
        {
            "name": "Dr. Patel Dental Care",
            "street_address": "31 Station Road",
            "city": "Cambridge",
            "postcode": "CB1 2JB",
            "phone": "01223 555 777",
        }
    ],
)

CASES["store_in_shopping_centre"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"ElectronicsStore","name":"Gadget Hub Westfield",
 "address":{"@type":"PostalAddress","streetAddress":"Unit 1042, Ariel Way","addressLocality":"London",
  "postalCode":"W12 7GF","addressCountry":"GB"},
 "telephone":"020 7946 0321",
 "containedInPlace":{"@type":"ShoppingCenter","name":"Westfield London",
  "address":{"@type":"PostalAddress","streetAddress":"Ariel Way","addressLocality":"London",
   "postalCode":"W12 7GF"}}}"""
        )
    ),
    [
        {
            "name": "Gadget Hub Westfield",
            "street_address": "Unit 1042, Ariel Way",
            "city": "London",
            "postcode": "W12 7GF",
            "country": "GB",
            "phone": "020 7946 0321",
        }
    ],
)

CASES["jsonld_and_microdata_spelled_differently"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"GroceryStore","name":"Fresh Corner Market",
 "address":{"@type":"PostalAddress","streetAddress":"1520 North Main Street","addressLocality":"Dayton",
  "addressRegion":"OH","postalCode":"45405","addressCountry":"US"},
 "telephone":"+1 937-555-0165"}"""
        ),
        """
<div itemscope itemtype="http://schema.org/GroceryStore">
  <span itemprop="name">Fresh Corner Market</span>
  <span itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
    <span itemprop="streetAddress">1520 N. Main St.</span>, <span itemprop="addressLocality">Dayton</span>,
    <span itemprop="addressRegion">Ohio</span> <span itemprop="postalCode">45405</span>
  </span>
  <meta itemprop="latitude" content="39.7870"><meta itemprop="longitude" content="-84.2000">
</div>""",
    ),
    [
        {
            "name": "Fresh Corner Market",
            "street_address": "1520 North Main Street",
            "city": "Dayton",
            "state": "OH",
            "postcode": "45405",
            "country": "US",
            "lat": 39.787,
            "lon": -84.2,
            "phone": "+1 937-555-0165",
        }
    ],
)

CASES["article_publisher_with_address"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Article","headline":"Ten cafés to try this spring",
 "author":{"@type":"Person","name":"Sam Lee"},
 "publisher":{"@type":"Organization","name":"City Guide Media",
  "address":{"@type":"PostalAddress","streetAddress":"5 Fleet St","addressLocality":"London",
   "postalCode":"EC4Y 1AA","addressCountry":"GB"},
  "logo":{"@type":"ImageObject","url":"https://cityguide.example/logo.png"}}}"""
        )
    ),
    [],
)

CASES["event_location_reference_in_graph"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@graph":[
 {"@type":"TheaterEvent","name":"Hamlet","startDate":"2025-09-01T19:30",
  "location":{"@id":"https://theatre.example/#venue"},
  "performer":[{"@type":"Person","name":"Lead Actor"}]},
 {"@type":"PerformingArtsTheater","@id":"https://theatre.example/#venue","name":"Royal Court Theatre",
  "address":{"@type":"PostalAddress","streetAddress":"Sloane Square","addressLocality":"London",
   "postalCode":"SW1W 8AS","addressCountry":"GB"},
  "geo":{"@type":"GeoCoordinates","latitude":51.4925,"longitude":-0.1566},
  "telephone":"020 7565 5000"}]}"""
        )
    ),
    [
        {
            "name": "Royal Court Theatre",
            "street_address": "Sloane Square",
            "city": "London",
            "postcode": "SW1W 8AS",
            "country": "GB",
            "lat": 51.4925,
            "lon": -0.1566,
            "phone": "020 7565 5000",
        }
    ],
)


CASES["seo_plugin_organization_and_dentist_same_address"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@graph":[
 {"@type":"Organization","@id":"https://parksmiles.example/#organization","name":"Park Smiles Ltd",
  "address":{"@type":"PostalAddress","streetAddress":"3 Park Street","addressLocality":"Bristol",
   "postalCode":"BS1 5NF","addressCountry":"GB"},
  "telephone":"0800 555 0100","logo":"https://parksmiles.example/logo.png"},
 {"@type":"Dentist","@id":"https://parksmiles.example/#dentist","name":"Park Smiles Dental Practice",
  "parentOrganization":{"@id":"https://parksmiles.example/#organization"},
  "address":{"@type":"PostalAddress","streetAddress":"3 Park St","addressLocality":"Bristol",
   "postalCode":"BS1 5NF","addressCountry":"GB"},
  "geo":{"@type":"GeoCoordinates","latitude":51.4545,"longitude":-2.6030},
  "telephone":"0117 555 0199"}]}"""
        )
    ),
    [
        {
            "name": "Park Smiles Dental Practice",
            "street_address": "3 Park St",
            "city": "Bristol",
            "postcode": "BS1 5NF",
            "country": "GB",
            "lat": 51.4545,
            "lon": -2.603,
            "phone": "0117 555 0199",
        }
    ],
)

CASES["headquarters_and_branch_are_two_places"] = (
    _page(
        _ld(
            """{"@context":"https://schema.org","@type":"Corporation","name":"Vantage Tools GmbH",
 "address":{"@type":"PostalAddress","streetAddress":"Industriestraße 12","addressLocality":"Bielefeld",
  "postalCode":"33609","addressCountry":"DE"},
 "telephone":"+49 521 555 0",
 "subOrganization":{"@type":"HardwareStore","name":"Vantage Tools Werksverkauf",
  "address":{"@type":"PostalAddress","streetAddress":"Eckendorfer Str. 90","addressLocality":"Bielefeld",
   "postalCode":"33609","addressCountry":"DE"},
  "telephone":"+49 521 555 100"}}"""
        )
    ),
    [
        {
            "name": "Vantage Tools GmbH",
            "street_address": "Industriestraße 12",
            "city": "Bielefeld",
            "postcode": "33609",
            "country": "DE",
            "phone": "+49 521 555 0",
        },
        {
            "name": "Vantage Tools Werksverkauf",
            "street_address": "Eckendorfer Str. 90",
            "city": "Bielefeld",
            "postcode": "33609",
            "country": "DE",
            "phone": "+49 521 555 100",
        },
    ],
)


def _projection(place: dict) -> dict:
    return {key: place[key] for key in FIELDS if key in place}


@pytest.mark.parametrize("case", sorted(CASES))
def test_realistic_page(case):
    html, expected = CASES[case]
    result = extract_places(html, url=f"https://www.example.com/pages/{case}.html")
    got = [_projection(place) for place in result.places]
    assert got == expected
    assert "invalid_jsonld" not in result.problems


def test_realistic_pages_cover_enough_cases():
    assert len(CASES) >= 25
