"""Urgent alerts through the reminders machinery: sending, quiet hours, broker and SMTP
outages, escalation."""

import socket
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from ldn_journal.accounts.models import AccessLog
from patients.models import ClinicianPreferences, ReminderDelivery, UrgentReport
from patients.notifications import claims, sweep, tasks
from patients.notifications import outbox as delivery
from patients.urgent import reports as urgent
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.urgent_support import urgent_report

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 2 am in London
Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

SECRET_TEXT = "My heart is racing after the 4.5 mg dose"


def report_for(patient, now=NOW, severity="severe"):
    return urgent_report(patient, now, severity=severity, text=SECRET_TEXT)


def send_all(ids, now):
    with time_machine.travel(now, tick=False):
        return [delivery.send_delivery(pk) for pk in ids]


@pytest.fixture
def team(db):
    first, second = ClinicianFactory(), ClinicianFactory()
    patient = PatientFactory(
        user__display_name="Pat Secret", clinicians=[first, second], country="GB"
    )
    return patient, first, second


# --- The message -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_alert_email_carries_no_health_details_only_a_link_behind_login(team, settings):
    settings.SITE_URL = "https://ldn.example.org"
    patient, _first, _second = team
    report = report_for(patient)
    ids = list(report.deliveries.values_list("pk", flat=True))
    assert send_all(ids, NOW) == [Status.SENT, Status.SENT]
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    text = message.subject + message.body + message.alternatives[0][0]
    assert "urgent report from a patient on your team" in text.lower()
    assert f"https://ldn.example.org/clinic/reports/{report.pk}/" in text
    for secret in ("Pat Secret", "racing", "Racing", "4.5", "heart", patient.user.email):
        assert secret not in text
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in patient.care_team.all())


@pytest.mark.django_db
def test_an_alert_sent_twice_goes_out_once(team):
    patient, *_ = team
    report = report_for(patient)
    ids = list(report.deliveries.values_list("pk", flat=True))
    send_all(ids, NOW)
    assert send_all(ids, NOW) == ["", ""]  # a redelivered task finds nothing to do
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_an_alert_is_not_sent_once_the_report_was_acknowledged(team):
    patient, first, _second = team
    report = report_for(patient)
    ids = list(report.deliveries.values_list("pk", flat=True))
    ReminderDelivery.objects.filter(pk__in=ids).update(status=Status.SENDING)  # in flight
    ReminderDelivery.objects.filter(pk__in=ids).update(status=Status.PENDING)
    UrgentReport.objects.filter(pk=report.pk).update(acknowledged_at=NOW, acknowledged_by=first)
    assert send_all(ids, NOW) == [Status.SKIPPED, Status.SKIPPED]
    assert mail.outbox == []


# --- Quiet hours -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quiet_hours_hold_back_only_clinicians_who_did_not_opt_in_to_urgent_alerts(team):
    patient, sleeper, on_call = team
    quiet = {"quiet_start": time(22, 0), "quiet_end": time(7, 0), "time_zone": "Europe/London"}
    ClinicianPreferences.objects.create(user=sleeper, urgent_ignores_quiet_hours=False, **quiet)
    ClinicianPreferences.objects.create(user=on_call, urgent_ignores_quiet_hours=True, **quiet)
    report = report_for(patient)
    assert list(report.deliveries.values_list("recipient_id", flat=True)) == [on_call.pk]
    urgent.sweep(NOW + timedelta(hours=4))  # 06:00, still quiet (and escalated by now)
    alerts = report.deliveries.filter(kind=Kind.URGENT)
    assert list(alerts.values_list("recipient_id", flat=True)) == [on_call.pk]
    assert not report.deliveries.filter(recipient=sleeper).exists()
    urgent.sweep(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))  # quiet hours over
    assert sorted(alerts.values_list("recipient_id", flat=True)) == sorted([sleeper.pk, on_call.pk])
    assert report.deliveries.filter(recipient=sleeper, kind=Kind.ESCALATION).exists()


@pytest.mark.django_db
def test_a_clinician_who_joins_the_team_while_a_report_is_open_is_alerted_by_the_sweep(team):
    patient, *_ = team
    report = report_for(patient)
    newcomer = ClinicianFactory()
    patient.care_team.add(newcomer)
    urgent.sweep(NOW + timedelta(minutes=1))
    assert report.deliveries.filter(recipient=newcomer, kind=Kind.URGENT).count() == 1
    urgent.sweep(NOW + timedelta(minutes=2))
    assert report.deliveries.filter(recipient=newcomer).count() == 1


