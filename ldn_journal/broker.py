"""Publishing from a web request: bounded in time, never raising, and logged when it fails.

The database is the truth and the sweep re-enqueues whatever is still pending, so a request
that cannot reach the broker answers anyway and leaves the work to the sweep. Every Redis
client has a socket timeout (LDN_REDIS_TIMEOUT_SECONDS); this module adds the retry policy
of the web path: one quick second try when the first failure was quick (a pooled connection
that Redis closed when it restarted), none after a timeout (a frozen Redis would make the
request wait twice), and after a failure the next requests skip the broker for a few
seconds instead of each waiting out its own timeout (ldn_journal/redis_outages.py: the
cache, usually on the same Redis, does the same, so a request pays one timeout in all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ldn_journal import redis_outages
from ldn_journal.celery import app

log = logging.getLogger(__name__)

# A first failure faster than this was a refused or reset connection, worth one more try.
QUICK_FAILURE_SECONDS = 0.5
# After a failure, requests in this process leave their work to the sweep for this long.
SKIP_AFTER_FAILURE_SECONDS = 10.0


def _broker_url() -> str:
    return app.conf.broker_url or ""


def _skipping() -> bool:
    return redis_outages.is_down(_broker_url())


def _remember_failure() -> None:
    redis_outages.mark_down(_broker_url(), SKIP_AFTER_FAILURE_SECONDS)


def publish_for_request(publish: Callable[[], None], what: str) -> bool:
    """Run `publish()` (which sends without Celery's own retries); True when it went out.

    `what` says what was being enqueued, in counts and ids only (it goes to the logs)."""
    if _skipping():
        log.warning("broker unavailable a moment ago: %s left to the sweep", what)
        return False
    clock = redis_outages.clock
    started = clock()
    try:
        publish()
        return True
    except Exception as first:  # noqa: BLE001 - whatever failed, the sweep re-sends
        if clock() - started < QUICK_FAILURE_SECONDS:
            try:
                publish()
                log.warning("broker: %s enqueued on a second try (%s)", what, type(first).__name__)
                return True
            except Exception:
                log.exception("broker unavailable: could not enqueue %s; the sweep will", what)
        else:
            log.error(
                "broker did not answer in time (%s): %s left to the sweep",
                type(first).__name__,
                what,
            )
        _remember_failure()
        return False
