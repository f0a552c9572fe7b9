"""Celery tasks: thin wrappers over the sweep and the outbox, taking ids only.

The only module that defines tasks; the outbox publishes to them by name."""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from ldn_journal.celery import SWEEP_EXPIRES_SECONDS
from ldn_journal.operations import heartbeat
from patients.notifications import outbox as delivery
from patients.notifications import sweep
from patients.urgent import reports as urgent

log = logging.getLogger(__name__)

SWEEP_BROKER_TRIES = 3


@shared_task(name="patients.send_delivery")
def send_delivery_task(delivery_id):
    """One delivery. A transient failure leaves it pending until its retry_at, and the
    sweep hands it back then (no task waits in the queue for its countdown)."""
    try:
        return delivery.send_delivery(delivery_id)
    except delivery.RetryLater as exc:
        return f"pending: retried in {exc.countdown} s"


@shared_task(name="patients.send_deliveries")
def send_deliveries_task(delivery_ids):
    """A chunk of a sweep: each id sent in turn; transient failures wait for the sweep."""
    delivery.send_deliveries(delivery_ids)


@shared_task(name="patients.fan_out_deliveries")
def fan_out_task(delivery_ids):
    """Kept for messages queued by an older release: hands the ids on in send chunks."""
    delivery.enqueue_deliveries(delivery_ids)


@shared_task(name="patients.sweep_reminders", bind=True)
def sweep_reminders_task(self):
    """Every minute from beat, on the urgent queue. If the broker fails mid-sweep the claims
    stay committed as pending; the task retries handing them over a few times with backoff,
    then fails loudly. Whatever is still pending is re-enqueued by a later sweep. Each tick
    leaves a heartbeat (when, how long, how late) for health checks and metrics."""
    started = timezone.now()
    try:
        return _sweep_tick()
    finally:
        try:
            heartbeat.record(heartbeat.SWEEP, started, timezone.now(), _queued_for(self, started))
        except Exception:
            log.exception("could not record the sweep heartbeat")


def _queued_for(task, started) -> float:
    """Seconds the tick waited in the queue: beat sets `expires` SWEEP_EXPIRES_SECONDS
    after publishing it (0 when run by hand)."""
    expires = getattr(task.request, "expires", None)
    if not expires:
        return 0.0
    if isinstance(expires, str):
        expires = datetime.fromisoformat(expires)
    published = expires - timedelta(seconds=SWEEP_EXPIRES_SECONDS)
    return (started - published).total_seconds()


def _sweep_tick():
    try:
        tick = sweep_tick(fan_out=enqueue_sweep_parts)
    except sweep.DispatchError as failure:
        return _retry_enqueue(failure)
    result = tick.reminders
    return {
        "looked_at": result.looked_at,
        "claimed": len(result.claimed),
        "requeued": len(result.requeued),
        "expired": result.expired,
        "digests": len(result.digests),
    }


@dataclass
class Tick:
    urgent: dict | None  # urgent.sweep's result; None when it failed (logged)
    reminders: sweep.SweepResult


def sweep_tick(now=None, *, dispatch=None, fan_out=None, send_urgent=None) -> Tick:
    """One tick of the every-minute sweep, run by beat's task and by `manage.py
    send_reminders`: the urgent reports first, then the reminders.

    `now` is the moment to sweep as (default: the clock, read for each part); `dispatch(ids)`
    sends the reminder claims in this process instead of enqueueing them (send_reminders);
    `send_urgent(ids, at)` sends the urgent alerts just claimed (already enqueued) in this
    process too, before the reminders are swept (send_reminders);
    `fan_out(now, parts)` hands large sweeps to the workers (the task). Raises
    sweep.DispatchError when the broker fails after claims were committed."""
    # Urgent reports first (escalation, held-back alerts, failures told to admins): never
    # behind the reminders, and a fault there must not stop the reminders either.
    # Never ahead of the clock: `send_reminders --at` a future time escalated every open
    # report early, paged the admins and stamped the future moment on the report. A past
    # --at (re-running a missed minute) is swept as that minute.
    clock = timezone.now()
    urgent_now = min(now, clock) if now is not None else clock
    try:
        urgent_result = urgent.sweep(urgent_now)
    except Exception:
        log.exception("urgent sweep failed; the next tick retries")
        urgent_result = None
    if urgent_result is not None and send_urgent is not None:
        send_urgent(urgent_result["claimed"], urgent_now)
    moment = now or timezone.now()
    parts_out = None if fan_out is None else (lambda parts: fan_out(moment, parts))
    return Tick(urgent_result, sweep.sweep(moment, dispatch=dispatch, fan_out=parts_out))


def enqueue_sweep_parts(now, parts):
    """One sub-sweep task per (first_id, last_id) part, all for the same minute `now`:
    every worker process takes parts from the queue, so more workers, shorter sweeps."""
    for first_id, last_id in parts:
        sweep_part_task.delay(now.isoformat(), first_id, last_id)


@shared_task(name="patients.sweep_reminders_part")
def sweep_part_task(now_iso, first_id, last_id):
    """One part of a fanned-out sweep. Run twice or late, it claims nothing twice (claims
    are unique by key); a part the queue lost is swept by the next minute's sweep."""
    now = datetime.fromisoformat(now_iso)
    try:
        result = sweep.sweep_part(now, first_id, last_id)
    except sweep.DispatchError as failure:
        return _retry_enqueue(failure)
    return {"looked_at": result.looked_at, "claimed": len(result.claimed)}


def _retry_enqueue(failure):
    """The broker failed after claims were committed: retry handing them over a few times
    with backoff, then fail loudly (a later sweep re-enqueues whatever is still pending)."""
    for attempt in range(1, SWEEP_BROKER_TRIES):
        time.sleep(2 * attempt)
        try:
            delivery.enqueue_deliveries(failure.ids, failure.queue)
        except BrokerError:
            log.error("reminder sweep: broker still unavailable (retry %s)", attempt)
        else:
            log.warning("reminder sweep: enqueued %s deliveries on retry", len(failure.ids))
            return {"claimed": len(failure.ids), "retried": attempt}
    raise failure
