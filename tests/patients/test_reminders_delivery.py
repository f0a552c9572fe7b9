"""Sending a claimed delivery: exactly once, the right content, retries, skips, unsubscribe."""

import smtplib
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patients.models import ClinicianPreferences, ReminderDelivery, UrgentReport
from patients.notifications import outbox as delivery
from patients.notifications import sweep
from patients.notifications.channels import TransientFailure
from patients.notifications.outbox import read_unsubscribe_token, send_delivery, unsubscribe_token
from prescriptions import plans
from prescriptions.changes import end_change, save_version
from tests.factories import ClinicianFactory
from tests.patients.reminder_support import log_evening, patient_on_plan

Status = ReminderDelivery.Status
EVENING = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)


@pytest.fixture
def claimed(db):
    patient = patient_on_plan(dose="1.5", user__email="pat@example.org")
    [delivery_id] = sweep.sweep(EVENING, dispatch=lambda ids: None).claimed
    return patient, delivery_id


@pytest.fixture
def at_evening():
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        yield


def test_a_claimed_reminder_is_sent_once_with_its_link_and_unsubscribe(claimed, at_evening):
    _patient, delivery_id = claimed
    assert send_delivery(delivery_id) == Status.SENT
    assert send_delivery(delivery_id) == ""  # a redelivered task finds nothing to do
    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "Tap to log tonight's dose." in message.body
    assert "/journal/#tonight-title" in message.body
    html = message.alternatives[0][0]
    assert "Tap to log tonight&#x27;s dose." in html
    assert "/journal/#tonight-title" in html
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = ReminderDelivery.objects.get(pk=delivery_id)
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert row.sent_at


def test_a_reminder_for_a_dose_logged_meanwhile_is_skipped_not_sent(claimed, at_evening):
    patient, delivery_id = claimed
    log_evening(patient, date(2026, 1, 15), at=EVENING)
    assert send_delivery(delivery_id) == Status.SKIPPED
    assert mail.outbox == []


def end_prescription(patient, at):

    plan = plans.load(patient)
    prescription, latest = plan.open_prescription, plan.latest
    change = end_change(latest, tonight_night=at.date(), reason="No benefit")
    save_version(
        prescription_id=prescription.pk,
        author=ClinicianFactory(),
        based_on=latest.number,
        change=change,
        now=at,
    )


def test_a_reminder_claimed_before_the_prescription_ended_is_skipped_not_sent(claimed, at_evening):
    patient, delivery_id = claimed
    end_prescription(patient, at=EVENING)
    assert send_delivery(delivery_id) == Status.SKIPPED
    assert mail.outbox == []


def test_after_the_prescription_ended_the_sweep_claims_no_reminder(db):
    patient = patient_on_plan()
    end_prescription(patient, at=EVENING - timedelta(hours=6))
    for moment in (EVENING, EVENING + timedelta(hours=12), EVENING + timedelta(days=1)):
        assert sweep.sweep(moment, dispatch=lambda ids: None).claimed == []
    assert ReminderDelivery.objects.count() == 0


def test_a_delivery_past_its_window_expires_instead_of_sending(claimed):
    _patient, delivery_id = claimed
    assert send_delivery(delivery_id, now=EVENING + timedelta(hours=7)) == Status.EXPIRED
    assert mail.outbox == []


def test_a_transient_smtp_failure_goes_back_to_pending_with_a_backoff(
    claimed, at_evening, monkeypatch, settings
):
    settings.LDN_REMINDER_RETRY_BASE_SECONDS = 30
    settings.LDN_REMINDER_REQUEUE_SECONDS = 300  # the cap, out of the way
    _patient, delivery_id = claimed

    def refuse(*args, **kwargs):
        raise TransientFailure("Mail server deferred the message (451).")

    monkeypatch.setattr(delivery, "send_email", refuse)
    with pytest.raises(delivery.RetryLater) as raised:
        send_delivery(delivery_id)
    assert raised.value.countdown == 30
    row = ReminderDelivery.objects.get(pk=delivery_id)
    assert row.status == Status.PENDING
    assert "451" in row.last_error
    with pytest.raises(delivery.RetryLater) as again:
        send_delivery(delivery_id)
    assert again.value.countdown == 60


