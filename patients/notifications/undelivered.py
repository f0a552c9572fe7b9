"""Urgent alerts that keep failing: the admins are told, on every channel they have.

An urgent alert is never given up on (the outbox retries it, backing off to
LDN_URGENT_RETRY_MAX_SECONDS, until it is delivered or the report acknowledged). After
LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS failed attempts a person must hear of it by another
route: each active admin gets a notice by email and, when they have a device, by Web Push
(push still works when the mail server is down), one per report; the access log records
it, the logs say it at ERROR, ADMINS get a mail, and the clinician dashboard shows "alert
not delivered" until the alert goes out or the report is acknowledged.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import mail_admins
from django.db import router
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.languages import speaking_to
from ldn_journal.accounts.models import Role, User
from ldn_journal.celery import URGENT
from ldn_journal.compiled_queries import register
from patients.models import (
    PushSubscription,
    ReminderDelivery,
    fetch_clinician_query,
    freeze_clinician_query,
    gate_is_frozen_for,
    patient_visible,
)
from patients.notifications.channels.email import EmailMessageParts
from patients.notifications.claims import ClaimRow, claim_many
from patients.notifications.outbox import Rendered, Renderer, enqueue_deliveries, register_renderer

log = logging.getLogger(__name__)

Kind = ReminderDelivery.Kind
Channel = ReminderDelivery.Channel
Status = ReminderDelivery.Status
ALERT_KINDS = (Kind.URGENT, Kind.ESCALATION)
NOT_DELIVERED = (Status.PENDING, Status.SENDING, Status.FAILED)


def _undelivered(after_attempts=None):
    """Alerts of open reports that failed N times and have not gone out since."""
    if after_attempts is None:
        after_attempts = settings.LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS
    return ReminderDelivery.objects.filter(
        Q(attempts__gte=after_attempts) | Q(status=Status.FAILED),
        kind__in=ALERT_KINDS,
        status__in=NOT_DELIVERED,
        report__acknowledged_at__isnull=True,
    )


def notice_key(report_id: int, admin_id: int, channel: str) -> str:
    return f"n:undelivered:{report_id}:{admin_id}:{channel}"


def _claim_notices(report_id: int, patient_id: int | None, now: datetime) -> list[int]:
    admins = list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"))
    with_push = set(
        PushSubscription.objects.filter(user__in=admins).values_list("user_id", flat=True)
    )
    rows = [
        ClaimRow(
            key=notice_key(report_id, admin.pk, channel),
            recipient_id=admin.pk,
            kind=Kind.UNDELIVERED,
            channel=channel,
            due_at=now,
            patient_id=patient_id,
            report_id=report_id,
        )
        for admin in admins
        for channel in [Channel.EMAIL] + ([Channel.PUSH] if admin.pk in with_push else [])
    ]
    return claim_many(rows, now)


def tell_admins(now: datetime) -> list[int]:
    """Tell the admins, once per delivery, about urgent alerts that keep failing; returns
    the ids of the deliveries told about. The conditional UPDATE on undelivered_told_at
    lets one sweep tell."""
    failing = list(_undelivered().filter(undelivered_told_at__isnull=True).values_list("pk"))
    told, notices = [], []
    for (pk,) in failing:
        won = ReminderDelivery.objects.filter(pk=pk, undelivered_told_at__isnull=True).update(
            undelivered_told_at=now
        )
        if not won:
            continue
        delivery = ReminderDelivery.objects.select_related("patient").get(pk=pk)
        detail = {
            "report": delivery.report_id,
            "recipient": delivery.recipient_id,
            "kind": delivery.kind,
            "channel": delivery.channel,
            "attempts": delivery.attempts,
        }
        record_access(
            None, "urgent.alert_failed", patient=delivery.patient, obj=delivery, detail=detail
        )
        log.error(
            "Urgent alert delivery %s (%s, %s) not delivered after %s attempts; telling the "
            "admins on every channel (still retrying)",
            pk,
            delivery.kind,
            delivery.channel,
            delivery.attempts,
        )
        notices += _claim_notices(delivery.report_id, delivery.patient_id, now)
        mail_admins(
            "An urgent alert could not be delivered",
            f"Delivery #{pk} ({delivery.kind}, {delivery.channel}) of urgent report "
            f"#{delivery.report_id} to user #{delivery.recipient_id} has failed "
            f"{delivery.attempts} times: {delivery.last_error}\n"
            "It is still being retried. Make sure the care team sees the report.",
            fail_silently=True,
        )
        told.append(pk)
    if notices:
        try:
            enqueue_deliveries(notices, URGENT)
        except Exception:
            log.exception("could not enqueue %s admin notices; the sweep will", len(notices))
    return told


def undelivered_reports(clinician, _patient_id=None, now=None, after_attempts=None):
    """The ids (`report_id`) of open urgent reports of the clinician's patients whose alerts
    are not getting through: the ORM spelling of `frozen_undelivered_reports`."""
    return (
        _undelivered(after_attempts)
        .filter(patient_visible(clinician, now))
        .values("report_id")
        .distinct()
    )


@functools.cache
def _frozen_undelivered_reports(using, after_attempts):
    """`undelivered_reports`' SQL for one value of the attempts setting (a constant in it:
    a changed setting freezes it anew), compiled once per process."""
    return freeze_clinician_query(
        using,
        lambda clinician, patient_id, now: undelivered_reports(
            clinician, patient_id, now, after_attempts
        ),
    )


def frozen_undelivered_reports(using):
    """The frozen SQL of the reports whose alerts are not getting through, for the attempts
    setting now (bind with `bind_clinician_query`): the count below, and the clinician
    list, which reads it in its navigation's query (ldn_journal.accounts.context_processors)."""
    return _frozen_undelivered_reports(using, settings.LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS)


