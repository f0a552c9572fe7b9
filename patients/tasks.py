"""Celery tasks: thin wrappers over reminders.py and delivery.py, taking ids only."""

import logging
import time

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import delivery, reminders, urgent

log = logging.getLogger(__name__)

SWEEP_BROKER_TRIES = 3


@shared_task(name="patients.send_delivery", bind=True, max_retries=None)
def send_delivery_task(self, delivery_id):
    try:
        return delivery.send_delivery(delivery_id)
    except delivery.RetryLater as exc:
        raise self.retry(countdown=exc.countdown) from exc


@shared_task(name="patients.send_deliveries")
def send_deliveries_task(delivery_ids):
    """A chunk of a sweep: each id sent in turn; transient failures retry one by one."""
    delivery.retry_later(delivery.send_deliveries(delivery_ids))


@shared_task(name="patients.fan_out_deliveries")
def fan_out_task(delivery_ids):
    """Kept for messages queued by an older release: hands the ids on in send chunks."""
    delivery.enqueue_deliveries(delivery_ids)


@shared_task(name="patients.sweep_reminders")
def sweep_reminders_task():
    """Every minute from beat. If the broker fails mid-sweep the claims stay committed as
    pending; the task retries handing them over a few times with backoff, then fails
    loudly. Whatever is still pending is re-enqueued by a later sweep."""
    # Urgent reports first (escalation, held-back alerts, failures told to admins): never
    # behind the reminders, and a fault there must not stop the reminders either.
    try:
        urgent.sweep(timezone.now())
    except Exception:
        log.exception("urgent sweep failed; the next tick retries")
    try:
        result = reminders.sweep(timezone.now())
    except reminders.DispatchError as failure:
        for attempt in range(1, SWEEP_BROKER_TRIES):
            time.sleep(2 * attempt)
            try:
                delivery.enqueue_deliveries(failure.ids)
            except BrokerError:
                log.error("reminder sweep: broker still unavailable (retry %s)", attempt)
            else:
                log.warning("reminder sweep: enqueued %s deliveries on retry", len(failure.ids))
                return {"claimed": len(failure.ids), "retried": attempt}
        raise
    return {
        "looked_at": result.looked_at,
        "claimed": len(result.claimed),
        "requeued": len(result.requeued),
        "expired": result.expired,
        "digests": len(result.digests),
    }
