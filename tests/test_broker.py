"""The web path's publish: bounded, never raising, one quick retry, then the sweep's job."""

import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ldn_journal import broker, redis_outages


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(redis_outages, "clock", fake)
    return fake


class Publisher:
    """Fails the way it is told (each failure taking `seconds` on the clock), then works."""

    def __init__(self, clock, failures=(), seconds=0.0):
        self.clock = clock
        self.failures = list(failures)
        self.seconds = seconds
        self.calls = 0
        self.sent = 0

    def __call__(self):
        self.calls += 1
        if self.failures:
            self.clock.now += self.seconds
            raise self.failures.pop(0)
        self.sent += 1


def test_a_publish_that_works_is_sent_once(clock):
    publish = Publisher(clock)
    assert broker.publish_for_request(publish, "1 delivery") is True
    assert publish.calls == 1


def test_a_quick_failure_is_tried_once_more_and_goes_out(clock, caplog):
    publish = Publisher(clock, [RedisConnectionError("reset")], seconds=0.01)
    assert broker.publish_for_request(publish, "2 deliveries") is True
    assert publish.sent == 1
    assert "2 deliveries enqueued on a second try" in caplog.text


def test_a_timeout_is_not_retried_and_is_left_to_the_sweep(clock, caplog):
    publish = Publisher(clock, [RedisTimeoutError("frozen")], seconds=2.0)
    with caplog.at_level(logging.ERROR, logger="ldn_journal.broker"):
        assert broker.publish_for_request(publish, "2 deliveries") is False
    assert publish.calls == 1
    assert "broker did not answer in time (TimeoutError): 2 deliveries left to the sweep" in (
        caplog.text
    )


def test_two_quick_failures_are_logged_and_never_raised(clock, caplog):
    failures = [RedisConnectionError("refused"), RedisConnectionError("refused")]
    publish = Publisher(clock, failures, seconds=0.01)
    assert broker.publish_for_request(publish, "1 delivery") is False
    assert publish.calls == 2
    assert "could not enqueue 1 delivery" in caplog.text


def test_after_a_failure_the_next_requests_skip_the_broker(clock, caplog):
    broker.publish_for_request(Publisher(clock, [RedisTimeoutError()], seconds=2.0), "1 delivery")
    later = Publisher(clock)
    clock.now += broker.SKIP_AFTER_FAILURE_SECONDS - 1
    assert broker.publish_for_request(later, "3 deliveries") is False
    assert later.calls == 0
    assert "broker unavailable a moment ago: 3 deliveries left to the sweep" in caplog.text


def test_the_broker_is_tried_again_once_the_pause_is_over(clock):
    broker.publish_for_request(Publisher(clock, [RedisTimeoutError()], seconds=2.0), "1 delivery")
    clock.now += broker.SKIP_AFTER_FAILURE_SECONDS + 0.1
    later = Publisher(clock)
    assert broker.publish_for_request(later, "1 delivery") is True
    assert later.sent == 1
