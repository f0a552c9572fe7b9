"""Issue 20 on the delivery side: retries wait in the database and come back through the
sweep by queue, urgent alerts never give up and reach the admins on every channel, the
dashboard says "alert not delivered", a sent message is recorded on a fresh connection."""

import logging
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldn_journal.accounts import context_processors
from ldn_journal.celery import RETRIES, SWEEP_EVERY_SECONDS, URGENT
from patients.models import PushSubscription, ReminderDelivery
from patients.notifications import outbox, sweep, tasks, undelivered
from patients.notifications.channels import TransientFailure
from patients.urgent import reports as urgent
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.reminder_support import patient_on_plan
from tests.patients.urgent_support import urgent_report

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status
Channel = ReminderDelivery.Channel
EVENING = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)


def smtp_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise TransientFailure("Mail server unreachable (ConnectionRefusedError).")

    monkeypatch.setattr(outbox, "send_email", refuse)


def send_at(moment, ids):
    with time_machine.travel(moment, tick=False):
        return outbox.send_deliveries(ids)


class Published:
    """Stands in for the broker: what the sweep handed back, on which queue."""

    def __init__(self, monkeypatch):
        self.calls = []
        monkeypatch.setattr(sweep, "enqueue_deliveries", self)

    def __call__(self, ids, queue="reminders"):
        self.calls.append((queue, sorted(ids)))


@pytest.fixture
def reminder(db, settings):
    settings.LDN_REMINDER_RETRY_BASE_SECONDS = 30
    settings.LDN_REMINDER_REQUEUE_SECONDS = 55
    patient_on_plan(dose="1.5")
    [delivery_id] = sweep.sweep(EVENING, dispatch=lambda ids: None).claimed
    return delivery_id


def test_a_failed_reminder_waits_for_its_retry_time_then_goes_to_the_retries_queue(
    reminder, monkeypatch
):
    smtp_down(monkeypatch)
    send_at(EVENING + timedelta(seconds=5), [reminder])
    row = ReminderDelivery.objects.get(pk=reminder)
    assert row.status == Status.PENDING
    assert row.retry_at == EVENING + timedelta(seconds=35)
    published = Published(monkeypatch)
    assert reminder not in sweep.sweep(EVENING + timedelta(seconds=30)).requeued
    assert reminder in sweep.sweep(EVENING + timedelta(seconds=36)).requeued
    assert published.calls == [(RETRIES, [reminder])]


def test_a_retry_handed_back_is_not_handed_back_again_while_it_waits_in_the_queue(
    reminder, monkeypatch
):
    smtp_down(monkeypatch)
    send_at(EVENING + timedelta(seconds=5), [reminder])
    Published(monkeypatch)
    assert reminder in sweep.sweep(EVENING + timedelta(seconds=40)).requeued
    assert reminder not in sweep.sweep(EVENING + timedelta(seconds=50)).requeued


def test_a_failing_sweep_task_publishes_no_task_per_retry(reminder, monkeypatch):
    smtp_down(monkeypatch)
    published = []
    monkeypatch.setattr(
        tasks.send_delivery_task, "apply_async", lambda *a, **k: published.append(a)
    )
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        tasks.send_deliveries_task.run([reminder])
    assert published == []
    assert ReminderDelivery.objects.get(pk=reminder).retry_at is not None


@pytest.fixture
def alert(db, settings):
    settings.LDN_REMINDER_MAX_ATTEMPTS = 2
    settings.LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS = 3
    settings.LDN_URGENT_RETRY_MAX_SECONDS = 120
    settings.LDN_REMINDER_RETRY_BASE_SECONDS = 30
    clinician = ClinicianFactory()
    patient = PatientFactory(clinicians=[clinician])
    report = urgent_report(patient, EVENING)
    return report.deliveries.get()


def test_an_urgent_alert_is_retried_past_the_reminder_limit_with_a_capped_backoff(
    alert, monkeypatch
):
    smtp_down(monkeypatch)
    moment = EVENING
    waits = []
    for _ in range(6):
        send_at(moment, [alert.pk])
        alert.refresh_from_db()
        assert alert.status == Status.PENDING  # never failed for good
        waits.append(int((alert.retry_at - moment).total_seconds()))
        moment = alert.retry_at
    assert waits == [30, 60, 120, 120, 120, 120]


def test_a_due_urgent_retry_goes_back_on_the_urgent_queue(alert, monkeypatch):
    smtp_down(monkeypatch)
    send_at(EVENING, [alert.pk])
    published = Published(monkeypatch)
    sweep.sweep(EVENING + timedelta(seconds=31))
    assert published.calls == [(URGENT, [alert.pk])]


