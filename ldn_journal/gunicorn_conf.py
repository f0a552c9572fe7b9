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
"""

import gc
import os

# Importing this needs no settings; calling it (in the worker, once the app is loaded) does.
from django.urls import reverse

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
