"""Celery tasks of the accounts app: the daily housekeeping (retention.py and closure.py do
the work) and sending a bulk-invitation batch (bulk_invitations.py does the work)."""

import logging

from celery import shared_task
from django.utils import timezone

from ldn_journal.accounts import bulk_invitations, closure, retention

log = logging.getLogger(__name__)


@shared_task(name="accounts.retention")
def apply_retention_task():
    removed = retention.apply_retention(timezone.now()).as_dict()
    log.info("retention applied: %s", removed)
    return removed


@shared_task(name="accounts.erase_closed")
def erase_closed_records_task():
    erased = closure.erase_due_records(timezone.now()).as_dict()
    log.info("closed records erased: %s", erased)
    return erased


@shared_task(name="accounts.send_bulk_invitations")
def send_bulk_invitations_task(batch_id):
    # Idempotent: rows are claimed one by one, so a redelivery or a second run sends nothing
    # twice (acks_late: a worker lost mid-batch hands the task to another, which resumes).
    return bulk_invitations.send_batch(batch_id)


@shared_task(name="accounts.resume_bulk_invitations")
def resume_bulk_invitations_task():
    """Every minute from beat: batches whose hand-over to the broker failed, or whose worker
    died, are sent on (the web request left them to this sweep)."""
    ids = bulk_invitations.claim_stalled(timezone.now())
    for batch_id in ids:
        send_bulk_invitations_task.apply_async((batch_id,))
    if ids:
        log.warning("bulk invitations: %s stalled batch(es) handed to the broker again", len(ids))
    return len(ids)
