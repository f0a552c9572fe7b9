"""Reminders sent later than they were due (a worker backlog, a broker outage, a retry):
what they say is judged by the patient's clock when they are sent.

The wording was chosen from `due_at`: a last call due 23:30 and sent at 00:40 still said
"Last call for tonight's dose ... There is still time tonight", while the card it opened
read "Last night". And a last call sent after the dosing window it called time on had
ended is too late to be one."""

from datetime import UTC, date, datetime, time

import pytest
from django.core import mail

from patients.models import PushSubscription, ReminderDelivery
from patients.notifications import outbox
from tests.patients.reminder_support import claim, patient_on_plan, send_at

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status
Channel = ReminderDelivery.Channel

pytestmark = pytest.mark.django_db

NIGHT = date(2026, 1, 15)  # London is on GMT: local time is UTC


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def pushes(monkeypatch, vapid_keys):
    sent = []
    monkeypatch.setattr(outbox, "send_push", lambda devices, payload, ttl: sent.append(payload))
    return sent


def on_both_channels(**fields):
    patient = patient_on_plan(remind_by_email=True, remind_by_push=True, **fields)
    PushSubscription.objects.create(
        user=patient.user, endpoint="https://push.example.org/a", p256dh="x", auth="y"
    )
    return patient


def test_a_last_call_due_before_midnight_and_sent_after_it_speaks_of_last_night(pushes):
    on_both_channels()  # evening 21:00, last call 23:30
    claim(utc(2026, 1, 15, 21, 0))
    ReminderDelivery.objects.update(status=Status.SENT)  # the evening reminders went out
    ids = claim(utc(2026, 1, 15, 23, 30))
    for delivery_id in ids:
        assert send_at(utc(2026, 1, 16, 0, 40), delivery_id) == Status.SENT
    [message] = mail.outbox
    [push] = pushes
    assert message.subject == push["title"] == "Last call for last night's dose"
    assert push["body"] == (
        "There is still time before the dosing window ends. Tap to log it, or tell us why not."
    )
    assert push["body"] in message.body
    assert "Open last night's card" in message.body
    assert "onight" not in message.body.split("http")[0] + push["body"]


def test_an_evening_reminder_due_at_2330_and_sent_at_0040_speaks_of_last_night(pushes):
    on_both_channels(reminder_time=time(23, 30), last_call=False)
    ids = claim(utc(2026, 1, 15, 23, 30))
    for delivery_id in ids:
        assert send_at(utc(2026, 1, 16, 0, 40), delivery_id) == Status.SENT
    [message] = mail.outbox
    [push] = pushes
    assert message.subject == push["title"] == "Your dose for last night"
    assert push["body"] == "Tap to log last night's dose."
    assert "Open last night's card" in message.body


def test_a_last_call_sent_on_time_before_midnight_still_speaks_of_tonight(pushes):
    on_both_channels()
    claim(utc(2026, 1, 15, 21, 0))
    ReminderDelivery.objects.update(status=Status.SENT)
    for delivery_id in claim(utc(2026, 1, 15, 23, 30)):
        assert send_at(utc(2026, 1, 15, 23, 30, 5), delivery_id) == Status.SENT
    [message] = mail.outbox
    [push] = pushes
    assert message.subject == push["title"] == "Last call for tonight's dose"
    assert "Open tonight's card" in message.body


def test_a_late_sent_reminder_of_a_morning_doser_keeps_the_days_wording(pushes):
    """A morning doser's day is the calendar day: nothing turns into "last night"."""
    on_both_channels(dosing_time="morning", morning_time=time(9, 0))
    claim(utc(2026, 1, 15, 9, 0))
    ids = ReminderDelivery.objects.filter(kind=Kind.EVENING, night=NIGHT).values_list(
        "pk", flat=True
    )
    for delivery_id in ids:
        assert send_at(utc(2026, 1, 15, 10, 30), delivery_id) == Status.SENT
    [message] = mail.outbox
    [push] = pushes
    assert message.subject == push["title"] == "Time for today's dose"


