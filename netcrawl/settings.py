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
# Scrapy's Protego adapter, also reading UTF-16 robots.txt files (docs/crawling.md).
ROBOTSTXT_PARSER = "netcrawl.discovery.robots.BomAwareProtegoRobotParser"
# An unreachable robots.txt is a counted WARNING, not an ERROR (netcrawl/middlewares/robotstxt.py).
DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "netcrawl.middlewares.robotstxt.RobotsTxtMiddleware": 100,
}
# An unreachable site is reported by the spider's errback (WARNING + netcrawl/response/*).
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"

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

# --- Store-locator APIs and plain-text places (see docs/store-locators.md) ---
NETCRAWL_API_DISCOVERY = True  # follow same-site data endpoints named in pages' scripts
NETCRAWL_API_MAX_PAGES = 200  # pagination links followed per API endpoint, at most
NETCRAWL_TEXT_EXTRACTION = True  # read places from page text where no markup describes one

# --- Item pipelines ---------------------------------------------------------
# Order: normalise (100-399), geocode (400-499), deduplicate (500-599),
# validate/drop (600-699), statistics (800-899).
ITEM_PIPELINES: dict[str, int] = {}

# --- Normalisation and quality (see docs/normalisation.md) -------------------
ITEM_PIPELINES["pipelines.country.CountryPipeline"] = 100
ITEM_PIPELINES["pipelines.address.AddressPipeline"] = 150
ITEM_PIPELINES["pipelines.phone.PhonePipeline"] = 200
ITEM_PIPELINES["pipelines.opening_hours.OpeningHoursPipeline"] = 250
ITEM_PIPELINES["pipelines.validation.ValidationPipeline"] = 600
ITEM_PIPELINES["pipelines.duplicates.DuplicatesPipeline"] = 700
ITEM_PIPELINES["pipelines.fill_rates.FillRatePipeline"] = 900
NETCRAWL_DUPLICATES_MERGE_FILE = ""  # empty: a temporary file, deleted after the crawl

# --- Geocoding (see docs/geocoding.md) ---------------------------------------
ITEM_PIPELINES["pipelines.geocode.GeocodePipeline"] = 400
GEOCODER_ENABLED = True
GEOCODER = "offline"  # or any geopy service name: "nominatim", "photon", ...
GEOCODER_KWARGS: dict = {}  # passed to the geopy geocoder class (domain, scheme, api_key...)
GEOCODER_DB = ""  # empty: <project>/data/geocoder.sqlite (built on first use)
GEOCODER_OVERWRITE = False  # True: replace what the page gave
GEOCODER_MIN_DELAY = 0.0  # seconds between two calls to a remote provider
GEOCODER_MAX_RETRIES = 2
GEOCODER_RETRY_BACKOFF = 1.0  # seconds, doubled at each retry
GEOCODER_TIMEOUT = 10.0
GEOCODER_CACHE = True  # persistent cache of remote answers
GEOCODER_CACHE_DB = ""  # empty: same file as GEOCODER_DB

# --- Exports ----------------------------------------------------------------
# Format = the -o/-O file's extension (see docs/exports.md).
FEED_EXPORTERS: dict[str, str] = {
    "jsonl": "netcrawl.exporters.jsonl.PlaceJsonLinesItemExporter",
    "jl": "netcrawl.exporters.jsonl.PlaceJsonLinesItemExporter",
    "jsonlines": "netcrawl.exporters.jsonl.PlaceJsonLinesItemExporter",
    "csv": "netcrawl.exporters.csv.PlaceCsvItemExporter",
    "geojson": "netcrawl.exporters.geojson.GeoJsonItemExporter",
    "parquet": "netcrawl.exporters.parquet.ParquetItemExporter",
}
# Local files are written to a temporary name and renamed when complete.
FEED_STORAGES: dict[str, str] = {
    "": "netcrawl.exporters.storage.AtomicFileFeedStorage",
    "file": "netcrawl.exporters.storage.AtomicFileFeedStorage",
}
NETCRAWL_PARQUET_ROW_GROUP_SIZE = 10_000
NETCRAWL_PARQUET_COMPRESSION = "zstd"

# --- Run history and health checks (see docs/datasets.md) ------------------
# Each crawl of a tracked spider writes data/runs/<spider>/<UTC timestamp>/.
ADDONS: dict[str, int] = {"netcrawl.extensions.runs.RunsAddon": 100}
EXTENSIONS: dict[str, int] = {"netcrawl.extensions.health.HealthMonitor": 500}
NETCRAWL_RUNS_ENABLED = None  # None: only for NETCRAWL_RUNS_SPIDERS; True/False: always/never
NETCRAWL_RUNS_SPIDERS = ["places"]
NETCRAWL_RUNS_DIR = ""  # empty: <project>/data/runs
NETCRAWL_RUNS_REPORT = True
NETCRAWL_HEALTH_ENABLED = True
NETCRAWL_HEALTH_MIN_ITEM_RATIO = 0.5
NETCRAWL_HEALTH_MIN_ITEMS = 1
NETCRAWL_HEALTH_REQUIRED_FIELDS: dict[str, float] = {}
NETCRAWL_HEALTH_MAX_ERRORS = 0
NETCRAWL_HEALTH_FAIL_EXIT = False  # True: `scrapy crawl` exits 3 when a check fails
