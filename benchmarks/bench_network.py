"""Static server throughput and ``scrapy download`` time/memory, against plain baselines.

Serve: many small-file requests (8 concurrent clients, a new connection each) and
one large file, from ``netcrawl.serving.StaticFileServer`` and from Python's
``SimpleHTTPRequestHandler`` on a ``ThreadingHTTPServer`` in the same run.

Download: one large file over loopback with ``scrapy download`` (chunked Range
requests, then a single request with ``--chunk-size 0``) and with plain
``scrapy fetch`` (Scrapy's own downloader writing the body to stdout), each in a
child process whose peak resident memory is read with ``os.wait4``.

    python benchmarks/bench_network.py [--size-mb 128] [--requests 400]
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from netcrawl.serving import StaticFileServer

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _baseline_server(root: Path) -> tuple[ThreadingHTTPServer, int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    size = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
    connection.close()
    return size


def _measure_serve(port: int, requests: int, large_name: str) -> tuple[float, float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: _get(port, "/small.csv"), range(requests)))
    small_rate = requests / (time.perf_counter() - started)
    started = time.perf_counter()
    size = _get(port, f"/{large_name}")
    large_rate = size / (1 << 20) / (time.perf_counter() - started)
    return small_rate, large_rate


def _run_child(args: list[str], stdout_path: Path | None = None) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit status) of a ``scrapy`` child process."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    stdout = stdout_path.open("wb") if stdout_path else subprocess.DEVNULL
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=PROJECT_ROOT,
                               env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if stdout_path:
        stdout.close()
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=128)
    parser.add_argument("--requests", type=int, default=400)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        (root / "small.csv").write_text("name,lat,lon\n" + "shop,1.0,2.0\n" * 200)
        large = root / "large.parquet"
        with large.open("wb") as file:
            block = os.urandom(1 << 20)
            for _ in range(options.size_mb):
                file.write(block)

        print(f"serve: {options.requests} small GETs (8 clients), one {options.size_mb} MiB GET")
        baseline, port = _baseline_server(root)
        base_small, base_large = _measure_serve(port, options.requests, large.name)
        baseline.shutdown()
        baseline.server_close()
        with StaticFileServer(root) as server:
            ours_small, ours_large = _measure_serve(server.port, options.requests, large.name)
        print(f"{'server':32} {'small req/s':>12} {'large MiB/s':>12}")
        print(f"{'SimpleHTTPRequestHandler':32} {base_small:12.0f} {base_large:12.0f}")
        print(f"{'StaticFileServer':32} {ours_small:12.0f} {ours_large:12.0f}")
        print(f"{'ratio (ours / baseline)':32} {ours_small / base_small:12.2f} "
              f"{ours_large / base_large:12.2f}")

        print(f"\ndownload: {options.size_mb} MiB over loopback")
        rows = []
        with StaticFileServer(root) as server:
            url = f"{server.url}{large.name}"
            out = Path(tmp) / "out"
            for label, args in [
                ("scrapy download --chunk-size 16M",
                 ["download", url, "-o", str(out), "-q", "--chunk-size", "16M"]),
                ("scrapy download --chunk-size 0",
                 ["download", url, "-o", str(out), "-q", "--chunk-size", "0"]),
            ]:
                out.unlink(missing_ok=True)
                elapsed, peak, status = _run_child(args)
                ok = status == 0 and out.stat().st_size == large.stat().st_size
                rows.append((label, elapsed, peak, ok))
            fetched = Path(tmp) / "fetched"
            elapsed, peak, status = _run_child(
                ["fetch", "--nolog", "-s", "DOWNLOAD_MAXSIZE=0", "-s", "DOWNLOAD_WARNSIZE=0",
                 url], stdout_path=fetched)
            # scrapy fetch prints the body followed by a newline.
            ok = status == 0 and fetched.stat().st_size in {large.stat().st_size,
                                                            large.stat().st_size + 1}
            rows.append(("scrapy fetch (plain Scrapy)", elapsed, peak, ok))
        print(f"{'command':34} {'seconds':>8} {'peak RSS MiB':>13} {'complete':>9}")
        for label, elapsed, peak, ok in rows:
            print(f"{label:34} {elapsed:8.2f} {peak:13.0f} {ok!s:>9}")
        plain = rows[-1]
        print(f"{'ratio chunked / plain fetch':34} {rows[0][1] / plain[1]:8.2f} "
              f"{rows[0][2] / plain[2]:13.2f}")


if __name__ == "__main__":
    main()
