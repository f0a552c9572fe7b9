"""An urgent report left open when its account was closed (accounts.closure keeps the record,
read-only): its page offered "Hold the plan" (refused when chosen), spoke of a patient who
waits and linked "add a phone" to the identifiers page, refused for a closed account (found
in review). The care team still opens and acknowledges it, acknowledge only; the page says
the account is closed and offers nothing a closed record refuses. Closing leaves the report
open, and it escalates once, as any other: it does not vanish, and it does not alert again."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts import closure
from patients.models import ReminderDelivery, UrgentReport
from patients.urgent import reports as urgent
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

MADE_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CLOSED_AT = datetime(2026, 11, 20, 9, 10, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
STEPS = (("1.5", None),)


@pytest.fixture
def report(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=STEPS, start=date(2026, 11, 1))
    return UrgentReport.objects.create(patient=patient_a, severity="severe", created_at=MADE_AT)


@pytest.fixture
def closed(report, patient_a, admin_user):
    with time_machine.travel(CLOSED_AT, tick=False):
        closure.close_account(patient_a.user, by=admin_user, request=None, now=CLOSED_AT)
    return report


def _page(client, report):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("clinic:urgent_report", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_closed_accounts_open_report_says_the_account_is_closed_and_offers_no_hold(
    clinician_client, closed, patient_a
):
    html = _page(clinician_client, closed)

    assert "Account closed on 20 Nov 2026 — the record is kept, read-only" in html
    assert 'value="hold"' not in html
    assert "Hold the plan" not in html
    assert '<input type="hidden" name="decision" value="continue"' in html
    assert "nothing can be signed on it" in html
    assert "Note for the record" in html
    assert "asked to wait" not in html
    assert reverse("clinic:identifiers", args=[patient_a.pk]) not in html


def test_an_open_accounts_report_still_offers_the_hold_and_the_phone_link(
    clinician_client, report, patient_a
):
    html = _page(clinician_client, report)

    assert "Account closed" not in html
    assert 'value="hold"' in html
    assert "asked to wait" in html
    assert reverse("clinic:identifiers", args=[patient_a.pk]) in html


def test_a_closed_accounts_report_is_acknowledged_with_a_note_for_the_record_and_signs_nothing(
    clinician_client, closed, patient_a
):
    url = reverse("clinic:urgent_acknowledge", args=[closed.pk])
    versions = PlanVersion.objects.filter(prescription__patient=patient_a).count()

    with time_machine.travel(NOW, tick=False):
        empty = clinician_client.post(url, {"note": " ", "decision": "continue"})
        closed.refresh_from_db()
        assert closed.acknowledged_at is None
        done = clinician_client.post(url, {"note": "Seen", "decision": "continue"}, follow=True)

    assert empty.status_code == 400
    assert "Write a short note for the record" in empty.content.decode()
    closed.refresh_from_db()
    assert closed.acknowledged_at == NOW
    assert closed.ack_decision == UrgentReport.Decision.CONTINUE
    html = done.content.decode()
    assert "nothing was signed, and the patient does not see your note" in html
    assert "may continue as planned" not in html
    assert PlanVersion.objects.filter(prescription__patient=patient_a).count() == versions


def test_closing_leaves_the_report_open_and_it_escalates_once_then_alerts_no_more(
    closed, clinician_a, admin_user, settings
):
    settings.LDN_URGENT_ESCALATE_MINUTES = 30
    settings.LDN_URGENT_ESCALATE_TO_ADMINS = True
    escalation = MADE_AT + timedelta(minutes=30)

    assert UrgentReport.objects.open().filter(pk=closed.pk).exists()
    with time_machine.travel(escalation, tick=False):
        assert urgent.sweep(escalation)["escalated"] == [closed.pk]
    alerts = ReminderDelivery.objects.filter(report=closed).count()
    for hours in (1, 24, 24 * 30):
        later = escalation + timedelta(hours=hours)
        with time_machine.travel(later, tick=False):
            swept = urgent.sweep(later)
        assert swept["escalated"] == []
        assert swept["claimed"] == []

    assert ReminderDelivery.objects.filter(report=closed).count() == alerts
    recipients = set(
        ReminderDelivery.objects.filter(
            report=closed, kind=ReminderDelivery.Kind.ESCALATION
        ).values_list("recipient_id", flat=True)
    )
    assert recipients == {clinician_a.pk, admin_user.pk}


def test_a_closed_accounts_report_left_without_a_clinician_reaches_the_admins_who_assign_one(
    client, closed, clinician_a, clinician_b, admin_user
):
    # The patient's account closed, its only clinician may leave too (no open patient is left
    # alone): the report goes to the admins, who put a clinician on the team to answer it.
    later = NOW + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        closure.close_account(clinician_a, by=admin_user, request=None, now=later)
        urgent.sweep(later)
        assert set(
            ReminderDelivery.objects.filter(report=closed, recipient=admin_user).values_list(
                "kind", flat=True
            )
        )
        client.force_login(admin_user)
        listed = client.get(reverse("manage:urgent_unassigned")).content.decode()
        assert reverse("manage:urgent_report", args=[closed.pk]) in listed
        client.post(
            reverse("manage:urgent_assign", args=[closed.pk]), {"clinician": clinician_b.pk}
        )
        assert ReminderDelivery.objects.filter(report=closed, recipient=clinician_b).exists()
        client.force_login(clinician_b)
        page = client.get(reverse("clinic:urgent_report", args=[closed.pk]))
        client.post(
            reverse("clinic:urgent_acknowledge", args=[closed.pk]),
            {"note": "Seen", "decision": "continue"},
        )

    assert page.status_code == 200
    closed.refresh_from_db()
    assert closed.acknowledged_by == clinician_b
