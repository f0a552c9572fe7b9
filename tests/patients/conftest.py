"""Fixtures for the tests with real moving parts (tests/patients/worker_support.py): an own
redis-server per test and an SMTP sink. Modules may override them."""

import pytest

from tests.patients.worker_support import (
    OwnRedis,
    Sink,
    celery_pointed_at,
    require_postgres_and_redis_server,
    start_sink,
)


@pytest.fixture
def redis_server(settings):
    """A throwaway redis-server that this process publishes to (skips without PostgreSQL)."""
    require_postgres_and_redis_server()
    server = OwnRedis().start()
    settings.LDN_REMINDER_REQUEUE_SECONDS = 2
    settings.LDN_REMINDER_STUCK_SECONDS = 3
    with celery_pointed_at(server.url):
        yield server
    server.kill()


@pytest.fixture
def sink():
    handler = Sink()
    controller = start_sink(handler)
    handler.port = controller.port
    yield handler
    controller.stop()
