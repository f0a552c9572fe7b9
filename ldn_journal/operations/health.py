"""Deep health: the database, the cache, the broker and the worker (its sweep heartbeat).

Read by `manage.py health` (exit status 1 on any failure) and `/healthz?deep=1` (internal:
it needs the metrics token). Each check is bounded by the clients' own timeouts (about 2 s)
and reports a short word, never an exception's text (it can hold hosts and passwords)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

from ldn_journal.celery import app
from ldn_journal.operations import heartbeat

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        return Check("database", False, f"unavailable ({type(exc).__name__})")
    return Check("database", True, "ok")


def check_cache() -> Check:
    cache = caches["default"]
    try:
        if isinstance(cache, RedisCache):
            # The fail-open cache hides Redis being down from pages; health must not.
            cache._cache.get_client(write=True).ping()
        else:
            cache.set("ldn-health-probe", "1", 10)
            if cache.get("ldn-health-probe") != "1":
                return Check("cache", False, "wrote a value and read nothing back")
    except Exception as exc:  # noqa: BLE001
        return Check("cache", False, f"unavailable ({type(exc).__name__})")
    return Check("cache", True, "ok")


def check_broker() -> Check:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            client = getattr(conn.default_channel, "client", None)
            if client is not None:
                client.ping()
    except Exception as exc:  # noqa: BLE001
        return Check("broker", False, f"unavailable ({type(exc).__name__})")
    return Check("broker", True, "ok")


def check_worker() -> Check:
    """The sweep tick runs every minute on the urgent queue: its heartbeat says a worker
    takes that queue and beat schedules it."""
    try:
        beat = heartbeat.last(heartbeat.SWEEP)
    except Exception as exc:  # noqa: BLE001
        return Check("worker", False, f"unknown ({type(exc).__name__})")
    now = timezone.now()
    if beat is None:
        return Check("worker", False, "no sweep has ever run")
    age = (now - beat.finished_at).total_seconds()
    if heartbeat.sweep_is_late(beat, now):
        return Check("worker", False, f"last sweep {age:.0f} s ago")
    return Check("worker", True, f"last sweep {age:.0f} s ago")


CHECKS = (check_database, check_cache, check_broker, check_worker)


def run_checks() -> list[Check]:
    results = [check() for check in CHECKS]
    for result in results:
        if not result.ok:
            log.warning("health: %s %s", result.name, result.detail)
    return results
