"""Precision first: articles, listings, footers and prose give no text place."""

from __future__ import annotations

from pathlib import Path

from conftest import SHARED_FIXTURES, shared_fixture

from netcrawl.extraction.text import extract_text_places

FOOTER_HQ = (
    '<footer class="site-footer"><address>Acme Ltd<br>1 Example Yard<br>London EC2A 4BX</address>'
    '<a href="tel:+442070000000">020 7000 0000</a> <a href="mailto:info@acme.example">Email</a>'
    "</footer>"
)


def page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head>"
            f"<body><nav><a href='/'>Home</a></nav>{body}</body></html>")


def places(html: str, url: str = "https://acme.example/page") -> list[dict]:
    return extract_text_places(html, url).places


def test_news_article_with_address_in_prose_and_block():
    html = page("Bakery opens | Daily News", """
      <article><h1>New bakery opens in Shoreditch</h1>
      <p>A new bakery opened yesterday at 3 Charlotte Road, London EC2A 3PE, to long queues.</p>
      <p>The owners said they had waited two years for the site.</p>
      <address>3 Charlotte Road<br>London EC2A 3PE</address>
      <a href="https://www.google.com/maps/place/@51.5256,-0.0812,17z">Map</a></article>""",
                head='<meta property="og:type" content="article">'
                     '<meta property="article:published_time" content="2026-01-02T10:00:00Z">')
    assert places(html, "https://news.example/2026/01/bakery-opens") == []


def test_long_article_body_without_article_meta():
    paragraph = "<p>" + " ".join(["Residents gathered to discuss the plans."] * 12) + "</p>"
    html = page("Council meeting", f"""<article><h1>Council meeting</h1>{paragraph * 4}
      <p>Venue:</p><p>Town Hall<br>10 Market Street<br>Leeds LS1 6DT</p>
      <p><a href="tel:01132222222">0113 222 2222</a></p></article>""")
    assert places(html, "https://news.example/council-meeting") == []


def test_listing_page_with_several_addresses():
    items = "".join(
        f"<li><h3>Branch {n}</h3><p>{n} High Street<br>London N{n} 1AA</p>"
        f"<a href='tel:+4420000000{n}'>Call</a></li>"
        for n in range(1, 6)
    )
    html = page("Our branches | Acme", f"<main><h1>Our branches</h1><ul>{items}</ul></main>")
    assert places(html, "https://acme.example/branches") == []


def test_footer_address_repeated_on_every_page_is_not_a_place():
    html = page("Blue widget | Acme", f"<main><h1>Blue widget</h1><p>£9.99</p></main>{FOOTER_HQ}")
    assert places(html, "https://acme.example/products/blue-widget") == []


def test_footer_address_on_the_contact_page_is_the_place():
    html = page("Contact | Acme", f"<main><h1>Contact us</h1><form></form></main>{FOOTER_HQ}")
    (place,) = places(html, "https://acme.example/contact")
    assert place["name"] == "Acme"
    assert (place["street_address"], place["postcode"]) == ("1 Example Yard", "EC2A 4BX")
    assert place["phone"] == "+442070000000"
    assert place["email"] == "info@acme.example"


def test_address_in_a_sentence_that_goes_on():
    html = page("Launch party | Acme", """<main><h1>Launch party</h1>
      <p>Join us at 12 High Street, London EC2A 3PE for drinks on Friday.</p>
      <p><a href="tel:+442070000001">Call</a></p></main>""")
    assert places(html) == []


def test_address_after_words_of_a_sentence():
    html = page("Launch party | Acme", """<main><h1>Launch party</h1>
      <p>Join us at 12 High Street, London EC2A 3PE</p>
      <p><a href="tel:+442070000001">Call</a></p></main>""")
    assert places(html) == []


def test_address_in_a_long_paragraph():
    html = page("About | Acme", "<main><h1>About us</h1><p>" + "We bake bread. " * 30 +
                "<br>12 High Street<br>London EC2A 3PE<br>" + "Since 1920. " * 10 +
                "</p><a href='tel:+442070000001'>Call</a></main>")
    assert places(html, "https://acme.example/about") == []


def test_address_block_without_any_supporting_evidence():
    html = page("Recipes | Acme", """<main><h1>Sourdough recipe</h1>
      <p>Sent in by a reader:</p><p>12 High Street<br>London EC2A 3PE</p></main>""")
    assert places(html, "https://acme.example/recipes/sourdough") == []


def test_several_maps_pointing_at_different_places():
    html = page("Day trips | Acme", """<main><h1>Day trips</h1>
      <a href="https://www.openstreetmap.org/?mlat=51.1789&mlon=-1.8262">Stonehenge</a>
      <a href="https://www.openstreetmap.org/?mlat=51.3811&mlon=-2.3590">Bath</a></main>""")
    assert places(html, "https://acme.example/locations/day-trips") == []


def test_coordinates_alone_on_an_ordinary_page():
    html = page("Blog | Acme", """<main><h1>Our summer picnic</h1>
      <a href="https://maps.google.com/?q=51.5033,-0.1195">where we met</a></main>""")
    assert places(html, "https://acme.example/blog/picnic") == []


def test_hidden_and_script_text_is_not_read():
    html = page("Shop | Acme", """<main><h1>Shop</h1>
      <div style="display:none"><p>12 High Street<br>London EC2A 3PE</p></div>
      <script>var a = "12 High Street\\nLondon EC2A 3PE";</script>
      <a href="tel:+442070000001">Call</a></main>""")
    assert places(html) == []


def test_real_pages_give_at_most_one_stray_place_per_twenty():
    shared_fixture("extruct-samples")
    pages = sorted(SHARED_FIXTURES.rglob("*.htm*"))
    found = {}
    for path in pages:
        result = extract_text_places(path.read_bytes(), "https://example.org/" + path.name)
        if result.places:
            found[str(Path(path).relative_to(SHARED_FIXTURES))] = result.places
    assert len(pages) >= 40
    assert len(found) * 20 <= len(pages), found
    # Both hits are real places' address blocks (a songkick event page's venue card, a
    # schema.org LocalBusiness sample); both pages have markup, so a crawl (which reads
    # text only where markup found no place) never reads their text.
    assert set(found) <= {
        "extruct-samples/songkick/tovestyrke.html",
        "extruct-samples/schema.org/LocalBusiness.002.html",
    }
