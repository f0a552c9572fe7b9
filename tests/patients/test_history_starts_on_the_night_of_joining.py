"""The patient's calendar starts in the month of the night they joined, as the flags and the
clinician's review and calendar read it (PlanView.night_of), not the calendar date of
sign-up.

An evening doser who joined at 09:00 on 1 Dec joined in the night of 30 Nov (before noon is
the night before), and a plan signed that morning from tonight began on 30 Nov. The
clinician's calendar showed November with 30 Nov not logged; the patient's started in
December ("Your journal starts in December 2026") and had no way back to that night.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan, month_cell
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

JOINED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 09:00 in London: the night of 30 Nov
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def joined_in_the_morning(patient_a, clinician_a):
    patient_a.created_at = JOINED
    patient_a.save(update_fields=["created_at"])
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 30))
    with time_machine.travel(NOW, tick=False):
        yield patient_a


def test_the_patients_calendar_reaches_the_month_of_the_night_they_joined(
    joined_in_the_morning,
):
    response = signed_in(joined_in_the_morning.user).get(
        reverse("journal:history"), {"month": "2026-11"}
    )
    assert response.context["month"] == NOVEMBER
    assert "starts in" not in response.content.decode()
    assert month_cell(response.content.decode(), 30)[0] == "missing"  # not logged


def test_the_patients_calendar_steps_back_to_the_night_they_joined_as_the_clinicians_does(
    joined_in_the_morning, clinician_a
):
    clinic = signed_in(clinician_a).get(reverse("clinic:patient", args=[joined_in_the_morning.pk]))
    assert clinic.context["calendar_previous"] == NOVEMBER
    journal = signed_in(joined_in_the_morning.user).get(reverse("journal:history"))
    assert journal.context["previous"] == NOVEMBER
