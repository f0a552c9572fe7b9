"""`manage.py send_reminders` runs the tick beat runs: the urgent part first (escalations of
unanswered reports), then the reminders; `--dry-run` lists reports due for escalation and
escalates nothing.

Before, the command ran only the reminder sweep: run by hand while beat was down, it sent
reminders but never escalated an unanswered urgent report."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from ldn_journal.accounts.models import AccessLog
from patients.models import ReminderDelivery, UrgentReport
from tests.patients.urgent_support import NOW, make_report

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def report(patient_a, clinician_a):
    return make_report(patient_a, now=NOW)


def just_after_the_escalation_is_due(settings):
    return (NOW + timedelta(minutes=settings.LDN_URGENT_ESCALATE_MINUTES, seconds=1)).isoformat()


def test_send_reminders_escalates_a_report_left_unanswered(report, settings):
    output = run("--at", just_after_the_escalation_is_due(settings))

    report.refresh_from_db()
    assert report.escalated_at is not None
    assert "escalated 1" in output
    assert AccessLog.objects.filter(action="urgent.escalate", patient=report.patient).exists()
    assert ReminderDelivery.objects.filter(
        report=report, kind=ReminderDelivery.Kind.ESCALATION
    ).exists()


def test_send_reminders_does_not_escalate_before_the_time(report, settings):
    early = NOW + timedelta(minutes=settings.LDN_URGENT_ESCALATE_MINUTES - 1)
    assert "escalated 0" in run("--at", early.isoformat())
    report.refresh_from_db()
    assert report.escalated_at is None


def test_a_dry_run_lists_the_report_due_for_escalation_and_escalates_nothing(report, settings):
    alerts = ReminderDelivery.objects.count()

    output = run("--at", just_after_the_escalation_is_due(settings), "--dry-run")

    report.refresh_from_db()
    assert report.escalated_at is None
    assert (
        f"Urgent report #{report.pk} (patient #{report.patient_id}) is due for escalation" in output
    )
    assert "1 urgent report(s) due for escalation (dry run: nothing escalated" in output
    assert ReminderDelivery.objects.count() == alerts
    assert not AccessLog.objects.filter(action="urgent.escalate").exists()
    assert UrgentReport.history.filter(pk=report.pk, history_change_reason="escalated").count() == 0


def test_a_future_at_is_said_and_the_dry_run_lists_what_the_real_run_escalates(report, settings):
    """The dry run listed a report a future --at made due; the real run escalated none and
    said nothing (found by exploratory testing). Both sweep the urgent part as of now."""
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        dry = run("--at", just_after_the_escalation_is_due(settings), "--dry-run")
        real = run("--at", just_after_the_escalation_is_due(settings))
    for output in (dry, real):
        assert "Urgent reports are swept as of now" in output
    assert "0 urgent report(s) due for escalation" in dry
    assert "escalated 0" in real
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        dry = run("--at", just_after_the_escalation_is_due(settings), "--dry-run")
        assert "1 urgent report(s) due for escalation" in dry
        assert "swept as of now" not in dry
        assert "escalated 1" in run("--at", just_after_the_escalation_is_due(settings))


def test_a_future_at_never_escalates_ahead_of_the_clock(report, settings):
    """--at moves the reminders' clock only: the urgent part runs on the real clock, so a
    future --at cannot escalate early, page the admins or stamp a future time."""
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        output = run("--at", just_after_the_escalation_is_due(settings))
    report.refresh_from_db()
    assert report.escalated_at is None
    assert "escalated 0" in output
    assert not ReminderDelivery.objects.filter(kind=ReminderDelivery.Kind.ESCALATION).exists()


def test_send_reminders_sends_the_urgent_alerts_it_claims_itself(report, settings, mailoutbox):
    """Run by hand while the worker is down, the command sends the alerts it claims, the
    escalation's too (before, it only handed them to the queue: with no worker they waited
    until a later run found them lost). Each is also enqueued; the one that takes it first
    sends it, the other finds it done."""
    output = run("--at", just_after_the_escalation_is_due(settings))

    escalations = ReminderDelivery.objects.filter(
        report=report, kind=ReminderDelivery.Kind.ESCALATION
    )
    assert escalations.exists()
    assert set(escalations.values_list("status", flat=True)) == {ReminderDelivery.Status.SENT}
    assert "(sent here)" in output
    sent_to = [m.to[0] for m in mailoutbox]
    for alert in escalations.select_related("recipient"):
        assert alert.recipient.email in sent_to
    # Run again for the same moment: nothing is sent twice.
    sent = len(mailoutbox)
    run("--at", just_after_the_escalation_is_due(settings))
    assert len(mailoutbox) == sent
