"""Static file serving for datasets, saved pages and local crawl targets."""

from netcrawl.serving.server import StaticFileServer

__all__ = ["StaticFileServer"]
