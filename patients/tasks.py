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


@shared_task(name="patients.sweep_reminders")
def sweep_reminders_task():
    """Every minute from beat. If the broker fails mid-sweep the claims stay committed as
    pending; the sweep logs an error, tries again a few times, then fails the task loudly.
    Whatever was claimed is re-enqueued by a later sweep."""
    # Urgent reports first (escalation, held-back alerts): never behind the reminders.
    urgent.sweep(timezone.now())
    for attempt in range(1, SWEEP_BROKER_TRIES + 1):
        try:
            result = reminders.sweep(timezone.now())
        except BrokerError:
            log.error("reminder sweep: broker unavailable (attempt %s)", attempt, exc_info=True)
            if attempt == SWEEP_BROKER_TRIES:
                raise
            time.sleep(2 * attempt)
        else:
            return {
                "looked_at": result.looked_at,
                "claimed": len(result.claimed),
                "requeued": len(result.requeued),
                "expired": result.expired,
                "digests": len(result.digests),
            }
