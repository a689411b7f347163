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
# Components add their spider middlewares in their own sections below.
SPIDER_MIDDLEWARES: dict[str, int | None] = {}
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
GEOCODER_DB = ""  # empty: data/geocoder.sqlite, or the user cache dir (egg; netcrawl.locations)
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
NETCRAWL_RUNS_DIR = ""  # empty: data/runs, or the user data dir (egg; netcrawl.locations)
NETCRAWL_RUNS_REPORT = True
NETCRAWL_HEALTH_ENABLED = True
NETCRAWL_HEALTH_MIN_ITEM_RATIO = 0.5
NETCRAWL_HEALTH_MIN_ITEMS = 1
NETCRAWL_HEALTH_REQUIRED_FIELDS: dict[str, float] = {}
NETCRAWL_HEALTH_MAX_ERRORS = 0
NETCRAWL_HEALTH_FAIL_EXIT = False  # True: `scrapy crawl` exits 3 when a check fails

# --- Scheduling: `scrapy schedule` (see docs/scheduling.md) ------------------
NETCRAWL_SCHEDULE_DIR = ""  # empty: data/schedule, or the user data dir (state, locks, logs)
NETCRAWL_SCHEDULE_KEEP_LOGS = 100  # run logs kept per entry (0: keep all)

# --- Incremental re-crawls (see docs/incremental.md) -------------------------
# Repeat crawls send If-None-Match / If-Modified-Since and replay the stored items and
# requests of pages that answer 304. Store: <dir>/<spider>/incremental.sqlite.
NETCRAWL_INCREMENTAL = False
NETCRAWL_INCREMENTAL_DIR = ""  # empty: the run history folder (NETCRAWL_RUNS_DIR or its default)
NETCRAWL_INCREMENTAL_KEEP_DAYS = 30  # pages of sites not crawled again are kept this long
NETCRAWL_INCREMENTAL_REFRESH = False  # True: download all, rebuild the store (code changed)
EXTENSIONS["netcrawl.incremental.extension.IncrementalCrawl"] = 450
DOWNLOADER_MIDDLEWARES["netcrawl.incremental.conditional.ConditionalRequestMiddleware"] = 560
SPIDER_MIDDLEWARES["netcrawl.incremental.replay.ReplayNotModifiedMiddleware"] = 30

# --- Rendering: Splash (see docs/splash.md) ---------------------------------
# scrapy-splash through netcrawl's Scrapy 2.19 compatibility layer
# (netcrawl/rendering/splash_compat.py). Empty SPLASH_URL: no Splash, middlewares inert.
SPLASH_URL = ""  # e.g. "http://127.0.0.1:8050" (docker run -p 8050:8050 scrapinghub/splash)
NETCRAWL_SPLASH_WAIT = 0.5  # seconds Splash waits after the page loaded, for its scripts
NETCRAWL_SPLASH_VIEWPORT = "1280x1024"  # "WIDTHxHEIGHT" or "full"
# Lua script (source, a .lua path or a shipped script such as "scroll_and_load_more.lua",
# which scrolls and clicks "load more"); empty: Splash's render.html endpoint.
NETCRAWL_SPLASH_LUA_SOURCE = ""
NETCRAWL_SPLASH_SCRIPT_ARGS: dict = {}  # extra args for the script: load_more_selector...
NETCRAWL_SPLASH_ENGINE = "webkit"  # or "chromium" (render.html only; Lua needs webkit)
NETCRAWL_SPLASH_TIMEOUT = 60.0  # whole render, seconds (Splash's --max-timeout caps it)
NETCRAWL_SPLASH_RESOURCE_TIMEOUT = 15.0  # each sub-resource the page loads, seconds
# Read the JSON a page loads (Splash's render.json HAR, WebKit only) as API responses,
# with the NETCRAWL_BROWSER_INTERCEPT_MAX_* limits; start Splash --disable-browser-caches.
NETCRAWL_SPLASH_CAPTURE_JSON = True
DOWNLOADER_MIDDLEWARES["netcrawl.rendering.splash_compat.SplashCookiesMiddleware"] = 723
DOWNLOADER_MIDDLEWARES["netcrawl.rendering.splash_compat.SplashMiddleware"] = 725
SPIDER_MIDDLEWARES["netcrawl.rendering.splash_compat.SplashDeduplicateArgsMiddleware"] = 100
# A Splash request's fingerprint includes its Splash arguments; others are unchanged.
REQUEST_FINGERPRINTER_CLASS = "netcrawl.rendering.splash_compat.SplashRequestFingerprinter"

