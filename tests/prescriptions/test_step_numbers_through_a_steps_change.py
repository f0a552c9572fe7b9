"""A steps change keeps the plan's step numbers as the page pre-filled them. The "Change
steps" page opens with the plan's own steps (or a suggestion's, or a template's), and every
save was numbered from 1 (PlanVersion.steps_before = 0): after a restart at "Step 2 of 2",
editing the dose on the plan page turned it back into "Step 1 of 1". The number is decided
with the prefill (views.clinic._prefilled_change, _suggested_initial) and carried by the
form to the save (PlanStepsForm.steps_before, changes.steps_change)."""

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from patients.models import NightlyEntry
from prescriptions import plans
from prescriptions.models import PlanTemplate, PlanVersion
from tests.factories import PatientFactory
from tests.patients.journal_support import visible_text
from tests.prescriptions.factories import make_prescription
from tests.prescriptions.step_numbers_support import (
    DEC_6,
    _change_url,
    _form_inputs,
    _open,
    _patient_page,
    _post,
    _sign,
)

pytestmark = pytest.mark.django_db


def test_a_dose_edited_on_the_plan_page_after_a_restart_stays_step_2(
    restarted_at_step_2, clinician_a
):
    patient = restarted_at_step_2
    url = _change_url(patient)
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    assert (Decimal(data["steps-0-dose_mg"]), data["steps_before"]) == (Decimal("4.5"), "1")
    _sign(clinician_a, url, {**data, "steps-0-dose_mg": "3"}, DEC_6)

    latest = plans.load(patient).latest
    assert (latest.steps[0].dose_mg, latest.steps_before) == (Decimal("3"), 1)
    page = _patient_page(patient, clinician_a, DEC_6)
    assert "Step 2 of 2" in page
    assert "of 1" not in page


def test_adding_a_step_keeps_the_number_the_page_opened_with(restarted_at_step_2, clinician_a):
    patient = restarted_at_step_2
    url = _change_url(patient)
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    data["steps-0-days"] = "14"
    added = _post(clinician_a, url, {**data, "add_step": "1"}, DEC_6)
    assert added.status_code == 200
    data = _form_inputs(added.content.decode())
    assert (data["steps_before"], data["steps-1-dose_mg"]) == ("1", "")
    _sign(clinician_a, url, {**data, "steps-1-dose_mg": "3", "steps-1-days": ""}, DEC_6)

    assert plans.load(patient).latest.steps_before == 1
    assert "Step 2 of 3" in _patient_page(patient, clinician_a, DEC_6)


@pytest.mark.parametrize("tampered", ["-1", "100", "two", "1.5"])
def test_a_step_numbering_not_sent_by_the_page_is_refused_and_nothing_saved(
    restarted_at_step_2, clinician_a, tampered
):
    patient = restarted_at_step_2
    url = _change_url(patient)
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    before = PlanVersion.objects.count()
    response = _post(clinician_a, url, {**data, "steps_before": tampered, "reason": "R"}, DEC_6)
    assert response.status_code == 200
    assert (
        "The plan's step numbering sent with this form is not valid (a whole number from 0 to "
        "99 is allowed)." in html.unescape(visible_text(response.content.decode()))
    )
    assert PlanVersion.objects.count() == before


def test_a_template_applied_after_a_restart_starts_at_step_1(restarted_at_step_2, clinician_a):
    patient = restarted_at_step_2
    template = PlanTemplate.objects.create(
        name="Capsule climb", steps=[{"dose_mg": "1.5", "days": 14}, {"dose_mg": "3", "days": None}]
    )
    url = reverse("clinic:plan_template_apply", args=[patient.pk, template.pk])
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    assert data["steps_before"] == "0"
    _sign(clinician_a, url, {**data, "start_date": "2026-12-06"}, DEC_6)

    assert plans.load(patient).latest.steps_before == 0
    assert "Step 1 of 2" in _patient_page(patient, clinician_a, DEC_6)