def test_after_the_last_attempt_a_delivery_is_marked_failed_with_the_reason(
    claimed, at_evening, monkeypatch, settings
):
    settings.LDN_REMINDER_MAX_ATTEMPTS = 2
    _patient, delivery_id = claimed
    monkeypatch.setattr(
        delivery, "send_email", lambda *a, **k: (_ for _ in ()).throw(TransientFailure("down"))
    )
    with pytest.raises(delivery.RetryLater):
        send_delivery(delivery_id)
    assert send_delivery(delivery_id) == Status.FAILED
    assert "Gave up after 2 attempts" in ReminderDelivery.objects.get(pk=delivery_id).last_error


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (smtplib.SMTPServerDisconnected("gone"), "retry"),
        (ConnectionRefusedError(), "retry"),
        (smtplib.SMTPDataError(451, b"try later"), "retry"),
        (smtplib.SMTPRecipientsRefused({"pat@example.org": (550, b"no such user")}), Status.FAILED),
    ],
)
def test_smtp_errors_are_sorted_into_retry_or_give_up(
    claimed, at_evening, monkeypatch, error, outcome
):
    _patient, delivery_id = claimed

    class Broken:
        def __init__(self, *args, **kwargs):
            pass

        def open(self):
            pass

        def close(self):
            pass

        def send_messages(self, messages):
            raise error

    monkeypatch.setattr(
        "patients.notifications.channels.email._shared_connection", lambda: Broken()
    )
    if outcome == "retry":
        with pytest.raises(delivery.RetryLater):
            send_delivery(delivery_id)
    else:
        assert send_delivery(delivery_id) == outcome


def test_another_sender_mid_send_means_nothing_to_do(claimed, at_evening):
    _patient, delivery_id = claimed
    ReminderDelivery.objects.filter(pk=delivery_id).update(
        status=Status.SENDING, sending_since=EVENING
    )
    assert send_delivery(delivery_id) == ""
    assert mail.outbox == []


# --- Unsubscribe --------------------------------------------------------------------------


def test_the_one_click_unsubscribe_switches_email_reminders_off(claimed, client):
    patient, _ = claimed
    url = reverse("reminders_unsubscribe", args=[unsubscribe_token(patient.user_id, "reminders")])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Unsubscribe" in page.content
    patient.refresh_from_db()
    assert patient.remind_by_email  # a GET (link scanners) changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    patient.refresh_from_db()
    assert not patient.remind_by_email


def test_a_clinician_can_stop_the_digest_from_its_link(client, db):
    clinician = ClinicianFactory()
    prefs = ClinicianPreferences.objects.create(user=clinician)
    client.post(reverse("reminders_unsubscribe", args=[unsubscribe_token(clinician.pk, "digest")]))
    prefs.refresh_from_db()
    assert not prefs.digest_enabled


@pytest.mark.parametrize("tamper", ["forged", "expired", "garbage"])
def test_a_forged_or_expired_unsubscribe_link_shows_a_clear_page_and_changes_nothing(
    claimed, client, tamper
):
    patient, _ = claimed
    token = unsubscribe_token(patient.user_id, "reminders")
    if tamper == "forged":
        token = unsubscribe_token(patient.user_id + 1, "reminders")[:-4] + token[-4:]
    elif tamper == "garbage":
        token = "not-a-token"
    travel = datetime.now(UTC) + timedelta(days=91 if tamper == "expired" else 0)
    with time_machine.travel(travel):
        response = client.post(reverse("reminders_unsubscribe", args=[token]))
    assert response.status_code == 400
    assert b"not valid" in response.content
    assert b"Nothing was changed" in response.content
    patient.refresh_from_db()
    assert patient.remind_by_email


def test_an_unsubscribe_token_only_carries_known_scopes(db):
    assert read_unsubscribe_token(unsubscribe_token(1, "everything")) is None
    assert read_unsubscribe_token(unsubscribe_token(1, "reminders")) == (1, "reminders")


def test_a_reminder_claimed_before_an_urgent_report_is_skipped_at_send_time(claimed, at_evening):
    """The race the claim-skipping cannot close: the report is committed after the reporting
    path skipped the pending claims, before the worker sends. The sender judges the pause
    again, by its one rule, at send time."""
    patient, delivery_id = claimed
    UrgentReport.objects.create(patient=patient, symptoms=["other"], severity="severe")
    assert send_delivery(delivery_id) == Status.SKIPPED
    assert mail.outbox == []
    row = ReminderDelivery.objects.get(pk=delivery_id)
    assert row.last_error.startswith("Paused")