def test_an_acknowledged_report_stops_the_retries(alert, monkeypatch):
    smtp_down(monkeypatch)
    send_at(EVENING, [alert.pk])
    urgent.acknowledge(alert.report, alert.recipient, "Seen", EVENING + timedelta(seconds=10))
    monkeypatch.undo()
    send_at(EVENING + timedelta(seconds=31), [alert.pk])
    alert.refresh_from_db()
    assert alert.status == Status.SKIPPED
    assert mail.outbox == []


def test_after_n_failures_every_admin_is_told_by_email_and_by_push(alert, monkeypatch):
    first, second = AdminFactory(), AdminFactory()
    PushSubscription.objects.create(
        user=second, endpoint="https://push.example.org/x", p256dh="k", auth="a"
    )
    smtp_down(monkeypatch)
    moment = EVENING
    for _ in range(3):
        send_at(moment, [alert.pk])
        alert.refresh_from_db()
        moment = alert.retry_at
    monkeypatch.setattr(undelivered, "enqueue_deliveries", lambda ids, queue: None)
    assert undelivered.tell_admins(moment) == [alert.pk]
    notices = ReminderDelivery.objects.filter(kind=Kind.UNDELIVERED)
    assert sorted(notices.values_list("recipient_id", "channel")) == sorted(
        [(first.pk, Channel.EMAIL), (second.pk, Channel.EMAIL), (second.pk, Channel.PUSH)]
    )
    assert undelivered.tell_admins(moment + timedelta(minutes=1)) == []  # once


def test_the_admin_notice_names_no_patient(alert, settings):
    admin = AdminFactory()
    ReminderDelivery.objects.filter(pk=alert.pk).update(attempts=3)
    undelivered.tell_admins(EVENING)
    notice = ReminderDelivery.objects.get(kind=Kind.UNDELIVERED, recipient=admin)
    outbox.send_deliveries([notice.pk])
    [message] = [m for m in mail.outbox if m.to == [admin.email]]
    assert message.subject == "An urgent alert could not be delivered"
    assert alert.report.patient.user.name not in message.body


def test_the_dashboard_says_alert_not_delivered_to_the_patients_clinician_only(alert, client):
    ReminderDelivery.objects.filter(pk=alert.pk).update(attempts=3)
    client.force_login(alert.recipient)
    assert "Alert not delivered" in client.get(reverse("clinic:patients")).content.decode()
    client.force_login(ClinicianFactory())
    assert "Alert not delivered" not in client.get(reverse("clinic:patients")).content.decode()


def test_the_dashboard_banner_goes_once_the_alert_is_delivered(alert, client):
    ReminderDelivery.objects.filter(pk=alert.pk).update(attempts=3, status=Status.SENT)
    client.force_login(alert.recipient)
    assert "Alert not delivered" not in client.get(reverse("clinic:patients")).content.decode()


def test_lost_and_stuck_deliveries_are_logged_at_warning_with_counts(
    reminder, monkeypatch, caplog, settings
):
    settings.LDN_REMINDER_STUCK_SECONDS = 50
    ReminderDelivery.objects.filter(pk=reminder).update(
        status=Status.SENDING, sending_since=EVENING
    )
    Published(monkeypatch)
    with caplog.at_level(logging.WARNING):
        sweep.sweep(EVENING + timedelta(seconds=51))
    assert (
        "sweep: re-sending 1 deliveries stuck in sending (their worker died mid-send); "
        "each is a possible duplicate"
    ) in caplog.text
    ReminderDelivery.objects.filter(pk=reminder).update(status=Status.PENDING, sending_since=None)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        sweep.sweep(EVENING + timedelta(seconds=56))
    assert "sweep: re-enqueueing 1 pending deliveries the queue lost (0 urgent)" in caplog.text


def test_the_requeue_and_stuck_thresholds_are_not_multiples_of_the_beat_interval():
    for threshold in (settings.LDN_REMINDER_REQUEUE_SECONDS, settings.LDN_REMINDER_STUCK_SECONDS):
        assert threshold % SWEEP_EVERY_SECONDS != 0
        # Lost at any moment, re-sent at the first or second tick after: under two minutes.
        assert threshold + SWEEP_EVERY_SECONDS < 120


