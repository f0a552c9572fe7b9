"""The journal begins on the night the patient joined (PlanView.night_of their sign-up, as
the flags read it: "nothing logged since joining on ..."), not on the calendar date. An
evening doser who joined at 09:00 on 2 November joined in the night of 1 November: the
flags name it (missed), while "Mark reviewed" refused it ("The journal starts on 2 Nov")."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import dashboard
from patients.models import FlagReview, Patient
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

JOINED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # London: 09:00, the night of 1 Nov
JOINED_NIGHT = date(2026, 11, 1)


@pytest.fixture
def joined_in_the_morning(patient_a, clinician_a):
    Patient.objects.filter(pk=patient_a.pk).update(created_at=JOINED_AT)
    patient_a.refresh_from_db()
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=JOINED_NIGHT)
    return patient_a


def _review(client, patient, night, at):
    url = reverse("clinic:mark_reviewed", args=[patient.pk])
    with time_machine.travel(at, tick=False):
        return client.post(url, {"reviewed_through": night.isoformat()}, follow=True)


def test_the_night_the_flags_say_the_patient_joined_can_be_marked_reviewed(
    clinician_client, clinician_a, joined_in_the_morning
):
    at = datetime(2026, 11, 6, 20, 0, tzinfo=UTC)
    page = dashboard.patient_page(joined_in_the_morning, [clinician_a], at)
    named = {night for flag in page.flags for night in flag.evidence}
    assert JOINED_NIGHT in named
    response = _review(clinician_client, joined_in_the_morning, JOINED_NIGHT, at)
    assert "The journal starts on" not in response.text
    assert FlagReview.objects.get().reviewed_through == JOINED_NIGHT
