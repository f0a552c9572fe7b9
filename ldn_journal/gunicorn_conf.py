"""gunicorn's settings for the web service (the Dockerfile's CMD and docker-compose.yml pass
`--config python:ldn_journal.gunicorn_conf`; the command line's own flags still win).

Why these:
- A worker loads Django and warms the URL resolver before its first request, then moves
  everything alive at that point into the garbage collector's permanent generation
  (`gc.freeze()`): a full collection during a request then no longer walks the tens of
  thousands of start-up objects (modules, classes, URL patterns) that never die. Measured
  with `make bench` (bench/README.md), which runs with `GUNICORN_GC_FREEZE=false` too
  (`BENCH_GC_FREEZE=on,off`) to compare.
- `max_requests` with jitter: each worker is replaced after about 20,000 requests, at
  different times, so memory that a big response left behind (Python keeps freed arenas)
  is handed back without both workers restarting together.
- `preload_app`: the master loads Django once and warms it (`warm`: the URL patterns and
  their views, every template of the project compiled, each language's catalogs and
  formats, the hot queries' SQL), then forks the workers from it. A worker replaced after
  its requests is a fork of that warm master, ready at once: it used to import and set up
  Django itself (about a second of CPU on a 2-core machine, taken from the worker still
  serving) and then build templates, catalogs and SQL on its first requests (300-440 ms
  for each page's first view).
  The master holds no database or cache connection when it forks (`warm` closes them), and
  freezes what it built out of the collector's way before forking, so the workers share
  those pages of memory instead of copying them. Code is read when the master starts: a
  deploy restarts the container, never just the workers (no `kill -HUP` to load new code).
"""

import gc
import logging
import os
import time
from datetime import date
from pathlib import Path

# Importing these needs no settings (each is read lazily); calling them (once the application
# is loaded) does.
from django.conf import settings
from django.contrib.auth import get_backends
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.template import engines
from django.urls import reverse
from django.utils import formats, translation
from gunicorn.glogging import Logger

from ldn_journal import compiled_queries
from ldn_journal.log_redaction import WithholdFromErrorLines, loggable_path

_log = logging.getLogger("gunicorn.error")

preload_app = True
# gunicorn's default access line, less what can name a patient: the query string (a
# clinician's search, /clinic/?q=Jo+Williams) and the Referer (the search results' address,
# sent by the next page opened from them). Path, status, size, agent and time stay.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(L)s'


class AccessLogger(Logger):
    """gunicorn's logger, whose path (and request line) withholds an emailed link's secret:
    /invite/<token>/ and a password reset's key wrote into the access log the credential
    the database keeps only as a hash (log_redaction.loggable_path). Its error log follows
    the same rule: an exception outside Django ("Error handling request GET /clinic/?q=Jo+…")
    and a malformed request line named the whole address (WithholdFromErrorLines)."""

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, WithholdFromErrorLines) for f in self.error_log.filters):
            self.error_log.addFilter(WithholdFromErrorLines())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = loggable_path(atoms["U"])
        atoms["q"] = ""
        atoms["r"] = f"{atoms['m']} {atoms['U']} {atoms['H']}"
        return atoms


logger_class = AccessLogger
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))


def gc_freeze_enabled() -> bool:
    """GUNICORN_GC_FREEZE (default true): false leaves the collector as Python starts it,
    for measuring what freezing buys."""
    value = os.environ.get("GUNICORN_GC_FREEZE", "true").strip().lower()
    if value not in ("true", "false", "1", "0", "on", "off"):
        raise ValueError(f"GUNICORN_GC_FREEZE must be true or false, not {value!r}")
    return value in ("true", "1", "on")


def post_worker_init(_worker):
    """The worker has loaded the application: warm what every request needs, then freeze."""
    # The URL patterns (and the views they import) load on first use; here that costs
    # nothing to a waiting patient.
    reverse("healthz")
    if gc_freeze_enabled():
        gc.collect()
        gc.freeze()


def warm() -> int:
    """Build in this process what every worker's requests would otherwise build on first use;
    returns how many templates it compiled. Leaves no database or cache connection open (the
    master forks the workers after this, and a connection must never be shared by two)."""
    try:
        reverse("healthz")  # the URL patterns, and the views and forms they import
        compiled = 0
        for engine in engines.all():
            for directory in (Path(d) for d in engine.engine.dirs):  # the project's templates
                for path in sorted(directory.rglob("*")):
                    if path.suffix in (".html", ".txt") and path.is_file():
                        engine.get_template(path.relative_to(directory).as_posix())
                        compiled += 1
        for code, _name in settings.LANGUAGES:
            with translation.override(code):  # each language's catalogs and date formats
                formats.date_format(date(2026, 3, 2), "DATE_FORMAT")
        # The authentication backends (ldn_journal.accounts.backends: every signed-in
        # request's user query is one of the compiled queries below).
        get_backends()
        # The hot queries' SQL (ldn_journal.compiled_queries): after the templates, whose
        # tag libraries define some. Compiling asks the database its version: a database
        # not up yet leaves them to each worker's first use, as before.
        for alias in connections:
            try:
                compiled_queries.compile_all(alias)
            except DatabaseError:
                _log.warning("warming: database %r unreachable, SQL compiled on first use", alias)
        return compiled
    finally:
        connections.close_all()
        for cache in caches.all(initialized_only=True):
            cache.close()


def when_ready(server):
    """The master has loaded the application (preload_app) and listens: warm it and freeze
    what it holds, before the first worker is forked from it. Without preloading (a command
    line's `--no-preload`) the master has no application to warm: each worker loads its own."""
    if not server.cfg.preload_app:
        return
    started = time.perf_counter()
    try:
        compiled = warm()
    # Warming only saves the workers' first requests: whatever fails in it (the workers
    # meet the same on first use and answer it there) must not stop the site from starting.
    except Exception:  # noqa: BLE001 - logged with its traceback; warming is optional
        _log.exception("warming the application failed: the workers build it on first use")
        compiled = None
    if gc_freeze_enabled():
        gc.collect()
        gc.freeze()
    if compiled is not None:
        _log.info(
            "warmed the application before forking: %d templates compiled in %.0f ms",
            compiled,
            (time.perf_counter() - started) * 1000,
        )
