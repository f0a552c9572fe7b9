"""A reminder sent so late that a newer reminder of its night is due is not sent on top of
it: an evening reminder claimed at 21:00 and sent at 23:35 (a backlog, a broker outage),
after the last call was due at 23:30, made two nudges at once, which a late sweep that finds
both due never does (schedule.plan_patient sends only the newer)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from patients.models import ReminderDelivery
from tests.patients.reminder_support import claim, log_evening, patient_on_plan, send_at

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

pytestmark = pytest.mark.django_db

NIGHT = date(2026, 1, 15)  # London is on GMT: local time is UTC


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_an_evening_reminder_sent_after_the_last_call_was_due_is_skipped_as_superseded():
    patient_on_plan()  # evening 21:00, last call 23:30
    [evening] = claim(utc(2026, 1, 15, 21, 0))
    [last_call] = claim(utc(2026, 1, 15, 23, 30))
    assert send_at(utc(2026, 1, 15, 23, 35), evening) == Status.SKIPPED
    assert send_at(utc(2026, 1, 15, 23, 35), last_call) == Status.SENT
    assert [m.subject for m in mail.outbox] == ["Last call for tonight's dose"]
    row = ReminderDelivery.objects.get(pk=evening)
    assert row.last_error == "Superseded: a later reminder for the night is due."


def test_an_evening_reminder_is_superseded_by_a_due_last_call_the_sweep_has_not_claimed_yet():
    """The beat was late too: the last call it will claim is the one nudge, as a late sweep
    that finds both due sends only the newer."""
    patient_on_plan()
    [evening] = claim(utc(2026, 1, 15, 21, 0))
    assert send_at(utc(2026, 1, 15, 23, 35), evening) == Status.SKIPPED
    [last_call] = claim(utc(2026, 1, 15, 23, 36))
    assert send_at(utc(2026, 1, 15, 23, 36), last_call) == Status.SENT
    assert len(mail.outbox) == 1


def test_an_evening_reminder_sent_late_but_before_the_last_call_is_sent():
    patient_on_plan()
    [evening] = claim(utc(2026, 1, 15, 21, 0))
    assert send_at(utc(2026, 1, 15, 23, 25), evening) == Status.SENT
    assert mail.outbox[0].subject == "Time for tonight's dose"


def test_an_evening_reminder_sent_late_without_a_last_call_is_sent():
    patient_on_plan(last_call=False)
    [evening] = claim(utc(2026, 1, 15, 21, 0))
    assert send_at(utc(2026, 1, 15, 23, 35), evening) == Status.SENT


def test_a_reminder_held_by_quiet_hours_with_the_last_call_is_the_one_nudge_sent():
    """Quiet hours until 23:45 hold both; the sweep claims the first of equals (the evening
    reminder) and records the last call expired: the send does not skip it for that."""
    patient_on_plan(quiet_start=time(20, 0), quiet_end=time(23, 45))
    [evening] = claim(utc(2026, 1, 15, 23, 45))
    assert ReminderDelivery.objects.get(pk=evening).kind == Kind.EVENING
    assert send_at(utc(2026, 1, 15, 23, 50), evening) == Status.SENT


def test_a_late_morning_check_in_is_not_superseded_by_anything():
    patient = patient_on_plan()
    log_evening(patient, NIGHT, at=utc(2026, 1, 15, 21, 30))
    [checkin] = claim(utc(2026, 1, 16, 9, 0))
    assert send_at(utc(2026, 1, 16, 11, 0), checkin) == Status.SENT
    assert send_at(utc(2026, 1, 16, 11, 0) + timedelta(minutes=1), checkin) == ""
