"""The settings page says when the next reminder is due, in the patient's zone, read from the
sweep's own rule (schedule.wanted_slots, through due.next_reminder_for): a sweep run at that
moment sends exactly that reminder, and none before it."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import ReminderDelivery
from patients.notifications import sweep as sweeper
from patients.notifications.due import next_reminder_for
from prescriptions import plans
from tests.patients.reminder_support import SETTINGS_FORM, log_evening, patient_on_plan
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

Kind = ReminderDelivery.Kind


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def next_for(patient, now):
    patient.refresh_from_db()
    return next_reminder_for(patient, plans.load(patient), now)


def sweep_at(now):
    return set(
        ReminderDelivery.objects.filter(
            pk__in=sweeper.sweep(now, dispatch=lambda ids: None).claimed
        ).values_list("kind", "due_at")
    )


@pytest.mark.parametrize(
    ("tz", "now", "fields", "logged"),
    [
        ("Europe/London", utc(2026, 1, 15, 18, 0), {}, False),
        ("America/New_York", utc(2026, 1, 15, 18, 0), {"reminder_time": "20:15"}, False),
        (
            "Asia/Kolkata",
            utc(2026, 6, 1, 12, 0),
            {"quiet_start": "20:00", "quiet_end": "22:00"},
            False,
        ),
        # Tonight's dose is logged: the next is the morning check-in, not the last call.
        ("Europe/London", utc(2026, 1, 15, 21, 30), {}, True),
        # Across the spring-forward night in New York.
        ("America/New_York", utc(2026, 3, 7, 23, 0), {"reminder_time": "02:30"}, False),
    ],
)
def test_the_next_reminder_is_the_one_the_sweep_sends_at_that_moment(tz, now, fields, logged):
    patient = patient_on_plan(tz=tz, **fields)
    if logged:
        log_evening(patient, date(2026, 1, 15), at=now)
    sweep_at(now)  # whatever is due already is claimed: the next one is still to come

    upcoming = next_for(patient, now)

    assert upcoming is not None
    assert upcoming.due_at > now
    assert sweep_at(upcoming.due_at - timedelta(seconds=1)) == set()
    assert (upcoming.kind, upcoming.due_at) in sweep_at(upcoming.due_at)


def test_a_plan_on_hold_has_no_next_reminder_and_the_sweep_sends_none():
    now = utc(2026, 1, 15, 18, 0)
    patient = patient_on_plan(hold_from=date(2026, 1, 10))

    assert next_for(patient, now) is None
    assert sweep_at(utc(2026, 1, 15, 21, 0)) == set()


def test_no_channel_means_no_next_reminder():
    now = utc(2026, 1, 15, 18, 0)
    patient = patient_on_plan(remind_by_email=False, remind_by_push=True)  # no device

    assert next_for(patient, now) is None
    assert sweep_at(utc(2026, 1, 15, 21, 0)) == set()


def test_the_settings_page_shows_the_next_reminder_in_the_patients_zone():
    patient = patient_on_plan(tz="America/New_York", reminder_time="20:15")
    client = signed_in(patient.user)

    with time_machine.travel(utc(2026, 1, 15, 18, 0), tick=False):
        page = client.get(reverse("journal:settings")).content.decode()

    # 20:15 in New York (UTC-5) is 01:15 UTC on the 16th.
    assert "Next reminder: Thursday 15 January, 20:15 (New York)" in page


EVENING_BEFORE = utc(2026, 1, 15, 18, 0)


def settings_page(patient, now=EVENING_BEFORE):
    with time_machine.travel(now, tick=False):
        return signed_in(patient.user).get(reverse("journal:settings")).content.decode()


def test_the_settings_page_says_why_no_reminder_is_planned_on_hold():
    patient = patient_on_plan(hold_from=date(2026, 1, 10))

    assert next_for(patient, utc(2026, 1, 15, 18, 0)) is None
    assert "your plan has no dose to take in the coming days" in settings_page(patient)


def test_the_settings_page_says_why_no_reminder_is_planned_without_a_channel():
    patient = patient_on_plan(remind_by_email=False, remind_by_push=True)  # no device

    assert "email and push reminders are both off" in settings_page(patient)


def test_the_settings_page_says_why_no_reminder_is_planned_while_a_report_waits():
    now = utc(2026, 1, 15, 18, 0)
    patient = patient_on_plan()
    urgent_report(patient, now - timedelta(hours=1))

    assert next_for(patient, now) is None
    assert sweep_at(utc(2026, 1, 15, 21, 0)) == set()
    assert "No dose reminder while your urgent report waits" in settings_page(patient, now)


def test_with_every_reminder_of_the_nights_past_the_line_gives_no_reason():
    """With a reminder to come, the line names it and gives no reason for none."""
    now = utc(2026, 1, 15, 18, 0)
    patient = patient_on_plan()
    assert next_for(patient, now) is not None
    page = settings_page(patient, now)
    assert "Next reminder:" in page
    for words in ("both off", "urgent report waits", "no dose to take"):
        assert words not in page


def test_the_line_and_its_reason_are_one_read(settings):
    """The next reminder and, with none, why: the sweep's inputs (push device, urgent
    reports, entries) are read once for both, not once for each."""
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    patient = patient_on_plan(hold_from=date(2026, 1, 10))
    client = signed_in(patient.user)
    with time_machine.travel(EVENING_BEFORE, tick=False):
        client.get(reverse("journal:settings"))
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("journal:settings")).content.decode()
    assert "your plan has no dose to take in the coming days" in page
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "patients_pushsubscription"' in q for q in sql) == 1
    assert sum('FROM "patients_urgentreport"' in q for q in sql) <= 1


def test_a_refused_settings_post_says_the_next_reminder_of_the_saved_settings():
    """An evening reminder of 02:30 after a last call of 23:30 is refused, and the page said
    "Next reminder: Sunday 6 December, 02:30" from the refused input (exploratory QA): the
    line is the sweep's answer for the settings as saved."""
    now = utc(2026, 12, 5, 18, 0)
    patient = patient_on_plan(start=date(2026, 12, 1))
    client = signed_in(patient.user)

    with time_machine.travel(now, tick=False):
        response = client.post(
            reverse("journal:settings"), {**SETTINGS_FORM, "reminder_time": "02:30"}
        )
    page = response.content.decode()

    assert "The last call must come after the evening reminder." in page
    saved = next_for(patient, now)
    assert saved.due_at == utc(2026, 12, 5, 21, 0)
    assert "Next reminder: Saturday 5 December, 21:00 (London)" in page
    assert "02:30 (London)" not in page
