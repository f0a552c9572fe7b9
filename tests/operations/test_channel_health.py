"""A failing channel: one WARNING when it starts, one when it recovers, counts in between."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from ldn_journal.operations import channel_health
from ldn_journal.operations.models import ChannelState
from patients.notifications.channels import TransientFailure

NOW = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_pending_checks():
    channel_health.forget_checks()


def warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.django_db
def test_a_channel_that_keeps_failing_logs_one_warning_and_counts_the_rest(caplog):
    for i in range(50):
        channel_health.failed("email", TransientFailure("451"), NOW + timedelta(seconds=i))
    assert warnings(caplog) == [
        "channel email started failing (TransientFailure); messages wait and are retried"
    ]
    state = ChannelState.objects.get(channel="email")
    assert (state.failures, state.failures_total) == (50, 50)


@pytest.mark.django_db
def test_the_first_success_after_an_outage_logs_one_recovery_with_its_count(caplog):
    for i in range(3):
        channel_health.failed("email", TransientFailure("451"), NOW + timedelta(seconds=i))
    caplog.clear()
    channel_health.succeeded("email", NOW + timedelta(seconds=90))
    channel_health.forget_checks()
    channel_health.succeeded("email", NOW + timedelta(seconds=91))
    assert warnings(caplog) == ["channel email recovered after 3 failures over 90 s"]
    assert ChannelState.objects.get(channel="email").failing_since is None


@pytest.mark.django_db
def test_a_working_channel_logs_nothing(caplog, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        for _ in range(20):
            channel_health.succeeded("push", NOW)
    assert warnings(caplog) == []
