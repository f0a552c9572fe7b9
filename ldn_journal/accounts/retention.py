"""How long the records that are not part of a patient's journal are kept, applied daily.

Access-log rows: LDN_ACCESS_LOG_RETENTION_DAYS (default six years, HIPAA's documentation
rule, 45 CFR 164.316(b)(2); 0 keeps them for ever). Reminder deliveries: the operational trail
of reminders and digests, LDN_DELIVERY_RETENTION_DAYS (default 400 days: a year of nights
plus a month to compare with); urgent-report alerts stay with their report. Expired sessions
go at once. Bulk-invitation batches (uploaded addresses and names) once sent, or left in
preview: LDN_BULK_INVITATION_RETENTION_DAYS (default 30). See SECURITY.md, "What is logged,
and for how long".
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session

from ldn_journal.accounts.models import (
    AccessLog,
    BulkInvitation,
    BulkInvitationRow,
)
from patients.models import ReminderDelivery

# Deleted in batches so a first run over years of rows holds no long lock.
BATCH = 5000


@dataclass(frozen=True)
class Removed:
    access_log: int
    deliveries: int
    sessions: int
    bulk_invitations: int = 0

    def as_dict(self):
        return {
            "access_log": self.access_log,
            "deliveries": self.deliveries,
            "sessions": self.sessions,
            "bulk_invitations": self.bulk_invitations,
        }


def _delete_in_batches(queryset):
    total = 0
    while True:
        pks = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not pks:
            return total
        # The same queryset filters again: a row that changed meanwhile is left alone.
        deleted, _ = queryset.filter(pk__in=pks).delete()
        total += deleted


def expired_access_log(now):
    days = settings.LDN_ACCESS_LOG_RETENTION_DAYS
    if days <= 0:
        return AccessLog.objects.none()
    return AccessLog.objects.filter(at__lt=now - timedelta(days=days))


def expired_deliveries(now):
    days = settings.LDN_DELIVERY_RETENTION_DAYS
    if days <= 0:
        return ReminderDelivery.objects.none()
    Status = ReminderDelivery.Status
    return ReminderDelivery.objects.filter(
        # Finished ones only: a pending or sending row is work the outbox still owns.
        status__in=[Status.SENT, Status.FAILED, Status.EXPIRED, Status.SKIPPED],
        claimed_at__lt=now - timedelta(days=days),
        report__isnull=True,
    )


def expired_bulk_invitations(now):
    days = settings.LDN_BULK_INVITATION_RETENTION_DAYS
    if days <= 0:
        return BulkInvitation.objects.none()
    # A batch still sending is work the task owns; it is taken once done.
    return BulkInvitation.objects.filter(created_at__lt=now - timedelta(days=days)).exclude(
        status=BulkInvitation.Status.SENDING
    )


def _delete_bulk_invitations(now):
    """Rows first, in batches (a batch may hold 10,000), then their batches."""
    batches = expired_bulk_invitations(now)
    _delete_in_batches(BulkInvitationRow.objects.filter(batch__in=batches.values("pk")))
    return _delete_in_batches(batches)


def apply_retention(now):
    sessions = Session.objects.filter(expire_date__lt=now)
    return Removed(
        access_log=_delete_in_batches(expired_access_log(now)),
        deliveries=_delete_in_batches(expired_deliveries(now)),
        sessions=_delete_in_batches(sessions),
        bulk_invitations=_delete_bulk_invitations(now),
    )
