"""Stable ports for local directories served as start URLs, per ``JOBDIR``.

A spider given a local directory serves it with
:class:`~netcrawl.serving.StaticFileServer` on a free port, so its URLs (and
their fingerprints) contain that port. A resumed crawl must serve the directory
on the same port again, or every journaled URL would point to nothing and
every page would look new. With ``JOBDIR`` set, the first run remembers each
directory's port in ``JOBDIR/netcrawl-served-ports.json`` (written atomically
before the first request is sent) and later runs reuse it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import CloseSpider
from scrapy.utils.job import job_dir

from netcrawl.exporters.storage import atomic_text
from netcrawl.serving import StaticFileServer

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

PORTS_FILE = "netcrawl-served-ports.json"


def read_ports(jobdir: str | Path) -> dict[str, int]:
    path = Path(jobdir, PORTS_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        logger.warning("Ignoring unreadable %s (%s)", path, error)
        return {}
    if not isinstance(data, dict):  # valid JSON, wrong shape: same as unreadable
        logger.warning("Ignoring unreadable %s (not a JSON object)", path)
        return {}
    return {
        str(key): value for key, value in data.items()
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536
    }


def serve_directory(directory: str | Path, settings: BaseSettings) -> StaticFileServer:
    """Start a loopback server for ``directory``, on the job's remembered port if any.

    Raises :class:`~scrapy.exceptions.CloseSpider` when the remembered port is
    taken: a crawl on another port could not resume, it would start over.
    """
    jobdir = job_dir(settings)
    if not jobdir:
        return StaticFileServer(directory).start()
    key = str(Path(directory).resolve())
    ports = read_ports(jobdir)
    port = ports.get(key, 0)
    try:
        server = StaticFileServer(directory, port=port).start()
    except OSError as error:
        if not port:
            raise
        logger.error(
            "Cannot serve %s on port %d again (%s): the journaled URLs of JOBDIR %s use "
            "that port. Free it, or use a new JOBDIR to crawl afresh.",
            directory, port, error, jobdir,
        )
        raise CloseSpider("resume_port_unavailable") from error
    if not port:
        ports[key] = server.port
        with atomic_text(Path(jobdir, PORTS_FILE)) as file:
            json.dump(ports, file, indent=1, sort_keys=True)
    return server
