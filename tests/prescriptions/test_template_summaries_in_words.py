"""A titration template's steps read as words in the page's language: they read
"1.5 mg × 14 d → …" on the page that applies one and "1.5×14 → 3×14 → 4.5 mg" in the
template list (a bare "d", and "mg" once at the end). Applied to a patient, a template's
steps last that plan's nights (an evening doser) or days (a morning doser), as the steps
editor it opens counts them; the clinic-wide list, tied to no patient, counts days, one
dose a day at either time, as the built-in templates' own descriptions do."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanTemplate
from prescriptions.titration import EVENING, MORNING
from tests.patients.journal_support import visible_text
from tests.prescriptions.factories import make_prescription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


def _speak(clinician, language):
    clinician.language = language
    clinician.save(update_fields=["language"])


@pytest.mark.parametrize(
    ("dosing_time", "language", "steps"),
    [
        (EVENING, "en", "1.5 mg for 14 nights → 3 mg for 14 nights → 4.5 mg, open-ended"),
        (MORNING, "en", "1.5 mg for 14 days → 3 mg for 14 days → 4.5 mg, open-ended"),
        (EVENING, "de", "1,5 mg für 14 Nächte → 3 mg für 14 Nächte → 4,5 mg, unbefristet"),
        (EVENING, "es", "1,5 mg durante 14 noches → 3 mg durante 14 noches → 4,5 mg, sin fin"),
    ],
)
def test_applying_a_template_reads_its_steps_as_the_patient_doses_them(
    clinician_client, clinician_a, patient_a, dosing_time, language, steps
):
    make_prescription(patient_a, clinician_a, date(2026, 3, 1), dosing_time=dosing_time)
    _speak(clinician_a, language)
    page = visible_text(
        clinician_client.get(
            reverse("clinic:plan_template_choose", args=[patient_a.pk])
        ).content.decode()
    )
    assert steps in page
    assert " d " not in page
    assert "×" not in page


@pytest.mark.parametrize(
    ("language", "steps"),
    [
        ("en", "1.5 mg for 14 days → 3 mg for 14 days → 4.5 mg, open-ended"),
        ("de", "1,5 mg für 14 Tage → 3 mg für 14 Tage → 4,5 mg, unbefristet"),
        ("es", "1,5 mg durante 14 días → 3 mg durante 14 días → 4,5 mg, sin fin"),
    ],
)
def test_the_template_list_reads_its_steps_in_days(clinician_client, clinician_a, language, steps):
    _speak(clinician_a, language)
    page = visible_text(clinician_client.get(reverse("clinic:templates")).content.decode())
    assert steps in page
    assert "×" not in page


def test_a_one_day_step_is_singular(clinician_client, clinician_a):
    PlanTemplate.objects.create(
        name="Test dose", steps=[{"dose_mg": "1.00", "days": 1}, {"dose_mg": "1.50", "days": None}]
    )
    page = visible_text(clinician_client.get(reverse("clinic:templates")).content.decode())
    assert "1 mg for 1 day → 1.5 mg, open-ended" in page


@pytest.mark.parametrize(
    ("dosing_time", "steps"),
    [
        (EVENING, "steps 1.5 mg for 14 nights → 3 mg for 14 nights → 4.5 mg, open-ended, from"),
        (MORNING, "steps 1.5 mg for 14 days → 3 mg for 14 days → 4.5 mg, open-ended, from"),
    ],
)
@pytest.mark.parametrize("page", ["plan_change", "plan_hold", "plan_resume", "plan_end"])
def test_the_plan_forms_current_plan_line_reads_its_steps_in_words(
    clinician_client, clinician_a, patient_a, dosing_time, steps, page
):
    """The line above every plan form read "steps 1.5 mg × 14 → 3 mg × 14 → 4.5 mg"."""
    make_prescription(patient_a, clinician_a, date(2026, 3, 1), dosing_time=dosing_time)
    response = clinician_client.get(reverse(f"clinic:{page}", args=[patient_a.pk]))
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert steps in text
    assert "×" not in text