register(frozen_undelivered_reports)  # compiled by a gunicorn master before it forks


def undelivered_alert_count(clinician) -> int:
    """Alerts about open reports of this clinician's patients that are not getting through
    (one query); the dashboard shows "alert not delivered" while it is above zero."""
    if not gate_is_frozen_for(clinician):
        return undelivered_reports(clinician).count()
    using = router.db_for_read(ReminderDelivery)
    [(count,)] = fetch_clinician_query(
        using,
        clinician,
        None,
        timezone.now(),
        frozen_undelivered_reports(using),
        around="SELECT COUNT(*) FROM ({0}) reports",
    )
    return count


class UndeliveredNoticeRenderer(Renderer):
    """To an admin: an alert about an urgent report is not getting through. No patient
    data; a link to sign in."""

    def skip_reason(self, delivery, now):  # noqa: ARG002 - the Renderer interface
        if not delivery.recipient.is_active:
            return "Account deactivated."
        if delivery.report is not None and delivery.report.acknowledged_at is not None:
            return "Acknowledged before it was sent."
        return ""

    def render(self, delivery, now):  # noqa: ARG002 - the Renderer interface
        # In the admin's own language, whatever worker sends it.
        with speaking_to(delivery.recipient):
            return self._render(delivery)

    def _render(self, delivery):
        url = settings.SITE_URL + reverse("home")
        subject = gettext("An urgent alert could not be delivered")
        text = (
            gettext("Hello %(name)s,") % {"name": delivery.recipient.name}
            + "\n\n"
            + gettext(
                "An alert about an urgent report from a patient could not be delivered to the "
                "clinician it was for, after several attempts. It is still being retried."
            )
            + "\n"
            + gettext("Please make sure a clinician on the patient's care team sees it now.")
            + "\n\n"
            + gettext("Sign in to LDN Journal")
            + f": {url}\n\nLDN Journal\n"
        )
        html = "<p>" + escape(text).replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"
        push = {
            "title": subject,
            "body": gettext("Make sure the care team sees the urgent report (sign-in needed)."),
            "url": reverse("home"),
            "tag": f"ldn-undelivered-{delivery.report_id}",
            "requireInteraction": True,
        }
        return Rendered(email=EmailMessageParts(subject=subject, text=text, html=html), push=push)


register_renderer(Kind.UNDELIVERED, UndeliveredNoticeRenderer())
