"""Incremental re-crawls read the current robots.txt sitemaps, from its one download.

With ``ROBOTSTXT_OBEY`` the spider reads robots.txt's ``Sitemap:`` lines from
RobotsTxtMiddleware's download, in the callback of its ``/sitemap.xml`` probe.
When that probe is answered ``304`` its stored output is replayed (last
crawl's robots.txt sitemaps); a sitemap robots.txt names since must still be
read, and robots.txt is still fetched only once.
"""

from __future__ import annotations

from pathlib import Path

from test_recrawl import copy_store, crawl, html, names, store_page, write

from netcrawl.serving import StaticFileServer


def urlset(*paths: str) -> str:
    locs = "".join(f"<url><loc>{path}</loc></url>" for path in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>\n')


def test_a_sitemap_added_to_robots_txt_is_read_behind_a_304_probe(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(root / "index.html", html("Home", "<p>No links here.</p>"))
    write(root / "sitemap.xml", urlset("/a.html"))
    write(root / "maps" / "b.xml", urlset("/b.html"))
    write(root / "a.html", store_page("a", "Store A", "Torstraße 1"))
    write(root / "b.html", store_page("b", "Store B", "Torstraße 2"))
    write(root / "robots.txt", "User-agent: *\nSitemap: /sitemap.xml\nSitemap: /maps/b.xml\n")
    with StaticFileServer(root) as server:
        first = crawl(server.url, tmp_path / "store-1", tmp_path / "first.jsonl")
        assert first.returncode == 0, first.log[-3000:]
        assert names(first) == {"Store A", "Store B"}
        assert first.stat("robotstxt/request_count") == 1
        assert first.stat("netcrawl/sitemaps/from_robots") == 2

        write(root / "maps" / "c.xml", urlset("/c.html"))
        write(root / "c.html", store_page("c", "Store C", "Torstraße 3"))
        write(root / "robots.txt", "User-agent: *\nSitemap: /sitemap.xml\nSitemap: /maps/b.xml\n"
                                   "Sitemap: /maps/c.xml\n")
        store = copy_store(tmp_path / "store-1", tmp_path / "store-2")
        second = crawl(server.url, store, tmp_path / "second.jsonl")
    assert second.returncode == 0, second.log[-3000:]
    assert names(second) == {"Store A", "Store B", "Store C"}
    assert second.stat("robotstxt/request_count") == 1
    assert second.stat("netcrawl/incremental/not_modified") >= 3  # sitemap.xml, b.xml, b, a...
    assert second.stat("netcrawl/pages/parsed") == 1  # only the new c.html
