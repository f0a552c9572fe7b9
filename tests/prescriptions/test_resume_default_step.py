"""The Resume page opens on the step at the dose the patient took before the hold. With two
holds signed back to back (10-12 and 13-15 Dec), it read the dose on the night before the
newest hold, 12 Dec, itself held (no dose): the form opened on the first step, 1.5 mg, for
a patient who had been on 3 mg."""

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from patients.models import Patient
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan, sign_hold
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


@pytest.fixture
def patient(clinician) -> Patient:
    """1.5 mg for 7 nights from 22 Nov, then 3 mg: on 3 mg from 29 Nov."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, steps=(("1.5", 7), ("3", None)), start=date(2026, 11, 22))
    return patient


def _checked_step(clinician, patient) -> str:
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        html = unescape(
            client.get(reverse("clinic:plan_resume", args=[patient.pk])).content.decode()
        )
    inputs = re.findall(r'<input[^>]*name="step"[^>]*>', html)
    assert len(inputs) == 2
    [checked] = [tag for tag in inputs if "checked" in tag]
    return re.search(r'value="(\d+)"', checked).group(1)


def test_the_resume_page_opens_on_the_dose_before_a_hold(patient, clinician):
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    assert _checked_step(clinician, patient) == "1"  # 3 mg


def test_the_resume_page_opens_on_the_dose_before_two_back_to_back_holds(patient, clinician):
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW, reason="Dental surgery")
    sign_hold(patient, clinician, DEC[13], DEC[15], signed=NOW, reason="Knee surgery")
    assert _checked_step(clinician, patient) == "1"  # 3 mg, taken until 9 Dec
