"""Scrapy settings for netcrawl.

Each section below belongs to one part of the project; settings that
netcrawl adds are prefixed ``NETCRAWL_`` or named after the component
(``GEOCODER_*``), and are documented where they are read.
"""

BOT_NAME = "netcrawl"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "netcrawl.commands"

USER_AGENT = "netcrawl/0.1 (+https://github.com/netcrawl/netcrawl)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"

# --- Crawl behaviour -------------------------------------------------------
DEPTH_LIMIT = 4
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- Item pipelines ---------------------------------------------------------
# Order: normalise (100-399), geocode (400-499), deduplicate (500-599),
# validate/drop (600-699), statistics (800-899).
ITEM_PIPELINES: dict[str, int] = {}

# --- Exports ----------------------------------------------------------------
FEED_EXPORTERS: dict[str, str] = {}
FEED_STORAGES: dict[str, str] = {}
