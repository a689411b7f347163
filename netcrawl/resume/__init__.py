"""Resumable crawls: ``-s JOBDIR=...`` that survives SIGKILL (see docs/resuming.md).

- :mod:`netcrawl.resume.journal`: the append-only journal file (library, no crawler);
- :mod:`netcrawl.resume.session`: one crawl's use of it (serialising, replaying, stats);
- :mod:`netcrawl.resume.scheduler`: the scheduler and duplicate filter without
  Scrapy's non-SIGKILL-safe disk state;
- :mod:`netcrawl.resume.middleware`: the spider and downloader middlewares that
  write the journal and replay it;
- :mod:`netcrawl.resume.addon`: wires all of it when ``JOBDIR`` is set;
- :mod:`netcrawl.resume.ports`: stable ports for local directories served as start URLs.
"""

from netcrawl.resume.journal import JOURNAL_NAME, Journal, JournalState, load_journal

__all__ = ["JOURNAL_NAME", "Journal", "JournalState", "load_journal"]