# --- Apply on a suggestion ------------------------------------------------------------------


def _taken(patient, nights, dose, **extra):
    for night in nights:
        NightlyEntry.objects.create(
            patient=patient,
            night=night,
            status=NightlyEntry.Status.TAKEN,
            dose_mg=Decimal(dose),
            taken_at=datetime(night.year, night.month, night.day, 22, tzinfo=UTC),
            **extra,
        )


def _after_a_restart_at_step_2(patient):
    """Version 1 as a restart at the plan's step 2 signs it (changes.resume_change): its
    first step is the plan's step 2."""
    PlanVersion.objects.filter(prescription__patient=patient).update(steps_before=1)


def _apply(clinician, patient, kind, now):
    """Apply, as the plan panel links it; the change page's form as it opens."""
    panel = _open(clinician, reverse("clinic:plan", args=[patient.pk]), now).content.decode()
    link = re.search(rf'href="([^"]*\?suggestion={kind}&amp;key=[^"]*)"', panel)
    assert link, f"no {kind} suggestion on the panel"
    url = link.group(1).replace("&amp;", "&")
    return url.split("?")[0], _form_inputs(_open(clinician, url, now).content.decode())


JAN_1 = date(2026, 1, 1)
JAN_14 = datetime(2026, 1, 14, 14, tzinfo=UTC)  # tonight: the last night of 1.5 mg
JAN_15 = datetime(2026, 1, 15, 14, tzinfo=UTC)


def test_the_next_step_applied_keeps_the_plans_number(clinician_a):
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician_a])
    make_prescription(patient, clinician_a, JAN_1, steps=(("1.5", 14), ("3.0", 14), ("4.5", None)))
    _after_a_restart_at_step_2(patient)
    _taken(patient, [date(2026, 1, d) for d in range(1, 14)], "1.5")
    assert "Step 2 of 4" in _patient_page(patient, clinician_a, JAN_14)

    url, data = _apply(clinician_a, patient, "next_step", JAN_14)
    assert (Decimal(data["steps-0-dose_mg"]), data["steps_before"]) == (Decimal("3"), "2")
    _sign(clinician_a, url, data, JAN_14)

    assert plans.load(patient).latest.steps_before == 2
    assert "Step 3 of 4" in _patient_page(patient, clinician_a, JAN_15)


JAN_11 = datetime(2026, 1, 11, 14, tzinfo=UTC)  # tonight: the 4th night of 3 mg
JAN_12 = datetime(2026, 1, 12, 14, tzinfo=UTC)


def test_back_to_the_previous_dose_takes_the_previous_steps_number(clinician_a):
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician_a])
    make_prescription(patient, clinician_a, JAN_1, steps=(("1.5", 7), ("3.0", 7), ("4.5", None)))
    _after_a_restart_at_step_2(patient)  # 1.5 mg is the plan's step 2, 3 mg step 3
    _taken(
        patient,
        [date(2026, 1, d) for d in (8, 9, 10)],
        "3.0",
        dreams="vivid",
        dream_intensity=8,
        morning_logged_at=JAN_11,
    )
    assert "Step 3 of 4" in _patient_page(patient, clinician_a, JAN_11)

    url, data = _apply(clinician_a, patient, "vivid_dreams", JAN_11)
    doses = [Decimal(data[f"steps-{row}-dose_mg"]) for row in (0, 1, 2)]
    assert (doses, data["steps_before"]) == ([Decimal("1.5"), Decimal("3"), Decimal("4.5")], "1")
    _sign(clinician_a, url, data, JAN_11)

    assert plans.load(patient).latest.steps_before == 1
    # 1.5 mg again, as the plan's step 2; then 3 mg (step 3) and 4.5 mg (step 4).
    assert "Step 2 of 4" in _patient_page(patient, clinician_a, JAN_12)
