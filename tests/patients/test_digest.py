"""The clinician's daily digest: at their 07:30, only when there are new flags, no health data."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from patients.models import ClinicianPreferences, Coverage, ReminderDelivery
from patients.notifications import outbox as delivery
from patients.notifications import sweep as sweeper
from patients.notifications.digest import new_flags_for_clinician
from tests.factories import ClinicianFactory
from tests.patients.reminder_support import log_evening, patient_on_plan

Kind = ReminderDelivery.Kind


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def sweep(now):
    return sweeper.sweep(now, dispatch=lambda ids: None)


@pytest.fixture
def clinicians(db):
    """One clinician whose patient stopped logging (a missed-nights flag), one whose
    patient logs every night as prescribed (nothing new)."""
    worried = ClinicianFactory(display_name="Dr Worried")
    calm = ClinicianFactory(display_name="Dr Calm")
    for clinician in (worried, calm):
        ClinicianPreferences.objects.update_or_create(
            user=clinician, defaults={"time_zone": "Europe/London", "digest_time": time(7, 30)}
        )
    quiet = patient_on_plan(clinicians=[worried], start=date(2026, 1, 1))
    quiet.user.display_name = "Quinn Quiet"
    quiet.user.save()
    log_evening(quiet, date(2026, 1, 9), at=utc(2026, 1, 9, 22, 0))
    steady = patient_on_plan(clinicians=[calm], start=date(2026, 1, 1))
    for day in range(1, 15):
        log_evening(steady, date(2026, 1, day), at=utc(2026, 1, day, 22, 0))
    return worried, calm


def test_a_clinician_with_new_flags_gets_one_digest_at_0730_their_time(clinicians):
    worried, _calm = clinicians
    assert sweep(utc(2026, 1, 15, 7, 29)).digests == []
    digests = sweep(utc(2026, 1, 15, 7, 30)).digests
    assert sweep(utc(2026, 1, 15, 7, 31)).digests == []
    assert list(
        ReminderDelivery.objects.filter(pk__in=digests).values_list("recipient_id", "kind")
    ) == [(worried.pk, Kind.DIGEST)]


def test_a_clinician_with_no_new_flags_gets_no_digest(clinicians):
    _worried, calm = clinicians
    sweep(utc(2026, 1, 15, 7, 30))
    assert not ReminderDelivery.objects.filter(recipient=calm).exists()


def test_the_digest_email_counts_patients_and_carries_no_health_data(clinicians, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    [digest] = sweep(utc(2026, 1, 15, 7, 30)).digests
    assert delivery.send_delivery(digest, now=utc(2026, 1, 15, 7, 30)) == "sent"
    [message] = mail.outbox
    body = message.body + message.alternatives[0][0]
    assert message.subject == "1 patient on your team has new flags"
    assert "1 patient on your team has new flags" in body
    assert "Quinn" not in body
    assert "Missed" not in body
    assert "missed" not in body
    assert "/clinic/" in body


def test_new_flags_are_counted_by_one_digest_only(clinicians):
    worried, _calm = clinicians

    due = utc(2026, 1, 15, 7, 30)
    [(patient, labels)] = new_flags_for_clinician(worried, due - timedelta(days=1), due)
    assert patient.user.display_name == "Quinn Quiet"
    assert labels
    # Last night's evidence belongs to tomorrow's digest, and yesterday's was today's.
    tomorrow = due + timedelta(days=1)
    assert new_flags_for_clinician(worried, tomorrow - timedelta(days=1), tomorrow)


def test_a_covering_clinician_gets_the_digest_of_the_team_they_cover_that_day(clinicians):
    worried, calm = clinicians
    Coverage.objects.create(
        covering=calm,
        covered=worried,
        first_day=date(2026, 1, 15),
        last_day=date(2026, 1, 15),
        reason="Annual leave",
    )
    digests = sweep(utc(2026, 1, 15, 7, 30)).digests
    assert sorted(
        ReminderDelivery.objects.filter(pk__in=digests).values_list("recipient_id", flat=True)
    ) == sorted([worried.pk, calm.pk])
    # The next day the coverage is over: Quinn's new flags reach only Quinn's own team.
    since, until = utc(2026, 1, 15, 7, 30), utc(2026, 1, 16, 7, 30)
    assert [p.name for p, _ in new_flags_for_clinician(worried, since, until)] == ["Quinn Quiet"]
    assert new_flags_for_clinician(calm, since, until) == []