# --- Finish on a fresh connection -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_backend_terminated_between_smtp_and_the_update_sends_no_duplicate(monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL; set DATABASE_URL")
    settings.LDN_REMINDER_STUCK_SECONDS = 50
    for i in range(3):
        patient_on_plan(dose="1.5", user__email=f"p{i}@example.org")
    ids = sweep.sweep(EVENING, dispatch=lambda ids: None).claimed
    real_send = outbox.send_email
    accepted = []

    def accept_then_lose_the_backend(to, parts):
        real_send(to, parts)
        accepted.append(to)
        if len(accepted) == 1:  # SMTP accepted message 1; its UPDATE has not run yet
            pid = connection.connection.info.backend_pid
            db = connection.settings_dict
            with psycopg.connect(
                dbname=db["NAME"],
                user=db["USER"],
                password=db.get("PASSWORD") or None,
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
                autocommit=True,
            ) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])

    monkeypatch.setattr(outbox, "send_email", accept_then_lose_the_backend)
    send_at(EVENING + timedelta(seconds=5), ids)
    assert sorted(ReminderDelivery.objects.values_list("status", flat=True)) == [Status.SENT] * 3
    # Later sweeps (past the stuck threshold) find nothing to send again.
    send_at(EVENING + timedelta(minutes=5), sweep.stale_deliveries(EVENING + timedelta(minutes=5)))
    assert len(mail.outbox) == 3
    assert len({m.to[0] for m in mail.outbox}) == 3  # 0 duplicates


def test_the_undelivered_count_is_its_orm_spelling_and_follows_the_attempts_setting(
    alert, settings
):
    # The count's SQL is compiled once per process for each value of the setting.
    ReminderDelivery.objects.filter(pk=alert.pk).update(attempts=2)
    clinician = alert.recipient

    def orm_count():
        return undelivered.undelivered_reports(clinician).count()

    assert undelivered.undelivered_alert_count(clinician) == orm_count() == 0
    settings.LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS = 2
    assert undelivered.undelivered_alert_count(clinician) == orm_count() == 1
    assert undelivered.undelivered_alert_count(ClinicianFactory()) == 0


def test_a_chunk_records_each_sent_message_with_the_next_take_and_no_warning(db, caplog):
    # The finish of message n rides with the take of message n + 1 in one statement: with
    # parameters bound by the server, two commands joined by ";" are refused, and every
    # message after the first was recorded on a fresh connection with a warning instead.
    for i in range(3):
        patient_on_plan(dose="1.5", user__email=f"chunk{i}@example.org")
    ids = sweep.sweep(EVENING, dispatch=lambda ids: None).claimed
    with caplog.at_level(logging.WARNING, logger="patients.notifications.outbox"):
        outcomes = send_at(EVENING + timedelta(seconds=5), ids)
    assert [o.status for o in outcomes] == [Status.SENT] * 3
    assert sorted(ReminderDelivery.objects.values_list("status", flat=True)) == [Status.SENT] * 3
    assert len(mail.outbox) == 3
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_take_carries_the_previous_finish_in_the_same_statement(reminder):
    other = ReminderDelivery.objects.get(pk=reminder)
    ReminderDelivery.objects.filter(pk=reminder).update(status=Status.SENDING)
    second = ReminderDelivery.objects.create(
        patient=other.patient,
        recipient=other.recipient,
        kind=other.kind,
        channel=other.channel,
        night=other.night,
        key=f"{other.key}:second",
        due_at=other.due_at,
    )
    finish = outbox._finish_sql(reminder, Status.SENT, sent_at=EVENING)
    with connection.cursor():
        assert outbox.take(second.pk, EVENING, after=finish) is True
    assert ReminderDelivery.objects.get(pk=reminder).status == Status.SENT
    assert ReminderDelivery.objects.get(pk=second.pk).status == Status.SENDING


def test_the_lists_banner_and_nav_are_their_own_spellings_read_in_one_query(alert, rf, settings):
    """The clinician list reads the stuck alerts with the navigation's alerts in one
    query: each count equals the one asked alone (and its ORM spelling), for a stuck
    alert, one under the attempts setting, and a clinician of no team."""
    clinician = alert.recipient

    def read(user):
        request = _request(rf, user)
        with CaptureQueriesContext(connection) as queries:
            both = context_processors.clinician_alerts(request, undelivered=True)
        alone = context_processors.clinician_alerts(_request(rf, user))
        assert len(queries) == 1
        assert (both.urgent_count, both.break_glass_patients) == (
            alone.urgent_count,
            alone.break_glass_patients,
        )
        assert both.undelivered_count == undelivered.undelivered_alert_count(user)
        assert both.undelivered_count == undelivered.undelivered_reports(user).count()
        return both

    assert read(clinician).undelivered_count == 0
    assert read(clinician).urgent_count == 1
    ReminderDelivery.objects.filter(pk=alert.pk).update(attempts=3)
    assert read(clinician).undelivered_count == 1
    settings.LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS = 4
    assert read(clinician).undelivered_count == 0
    assert read(ClinicianFactory()) == context_processors.ClinicianAlerts(0, [], 0)


def _request(rf, user):
    request = rf.get("/clinic/")
    request.user = user
    return request