# --- Rendering: headless Chromium (see docs/rendering.md) ----------------------
# scrapy-playwright with Debian's chromium (apt-get install chromium; never downloaded).
# The http/https handler fetches plain requests with Scrapy's HTTP11 handler and starts
# Playwright and Chromium only on the first rendered request: a crawl that renders
# nothing starts no browser. Spider attribute / -a render=browser|splash|auto|none,
# or meta["netcrawl_render"] per request; `places` defaults to "auto".
DOWNLOAD_HANDLERS: dict[str, str] = {
    "http": "netcrawl.rendering.browser.BrowserDownloadHandler",
    "https": "netcrawl.rendering.browser.BrowserDownloadHandler",
}
SPIDER_MIDDLEWARES["netcrawl.rendering.middleware.RenderingMiddleware"] = 560
NETCRAWL_RENDER_AUTO_WITH = ""  # "browser" | "splash"; empty: Splash if SPLASH_URL, else Chromium
NETCRAWL_BROWSER_ENABLED = True  # False: never start a browser (render=browser is then plain)
# Handler of the plain (not rendered) http/https requests of BrowserDownloadHandler.
NETCRAWL_BROWSER_PLAIN_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
NETCRAWL_BROWSER_EXECUTABLE = "/usr/bin/chromium"
NETCRAWL_BROWSER_HEADLESS = True
# Keep Chromium off the network it has no business with (see docs/rendering.md).
NETCRAWL_BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
# Pages rendered at once: sets PLAYWRIGHT_MAX_PAGES_PER_CONTEXT (per context) and
# PLAYWRIGHT_MAX_CONTEXTS (= NETCRAWL_BROWSER_CONTEXTS) unless those are set explicitly.
NETCRAWL_BROWSER_CONCURRENCY = 4
NETCRAWL_BROWSER_CONTEXTS = 1  # reused browser contexts (cookies/cache shared within one)
NETCRAWL_BROWSER_CONTEXT_PAGES = 0  # >0: a fresh context after this many pages (0: never)
NETCRAWL_BROWSER_TIMEOUT = 30.0  # navigation timeout, seconds
NETCRAWL_BROWSER_WAIT_UNTIL = "load"  # page.goto: commit|domcontentloaded|load|networkidle
NETCRAWL_BROWSER_IDLE_MS = 150  # then wait until the page's network was quiet this long...
NETCRAWL_BROWSER_MAX_WAIT = 5.0  # ...at most this many seconds (pages that poll never go quiet)
NETCRAWL_BROWSER_BLOCKED_RESOURCES = ["image", "media", "font"]  # never loaded
NETCRAWL_BROWSER_SAME_SITE_ONLY = False  # True: abort requests to other hosts than the page's
NETCRAWL_BROWSER_INTERCEPT_JSON = True  # read JSON the page loads (XHR/fetch) as API responses
NETCRAWL_BROWSER_INTERCEPT_MAX_BYTES = 2 * 1024 * 1024  # per response
NETCRAWL_BROWSER_INTERCEPT_MAX_RESPONSES = 20  # per page

# --- Resume: SIGKILL-safe JOBDIR (see docs/resuming.md) ----------------------
# With -s JOBDIR=DIR, ResumeAddon journals requests, items and finished pages in
# DIR/netcrawl.journal (JournalScheduler, spider middleware 20, downloader middleware 10).
ADDONS["netcrawl.resume.addon.ResumeAddon"] = 200
NETCRAWL_RESUME_JOURNAL = True  # False: Scrapy's stock JOBDIR (not safe against a kill)
NETCRAWL_RESUME_FSYNC = False  # True: fsync the journal after each page (power-loss safety)

# --- Distributed crawls: shared Redis frontier (see docs/distributed.md) -----
# With REDIS_URL set (here, -s REDIS_URL=... or the REDIS_URL environment variable), every
# `scrapy crawl` process shares one scheduler queue, duplicate filter and seed set in Redis
# (scrapy-redis); DistributedAddon switches SCHEDULER/DUPEFILTER_CLASS only then. It runs
# before ResumeAddon (200), which then journals items only.
ADDONS["netcrawl.distributed.addon.DistributedAddon"] = 150
REDIS_URL = ""  # e.g. "redis://:password@10.0.0.5:6379/0"; empty: $REDIS_URL or not distributed
NETCRAWL_WORKER_ID = ""  # empty: $NETCRAWL_WORKER_ID, else <hostname>-<pid> (new id per run)
NETCRAWL_FRONTIER_KEY_PREFIX = "netcrawl"  # keys: <prefix>:<spider>:requests, :dupefilter...
NETCRAWL_FRONTIER_HEARTBEAT_TTL = 30  # seconds without heartbeat before a worker is dead
NETCRAWL_FRONTIER_POLL_INTERVAL = 0.25  # seconds between queue checks of an idle worker
NETCRAWL_FRONTIER_IDLE_TIMEOUT = 300  # seconds an idle worker waits for work (0: for ever)
NETCRAWL_FRONTIER_CLEAR_ON_FINISH = True  # last worker of a finished crawl deletes its keys
NETCRAWL_FRONTIER_SHARED_ITEMS = True  # drop places another worker already exported
