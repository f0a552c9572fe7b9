"""What a morning doser (a plan whose dosing time is morning) meets on the journal's pages,
the reminders and the clinic: found by a QA round after morning dosing shipped."""

import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patients.models import NightlyEntry, ReminderDelivery
from patients.notifications import sweep
from patients.notifications.outbox import send_delivery
from patients.notifications.renderers import ReminderRenderer
from prescriptions import plans
from prescriptions.changes import dosing_time_change, save_version
from tests.patients.journal_support import make_plan
from tests.patients.reminder_support import patient_on_plan

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
TAKEN = reverse("journal:taken_now")
FIRST_EVENING = date(2026, 11, 25)


def sid():
    return str(uuid.uuid4())


@pytest.fixture
def switching_to_evenings(patient_a, clinician_a):
    """A morning doser whose clinician signed evening dosing from 25 November (London, GMT)."""
    prescription = make_plan(patient_a, clinician_a, dosing_time="morning")
    latest = plans.load(patient_a).latest
    save_version(
        prescription_id=prescription.pk,
        author=clinician_a,
        based_on=latest.number,
        change=dosing_time_change(
            latest, dosing_time="evening", effective_night=FIRST_EVENING, reason="Nausea"
        ),
        now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
    )
    return prescription


def test_a_dose_taken_now_on_the_morning_of_the_switch_to_evenings_can_be_corrected(
    patient_client, switching_to_evenings
):
    """09:15 on the first evening night's day: "Taken now" files it under that night (the
    morning night before it ended at midnight), and the dose form for that night accepts the
    same time: it refused it ("must be during this night", which began at noon)."""
    at = datetime(2026, 11, 25, 9, 15, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
        entry = NightlyEntry.objects.get()
        assert (entry.night, entry.taken_at) == (FIRST_EVENING, at)
        response = patient_client.post(
            reverse("journal:evening", args=[FIRST_EVENING]),
            {"submission_id": sid(), "dose": "1.5", "taken_at": "2026-11-25T09:10"},
        )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.taken_at == datetime(2026, 11, 25, 9, 10, tzinfo=UTC)


@pytest.mark.parametrize("dosing_time", ["morning", "evening"])
def test_the_missed_dose_follow_up_links_to_the_missed_night_not_to_todays_card(
    dosing_time, settings
):
    """Sent the next morning, the follow-up ("Open yesterday's entry") opened the home card,
    which for a morning doser is already today's: the missed day was not on it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    patient_on_plan(dosing_time=dosing_time, start=date(2026, 1, 10), user__email="m@example.org")
    missed = date(2026, 1, 15)
    at = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    claimed = sweep.sweep(at, dispatch=lambda ids: None).claimed
    [follow_up] = ReminderDelivery.objects.filter(pk__in=claimed, kind=ReminderDelivery.Kind.MISSED)
    assert follow_up.night == missed
    with time_machine.travel(at, tick=False):
        assert send_delivery(follow_up.pk) == ReminderDelivery.Status.SENT
    [message] = mail.outbox
    path = reverse("journal:night", args=[missed])
    assert path in message.body
    assert "#tonight-title" not in message.body
    rendered = ReminderRenderer().render(follow_up)
    assert rendered.push["url"] == path
