"""`manage.py send_reminders [--at] [--dry-run]`: the sweep for operators."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from patients.models import ReminderDelivery
from tests.patients.reminder_support import patient_on_plan

AT = "2026-01-15T21:00:00+00:00"


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def patients(db):
    return [
        patient_on_plan(user__email="london@example.org"),
        patient_on_plan(tz="Asia/Kolkata", user__email="kolkata@example.org"),
    ]


def test_a_dry_run_lists_who_is_due_and_changes_nothing(patients):
    before = [p.next_reminder_at for p in patients]
    output = run("--at", AT, "--dry-run")
    assert "london@example.org\tevening\temail\t2026-01-15 21:00 GMT" in output
    # 02:30 in Kolkata: the last call, not the evening reminder on top of it.
    assert "kolkata@example.org\tlast_call\temail\t2026-01-15 23:30 IST" in output
    assert "2 reminder(s) due" in output
    assert ReminderDelivery.objects.count() == 0
    assert mail.outbox == []
    assert [type(p).objects.get(pk=p.pk).next_reminder_at for p in patients] == before


def test_without_dry_run_it_sends_in_process_and_a_second_run_sends_nothing(patients):
    first = run("--at", AT)
    assert "sent: 2" in first
    assert sorted(m.to[0] for m in mail.outbox) == ["kolkata@example.org", "london@example.org"]
    second = run("--at", AT)
    assert "claimed 0" in second
    assert len(mail.outbox) == 2
    assert "0 reminder(s) due" in run("--at", AT, "--dry-run")


def test_a_naive_at_is_read_as_utc(patients):
    assert "london@example.org" in run("--at", "2026-01-15T21:00", "--dry-run")


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:00Z",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+05:00",
        "1999-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
        "2100-12-31T23:00:00-05:00",
    ],
)
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "sending"])
def test_an_at_outside_the_years_2000_to_2100_is_refused_saying_so(db, value, dry_run):
    # 9999-12-31 crashed with OverflowError in the sweep's batch plan, 0001-01-01 in the dry
    # run's escalation listing.
    args = ["--at", value, *(["--dry-run"] if dry_run else [])]
    with pytest.raises(CommandError, match="out of range: give a time in the years 2000 to 2100"):
        run(*args)


@pytest.mark.parametrize("value", ["2000-01-01T00:00:00Z", "2100-12-31T23:59:00Z"])
def test_the_first_and_last_moments_allowed_run(patients, value):
    assert "reminder(s) due at" in run("--dry-run", "--at", value)


@pytest.mark.parametrize("value", ["tonight", "2026-13-01T21:00", "25:00"])
def test_a_bad_at_is_refused_with_the_expected_format(db, value):
    with pytest.raises(CommandError, match="ISO 8601"):
        run("--at", value, "--dry-run")
