"""A small generated web site exercising every discovery rule and every kind of bad input.

Also the log readers the crawl tests share (fetched URLs, final stats).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

#: The 1x1 PNG the site serves, once as an image and once mislabelled as a page.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

STORES = {
    "berlin": ("Kiezladen Berlin Mitte", "Torstraße 1", "Berlin", "10119", "DE", 52.5291, 13.4012),
    "paris": (
        "Boutique Paris Marais",
        "12 Rue des Archives",
        "Paris",
        "75004",
        "FR",
        48.8589,
        2.3561,
    ),
    "madrid": ("Tienda Madrid Sol", "Calle Mayor 5", "Madrid", "28013", "ES", 40.4168, -3.7058),
}


def jsonld_store(
    name: str, street: str, city: str, postcode: str, country: str, lat: float, lon: float
) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "Store",
        "name": name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": street,
            "addressLocality": city,
            "postalCode": postcode,
            "addressCountry": country,
        },
        "geo": {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon},
        "telephone": "+49 30 1234567",
    }
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def page(title: str, body: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{title}</title>'
        f"{head}</head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )


def links(*hrefs: str) -> str:
    return "\n".join(f'<a href="{href}">{href}</a>' for href in hrefs)


def build_test_site(root: Path, other_server_url: str, own_port: int) -> None:
    """Write the site into ``root``; see the module docstring of test_crawl_site.py."""

    def write(path: str, content: str | bytes) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        target.write_bytes(content)

    write(
        "robots.txt",
        "User-agent: *\nDisallow: /private/\n\n# relative sitemap location\n"
        "Sitemap: /sitemap_index.xml\n",
    )
    write(
        "sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "<sitemap><loc>/sitemaps/stores.xml.gz</loc></sitemap>\n"
        "<sitemap><loc>/sitemaps/pages.txt</loc></sitemap>\n"
        "<sitemap><loc>http://offsite.invalid/sitemap.xml</loc></sitemap>\n"
        "</sitemapindex>\n",
    )
    store_locs = [f"/stores/{slug}.html" for slug in STORES] + [
        "/private/hidden-store.html",
        "/img/map.png",
    ]
    urlset = (
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<url><loc>{loc}</loc></url>\n" for loc in store_locs)
        + "</urlset>\n"
    )
    write("sitemaps/stores.xml.gz", gzip.compress(urlset.encode("utf-8")))
    base = f"http://127.0.0.1:{own_port}"
    write("sitemaps/pages.txt", f"{base}/only-in-sitemap.html\n{base}/about.html\n")

    write(
        "index.html",
        page(
            "Example Chain",
            links(
                "/stores/",
                "/about.html",
                "/private/secret.html",
                "/img/logo.png",
                "/css/site.css",
                "/js/app.js",
                "/docs/brochure.pdf",
                "/fonts/brand.woff2",
                "/downloads/archive.zip",
                "/chain/1.html",
                "/bad-encoding.html",
                "/big.html",
                "/big-blob",
                "/page-blob",
                "/photo.html",
                "/invalid-jsonld.html",
                "/broken.html",
                f"{other_server_url}offsite-port.html",
                "http://offsite.invalid/page.html",
                f"http://localhost:{own_port}/other-host.html",
                "mailto:info@example.com",
                "tel:+49301234567",
                "javascript:void(0)",
            ),
        ),
    )
    write("stores/index.html", page("Our stores", links(*(f"{s}.html" for s in STORES))))
    for slug, store in STORES.items():
        write(f"stores/{slug}.html", page(store[0], "<p>Opening soon</p>", jsonld_store(*store)))
    write("about.html", page("About us", links("/", "/stores/")))
    write("only-in-sitemap.html", page("Hidden gem", "<p>Only the sitemap links here.</p>"))
    write("private/secret.html", page("Secret", ""))
    write("private/hidden-store.html", page("Hidden store", ""))
    for number in range(1, 7):
        write(f"chain/{number}.html", page(f"Chain {number}", links(f"{number + 1}.html")))
    for asset in ("img/logo.png", "img/map.png"):
        write(asset, PNG_BYTES)
    write("css/site.css", "body { color: #333 }\n")
    write("js/app.js", "console.log('hi');\n")
    write("docs/brochure.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    write("fonts/brand.woff2", b"wOF2\x00\x01\x00\x00")
    write("downloads/archive.zip", b"PK\x03\x04\x14\x00\x00\x00")

    # Declares UTF-8, written in Windows-1252: the spider must re-read it, not mangle it.
    bakery = ("Bäckerei Müller", "Hauptstraße 3", "München", "80331", "DE", 48.137, 11.575)
    write(
        "bad-encoding.html",
        page("Bäckerei Müller", "<p>Frische Brötchen</p>", jsonld_store(*bakery)).encode("cp1252"),
    )
    # Bigger than the DOWNLOAD_MAXSIZE the test sets (100 kB).
    write("big.html", page("Big", "<p>" + "filler text " * 25_000 + "</p>"))
    # Served as application/octet-stream (no extension), so not gzipped on the fly: the
    # download handler cancels it, where big.html is stopped while being decompressed.
    write("big-blob", b"\0" * 150_000)
    # HTML served as application/octet-stream: read as HTML all the same.
    write(
        "page-blob",
        page(
            "Octet store",
            "",
            jsonld_store("Octet Store", "Main St 1", "Dublin", "D01", "IE", 53.35, -6.26),
        ),
    )
    write("photo.html", PNG_BYTES)
    write(
        "invalid-jsonld.html",
        page(
            "Broken data",
            "<p>No place here.</p>",
            '<script type="application/ld+json">{"@type": "Store", "name": "Broken",</script>',
        ),
    )
    # Unclosed tags, stray end tags, an unterminated comment-like run: still one place.
    broken = page(
        "Broken markup",
        "<div><p>unclosed <b>bold <table><tr><td>cell</div></span></p>",
        jsonld_store(
            "Broken Markup Store", "Rua Augusta 10", "Lisboa", "1100-053", "PT", 38.71, -9.14
        ),
    ).replace("</body></html>", "<div <<p>>")
    write("broken.html", broken)


CRAWLED_RE = re.compile(r"Crawled \((\d+)\) <GET ([^>]+)>")


def crawled_urls(log: str) -> dict[str, list[int]]:
    """URL -> statuses of every "Crawled (status) <GET url>" line of a DEBUG crawl log."""
    crawled: dict[str, list[int]] = {}
    for status, url in CRAWLED_RE.findall(log):
        crawled.setdefault(url, []).append(int(status))
    return crawled
