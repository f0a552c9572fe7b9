"""Whether a delivery channel is failing: one WARNING when it starts, one when it recovers.

A failing SMTP server makes every message fail in turn; logging each at INFO buried the
outage in thousands of lines and said nothing at WARNING. Here the first transient failure
flips the channel's row to failing (a conditional UPDATE, so one process of many logs it),
later failures are only counted, and the first success after flips it back and logs how
many failures the outage cost. No recipient, no patient: the channel and counts only.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.db import DatabaseError
from django.db.models import F

from ldn_journal.operations.models import ChannelState

log = logging.getLogger(__name__)

# A process that saw no failure itself checks for a recovery to record at most this often
# (a success costs no query otherwise).
RECOVERY_CHECK_SECONDS = 15.0
clock = time.monotonic

_next_recovery_check: dict[str, float] = {}


def failed(channel: str, error: Exception, now: datetime) -> None:
    """Count a transient failure of `channel`; log at WARNING if it starts an outage."""
    try:
        _failed(channel, error, now)
    except DatabaseError:
        # Bookkeeping only: the delivery's own state is what must be recorded.
        log.warning("channel %s: could not record a failure (database unavailable)", channel)


def _failed(channel: str, error: Exception, now: datetime) -> None:
    ChannelState.objects.get_or_create(channel=channel)
    started = ChannelState.objects.filter(channel=channel, failing_since__isnull=True).update(
        failing_since=now,
        failures=1,
        failures_total=F("failures_total") + 1,
        last_failure_at=now,
    )
    if started:
        log.warning(
            "channel %s started failing (%s); messages wait and are retried",
            channel,
            type(error).__name__,
        )
    else:
        ChannelState.objects.filter(channel=channel).update(
            failures=F("failures") + 1,
            failures_total=F("failures_total") + 1,
            last_failure_at=now,
        )
    _next_recovery_check[channel] = 0.0  # this process checks on its next success


def succeeded(channel: str, now: datetime) -> None:
    """A message went out on `channel`: if the channel was failing, record and log that it
    recovered (once, whichever process gets there first)."""
    if clock() < _next_recovery_check.get(channel, 0.0):
        return
    _next_recovery_check[channel] = clock() + RECOVERY_CHECK_SECONDS
    try:
        _record_recovery(channel, now)
    except DatabaseError:
        # Never in the way of recording the message just sent (the sender's next statement
        # meets the same fault and records it on a fresh connection).
        _next_recovery_check[channel] = 0.0


def _record_recovery(channel: str, now: datetime) -> None:
    state = ChannelState.objects.filter(channel=channel, failing_since__isnull=False).first()
    if state is None:
        return
    won = ChannelState.objects.filter(channel=channel, failing_since=state.failing_since).update(
        failing_since=None, failures=0, recovered_at=now
    )
    if won:
        log.warning(
            "channel %s recovered after %s failures over %.0f s",
            channel,
            state.failures,
            (now - state.failing_since).total_seconds(),
        )


def forget_checks() -> None:
    """Tests: each starts with no recovery check pending."""
    _next_recovery_check.clear()
