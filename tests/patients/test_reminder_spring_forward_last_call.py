"""A last call set at a wall time the clocks skip on a spring-forward night is sent exactly
once, at the first instant the patient's clock shows that time or later: the instant of the
jump. This is the one DST rule of patients.rules.nights (moment_on_night), the one every
reminder follows (the evening reminder's 02:30 on the US spring-forward night is 03:00 EDT).

The reported case: a 03:00 last call. 03:00 exists in London (01:00 -> 02:00) and in New York
(02:00 -> 03:00); it is skipped where the clocks jump 03:00 -> 04:00, as in Helsinki on the
last Sunday of March. The form takes last calls from 12:00 to 02:30 ("By 02:30, half an hour
before the window ends at 03:00"), so a 03:00 one is a time stored before that rule. It came
at the dosing window's very end, saying "There is still time": it now comes half an hour
before the end (schedule.evening_last_call), as does one the clocks skip onto the end (New
York's 02:30, whose jump is 03:00 EDT). Here the whole night is run as the beat runs it,
with the clock at each moment (the sweep claims, the outbox sends), on the real zones."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from patients.models import ReminderDelivery
from patients.notifications.outbox import send_delivery
from patients.notifications.sweep import sweep
from tests.patients.reminder_support import patient_on_plan

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def run_the_night(start, end, near):
    """Sweep and send as the beat does, with the clock at each moment: every minute within
    ten minutes of ``near``, every ten elsewhere. The (kind, moment sent) of each sent."""
    sent = []
    moment = start
    while moment <= end:
        with time_machine.travel(moment, tick=False):
            for delivery in sweep(moment, dispatch=lambda ids: None).claimed:
                if send_delivery(delivery) == Status.SENT:
                    sent.append((ReminderDelivery.objects.get(pk=delivery).kind, moment))
        close = abs(moment - near) <= timedelta(minutes=10)
        moment += timedelta(minutes=1 if close else 10)
    return sent


@pytest.mark.parametrize(
    ("tz", "night", "last_call_time", "evening_utc", "last_call_utc"),
    [
        # Helsinki, 2026-03-29 03:00 EET -> 04:00 EEST (01:00 UTC): 03:00 does not exist,
        # and the window ends at the jump: a stored 03:00 comes half an hour before, 02:30 EET.
        (
            "Europe/Helsinki",
            date(2026, 3, 28),
            time(3, 0),
            utc(2026, 3, 28, 19, 0),
            utc(2026, 3, 29, 0, 30),
        ),
        # 02:30 exists: half an hour before the jump, untouched.
        (
            "Europe/Helsinki",
            date(2026, 3, 28),
            time(2, 30),
            utc(2026, 3, 28, 19, 0),
            utc(2026, 3, 29, 0, 30),
        ),
        # 02:59, stored when the form took it, left a minute: it comes at 02:30 too.
        (
            "Europe/Helsinki",
            date(2026, 3, 28),
            time(2, 59),
            utc(2026, 3, 28, 19, 0),
            utc(2026, 3, 29, 0, 30),
        ),
        # London, 2026-03-29 01:00 GMT -> 02:00 BST (01:00 UTC): 01:00 and 01:30 do not exist.
        (
            "Europe/London",
            date(2026, 3, 28),
            time(1, 0),
            utc(2026, 3, 28, 21, 0),
            utc(2026, 3, 29, 1, 0),
        ),
        (
            "Europe/London",
            date(2026, 3, 28),
            time(1, 30),
            utc(2026, 3, 28, 21, 0),
            utc(2026, 3, 29, 1, 0),
        ),
        # ... and 03:00 does, the window's end (03:00 BST): a stored 03:00 comes at 02:30 BST.
        (
            "Europe/London",
            date(2026, 3, 28),
            time(3, 0),
            utc(2026, 3, 28, 21, 0),
            utc(2026, 3, 29, 1, 30),
        ),
        # New York, 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC): 02:30 does not exist, and
        # the jump is the window's end (03:00 EDT): 02:30 and a stored 03:00 both fell on it,
        # and come half an hour of real time before it, 01:30 EST.
        (
            "America/New_York",
            date(2026, 3, 7),
            time(2, 30),
            utc(2026, 3, 8, 2, 0),
            utc(2026, 3, 8, 6, 30),
        ),
        (
            "America/New_York",
            date(2026, 3, 7),
            time(3, 0),
            utc(2026, 3, 8, 2, 0),
            utc(2026, 3, 8, 6, 30),
        ),
    ],
)
def test_a_skipped_last_call_is_sent_once_at_the_first_instant_after_the_gap(
    tz, night, last_call_time, evening_utc, last_call_utc
):
    patient_on_plan(
        tz=tz,
        start=night - timedelta(days=7),
        reminder_time=time(21, 0),
        last_call_time=last_call_time,
        morning_checkin=False,
    )
    sent = run_the_night(
        evening_utc - timedelta(minutes=30), last_call_utc + timedelta(hours=2), last_call_utc
    )
    assert sent == [(Kind.EVENING, evening_utc), (Kind.LAST_CALL, last_call_utc)]
    assert [m.subject for m in mail.outbox] == [
        "Time for tonight's dose",
        "Last call for last night's dose",
    ]
