"""Celery tasks of the accounts app: the daily housekeeping (retention.py and closure.py do
the work)."""

import logging

from celery import shared_task
from django.utils import timezone

from ldn_journal.accounts import closure, retention

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