def test_a_last_call_sent_after_the_dosing_window_ends_is_expired_not_sent():
    patient_on_plan()
    claim(utc(2026, 1, 15, 21, 0))
    ReminderDelivery.objects.update(status=Status.SENT)
    [last_call] = claim(utc(2026, 1, 15, 23, 30))
    assert send_at(utc(2026, 1, 16, 3, 0), last_call) == Status.EXPIRED
    assert mail.outbox == []


def test_a_last_call_due_in_the_windows_last_hour_and_sent_after_it_ends_is_not_sent():
    """Due 02:45, sent 03:10: it would say "There is still time before the dosing window
    ends" once the window has ended (the card then asks when the dose was taken). A last
    call after the window is too late to be one: it expires at the window's end
    (schedule.slots_for_night; its expiry gave it an hour, and the renderer skipped it)."""
    patient_on_plan(last_call_time=time(2, 45))
    claim(utc(2026, 1, 15, 21, 0))
    ReminderDelivery.objects.update(status=Status.SENT)
    [last_call] = claim(utc(2026, 1, 16, 2, 45))
    assert ReminderDelivery.objects.get(pk=last_call).expires_at == utc(2026, 1, 16, 3, 0)
    assert send_at(utc(2026, 1, 16, 3, 10), last_call) == Status.EXPIRED
    assert mail.outbox == []


def test_a_last_call_claimed_with_an_hours_expiry_and_sent_after_the_window_is_skipped():
    """One claimed before last calls expired at the window's end (due 02:45, useful until
    03:45), sent at 03:10: the renderer holds it to the same rule."""
    patient = patient_on_plan(last_call_time=time(2, 45))
    row = ReminderDelivery.objects.create(
        key=f"r:{patient.pk}:{NIGHT.isoformat()}:last_call:email",
        recipient=patient.user,
        patient=patient,
        night=NIGHT,
        kind=Kind.LAST_CALL,
        channel=Channel.EMAIL,
        due_at=utc(2026, 1, 16, 2, 45),
        expires_at=utc(2026, 1, 16, 3, 45),
        claimed_at=utc(2026, 1, 16, 2, 45),
    )
    assert send_at(utc(2026, 1, 16, 3, 10), row.pk) == Status.SKIPPED
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.last_error == "Too late: the dosing window ended before it could be sent."


def test_a_last_call_due_in_the_windows_last_hour_and_sent_in_it_still_goes():
    patient_on_plan(last_call_time=time(2, 45))
    claim(utc(2026, 1, 15, 21, 0))
    ReminderDelivery.objects.update(status=Status.SENT)
    [last_call] = claim(utc(2026, 1, 16, 2, 45))
    assert send_at(utc(2026, 1, 16, 2, 59), last_call) == Status.SENT


def test_a_morning_last_call_sent_after_the_morning_window_ends_is_not_sent(settings):
    """It expires at the window's end (schedule.slots_for_night); one claimed with a later
    expiry is skipped as too late (test_morning_reminder_window.py)."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(14, 0)
    patient_on_plan(dosing_time="morning", morning_time=time(11, 30))  # last call 13:30
    claim(utc(2026, 1, 15, 11, 30))
    ReminderDelivery.objects.update(status=Status.SENT)
    [last_call] = claim(utc(2026, 1, 15, 13, 30))
    assert ReminderDelivery.objects.get(pk=last_call).kind == Kind.LAST_CALL
    assert send_at(utc(2026, 1, 15, 14, 5), last_call) == Status.EXPIRED
    assert mail.outbox == []


def test_an_evening_reminder_sent_after_the_window_within_its_hour_still_goes():
    """It says "Tap to log last night's dose", which stays true: the night can be logged,
    with the time it was taken."""
    patient_on_plan(reminder_time=time(2, 30), last_call=False)
    [evening] = claim(utc(2026, 1, 16, 2, 30))
    assert send_at(utc(2026, 1, 16, 3, 10), evening) == Status.SENT
    assert mail.outbox[0].subject == "Your dose for last night"