# --- Broker down -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_the_broker_down_the_report_and_guidance_work_and_the_next_sweep_sends(
    client, team, monkeypatch, django_capture_on_commit_callbacks
):
    patient, *_ = team

    def broker_down(ids, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(delivery, "enqueue_deliveries", broker_down)
    client.force_login(patient.user)
    data = {
        "submission_id": str(uuid.uuid4()),
        "symptoms": ["vomiting"],
        "since": "few_hours",
        "severity": "severe",
    }
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post("/journal/reaction/", data)
    # The enqueue ran, and failed quietly (the other callback rewrites the clinician list's
    # row for the patient).
    assert [callback.__name__ for callback in callbacks].count("_enqueue") == 1
    assert response.status_code == 200
    assert "Your report was sent" in response.content.decode()
    report = UrgentReport.objects.get()
    pending = list(report.deliveries.values_list("pk", "status"))
    assert [status for _pk, status in pending] == [Status.PENDING, Status.PENDING]
    # Broker back: the reminder sweep re-enqueues what the queue never got.
    later = NOW + claims.requeue_after() + timedelta(seconds=1)
    assert sorted(sweep.stale_deliveries(later)) == sorted(pk for pk, _ in pending)
    send_all([pk for pk, _ in pending], later)
    assert len(mail.outbox) == 2


# --- SMTP failing --------------------------------------------------------------------------------


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_smtp_failing_is_retried_then_the_admins_see_the_failure(team, settings, client):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_TIMEOUT = 2
    settings.LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS = 3
    patient, first, _second = team
    report = report_for(patient)
    alert = report.deliveries.get(recipient=first)
    moment = NOW
    for attempt in (1, 2, 3):
        with pytest.raises(delivery.RetryLater):
            send_all([alert.pk], moment)
        alert.refresh_from_db()
        assert (alert.status, alert.attempts) == (Status.PENDING, attempt)
        if attempt < 3:
            assert urgent.sweep(moment)["failed"] == []
        moment += timedelta(minutes=1)
    assert urgent.sweep(moment)["failed"] == [alert.pk]
    assert urgent.sweep(moment + timedelta(minutes=1))["failed"] == []  # told once
    log = AccessLog.objects.get(action="urgent.alert_failed")
    assert log.object_id == str(alert.pk)
    assert log.patient == patient
    assert log.detail == {
        "report": report.pk,
        "recipient": first.pk,
        "kind": "urgent",
        "channel": "email",
        "attempts": 3,
    }
    # The clinician's report page shows the failed alert too.
    client.force_login(first)
    html = client.get(reverse("clinic:urgent_report", args=[report.pk])).content.decode()
    assert "not delivered yet" in html


# --- Escalation ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unacknowledged_report_escalates_after_30_minutes_to_the_team_and_admins_once(
    team, settings
):
    settings.LDN_URGENT_ESCALATE_MINUTES = 30
    settings.LDN_URGENT_ESCALATE_TO_ADMINS = True
    patient, first, second = team
    admin = AdminFactory()
    AdminFactory(is_active=False)
    outsider = ClinicianFactory()
    report = report_for(patient)
    with time_machine.travel(NOW + timedelta(minutes=29, seconds=59), tick=False):
        assert urgent.sweep(urgent_now())["escalated"] == []
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        assert urgent.sweep(urgent_now())["escalated"] == [report.pk]
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert urgent.sweep(urgent_now())["escalated"] == []
    report.refresh_from_db()
    assert report.escalated_at == NOW + timedelta(minutes=30)
    escalations = report.deliveries.filter(kind=Kind.ESCALATION)
    assert sorted(escalations.values_list("recipient_id", flat=True)) == sorted(
        [first.pk, second.pk, admin.pk]
    )
    assert not escalations.filter(recipient=outsider).exists()
    assert report.history.filter(history_change_reason="escalated").count() == 1
    escalation_log = AccessLog.objects.get(action="urgent.escalate")
    assert sorted(escalation_log.detail["recipients"]) == sorted([first.pk, second.pk, admin.pk])
    send_all(list(escalations.values_list("pk", flat=True)), NOW + timedelta(minutes=31))
    admin_mail = next(m for m in mail.outbox if m.to == [admin.email])
    assert "not been acknowledged after 30 minutes" in admin_mail.body
    assert f"/clinic/reports/{report.pk}/" not in admin_mail.body  # admins see no clinical pages


def urgent_now():

    return timezone.now()


@pytest.mark.django_db
def test_an_acknowledged_report_never_escalates(team):
    patient, first, _second = team
    report = report_for(patient)
    urgent.acknowledge(report, first, "On it", NOW + timedelta(minutes=10))
    assert urgent.escalate_due(NOW + timedelta(hours=2)) == []
    assert not report.deliveries.filter(kind=Kind.ESCALATION).exists()


@pytest.mark.django_db
def test_escalation_can_leave_the_admins_out(team, settings):
    settings.LDN_URGENT_ESCALATE_TO_ADMINS = False
    patient, first, second = team
    AdminFactory()
    report = report_for(patient)
    urgent.escalate_due(NOW + timedelta(minutes=30))
    assert sorted(
        report.deliveries.filter(kind=Kind.ESCALATION).values_list("recipient_id", flat=True)
    ) == sorted([first.pk, second.pk])


@pytest.mark.django_db
def test_a_second_escalation_pass_claims_no_second_set_of_alerts(team):
    patient, *_ = team
    report = report_for(patient)
    later = NOW + timedelta(minutes=45)
    assert urgent.escalate_due(later) == [report.pk]
    UrgentReport.objects.filter(pk=report.pk).update(escalated_at=None)
    # Even if escalated_at were lost, the unique keys keep the alerts to one set.
    assert urgent.escalate_due(later) == [report.pk]
    assert report.deliveries.filter(kind=Kind.ESCALATION).count() == 2  # two clinicians


@pytest.mark.django_db
def test_the_every_minute_beat_task_runs_the_urgent_sweep(team, monkeypatch):

    patient, *_ = team
    report = report_for(patient)
    monkeypatch.setattr(delivery, "enqueue_deliveries", lambda ids: None)
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        tasks.sweep_reminders_task()
    report.refresh_from_db()
    assert report.escalated_at == NOW + timedelta(minutes=31)
