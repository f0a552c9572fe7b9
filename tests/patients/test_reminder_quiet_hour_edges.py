"""Quiet hours are [start, end): a reminder due at the very minute they start is held back,
one due at the very minute they end goes out then. Both shapes: within a day and wrapping
midnight. (A shifted boundary passed every earlier test: found by break-checking.)"""

from datetime import UTC, date, datetime, time

import pytest

from patients.models import ReminderDelivery
from patients.rules.nights import EVENING
from patients.rules.schedule import Prefs, in_quiet_hours, slots_for_night

Kind = ReminderDelivery.Kind
NIGHT = date(2026, 1, 15)  # London winter: local time is UTC


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def due(prefs, kind):
    return {s.kind: s.due_at for s in slots_for_night(prefs, NIGHT, EVENING)}.get(kind)


@pytest.mark.parametrize(
    ("local", "start", "end", "quiet"),
    [
        (time(21, 0), time(21, 0), time(22, 0), True),  # the first minute is quiet
        (time(22, 0), time(21, 0), time(22, 0), False),  # the end minute is not
        (time(22, 0), time(22, 0), time(7, 0), True),  # wrapping: the first minute
        (time(7, 0), time(22, 0), time(7, 0), False),  # wrapping: the end minute
        (time(6, 59), time(22, 0), time(7, 0), True),
        (time(21, 59), time(22, 0), time(7, 0), False),
    ],
)
def test_quiet_hours_include_their_start_and_exclude_their_end(local, start, end, quiet):
    assert in_quiet_hours(local, start, end) is quiet


def test_a_reminder_due_the_minute_quiet_hours_start_waits_for_their_end():
    prefs = Prefs(
        tz="Europe/London", quiet_start=time(21, 0), quiet_end=time(22, 0), last_call=False
    )
    assert due(prefs, Kind.EVENING) == utc(2026, 1, 15, 22, 0)


def test_a_reminder_due_the_minute_quiet_hours_end_goes_out_at_its_time():
    prefs = Prefs(
        tz="Europe/London", quiet_start=time(20, 0), quiet_end=time(21, 0), last_call=False
    )
    assert due(prefs, Kind.EVENING) == utc(2026, 1, 15, 21, 0)


def test_a_check_in_due_the_minute_overnight_quiet_hours_end_goes_out_at_its_time():
    prefs = Prefs(
        tz="Europe/London",
        reminder_time=time(21, 0),
        last_call=False,
        morning_time=time(7, 0),
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )
    assert due(prefs, Kind.EVENING) == utc(2026, 1, 15, 21, 0)
    assert due(prefs, Kind.MISSED) == utc(2026, 1, 16, 7, 0)


def test_an_evening_reminder_due_the_minute_overnight_quiet_hours_start_is_not_sent_then():
    prefs = Prefs(
        tz="Europe/London",
        reminder_time=time(22, 0),
        last_call=False,
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )
    # Moved to 07:00, past the dosing window's end: no evening reminder that night.
    assert due(prefs, Kind.EVENING) is None


def test_a_reminder_that_quiet_hours_push_to_the_very_end_of_its_use_is_not_sent():
    """Due at the instant it stops being useful is too late: the follow-up and check-in of an
    evening night are useful until noon (the next night starts then); quiet hours ending at
    noon push them exactly there, and neither is sent. A minute earlier, both go out."""
    prefs = Prefs(
        tz="Europe/London",
        reminder_time=time(21, 0),
        last_call=False,
        morning_time=time(7, 0),
        quiet_start=time(6, 0),
        quiet_end=time(12, 0),
    )
    assert due(prefs, Kind.MISSED) is None
    assert due(prefs, Kind.MORNING) is None
    earlier = Prefs(
        tz="Europe/London",
        reminder_time=time(21, 0),
        last_call=False,
        morning_time=time(7, 0),
        quiet_start=time(6, 0),
        quiet_end=time(11, 59),
    )
    assert due(earlier, Kind.MISSED) == utc(2026, 1, 16, 11, 59)
    assert due(earlier, Kind.MORNING) == utc(2026, 1, 16, 11, 59)
