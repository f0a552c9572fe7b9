"""`send_reminders` on the demo data: the operator's check of a deployment without a worker."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from patients.models import Patient, ReminderDelivery
from patients.notifications.channels.email import drop_connection

SEEDED = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
EVENING = "2026-01-20T21:05:00+00:00"  # 21:05 in London (winter), 02:35 in Kolkata

# Who the demo has due at that moment, and why the others are not:
# patient2 (New York) and patient7 (Chicago) are still in their afternoon; patient3 and
# patient8 are on hold; patient5 doses in the morning (08:05 in Lord Howe, due at 09:00).
EXPECTED = [
    ("patient4@example.com", "last_call"),  # Kolkata at 02:35: the newer of the two nudges
    ("patient6@example.com", "evening"),
    ("patient9@example.com", "evening"),
    ("patient@example.com", "evening"),
]


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_evening_lists_the_unlogged_patients_sends_them_once_and_then_nothing(
    settings, capsys
):
    with time_machine.travel(SEEDED, tick=True):
        call_command("seed_demo", force=True, stdout=StringIO())
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    before = list(ReminderDelivery.objects.values_list("pk", "status"))
    schedule = list(Patient.objects.order_by("pk").values_list("next_reminder_at", flat=True))
    listing = run("--at", EVENING, "--dry-run")
    due = sorted(tuple(line.split("\t")[:2]) for line in listing.splitlines() if "\t" in line)
    assert due == EXPECTED
    assert "4 reminder(s) due" in listing
    assert "patient@example.com\tevening\temail\t2026-01-20 21:00 GMT" in listing
    # Nothing changed: no claim, no status, no schedule.
    assert list(ReminderDelivery.objects.values_list("pk", "status")) == before
    assert (
        list(Patient.objects.order_by("pk").values_list("next_reminder_at", flat=True)) == schedule
    )

    try:
        capsys.readouterr()
        summary = run("--at", EVENING)
        console = capsys.readouterr().out
    finally:
        drop_connection()
    assert "claimed 4" in summary
    for email, _kind in EXPECTED:
        assert f"To: {email}" in console
    assert "Subject: Time for tonight's dose" in console
    # Kolkata is at 02:35: its card reads "Last night", and so does the last call.
    assert "Subject: Last call for last night's dose" in console

    again = run("--at", EVENING)
    assert "claimed 0" in again
    assert "  sent:" not in again
    assert "To: " not in capsys.readouterr().out
