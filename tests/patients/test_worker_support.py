"""The harness of the tests with real moving parts leaves the process as it found it."""

from ldn_journal.celery import app
from tests.patients.worker_support import BROKER_SETTINGS, celery_pointed_at


def broker_settings():
    return {name: getattr(app.conf, name) for name in BROKER_SETTINGS}


def test_a_test_that_points_celery_at_its_own_redis_gives_the_broker_back():
    """A worker test's own redis-server is gone once it ends: left pointed at it, later tests
    in the same process found the broker "unavailable" (the health check, a sweep's
    enqueue), depending only on which tests ran before them."""
    before = broker_settings()
    with celery_pointed_at("redis://127.0.0.1:9/0"):
        assert app.conf.broker_url == "redis://127.0.0.1:9/0"
        assert broker_settings() != before
    assert broker_settings() == before
    assert app._pool is None  # no pooled connection to the stopped server is kept
