"""A plan whose first dosing night falls inside step 1 but after its first night is signed
only once confirmed (found by QA): tonight's dose (5 Dec) logged, the prescription ended
from 6 Dec, a new one of 1.5 mg for 14 nights then 3 mg given the start 5 Dec was saved with
no question. Its first dose is on 6 Dec, night 2 of step 1: 13 nights at 1.5 mg, not 14.
The one rule (changes.skipped_steps) now asks of a step shortened so as of a step skipped,
with the same date-carrying box; a Change steps whose start moved back inside a step too
(a plan on night 4 of 14 moved to night 14 was saved at once)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans, titration
from prescriptions.models import PlanVersion, Prescription
from tests.prescriptions.factories import new_prescription_data
from tests.prescriptions.logged_dose_support import EVENING_NOW, ended_after_the_logged_dose
from tests.prescriptions.skipped_steps_support import box, new_prescription, text
from tests.prescriptions.start_moved_back_support import change

pytestmark = pytest.mark.django_db

DEC_5 = date(2026, 12, 5)
DEC_6 = date(2026, 12, 6)

ASKED = (
    "Step 1 begins on 5 Dec 2026, before the first night this prescription can take effect "
    "(6 Dec 2026): the patient starts on night 2 of step 1 (13 nights at 1.5 mg, not 14)."
)
LABEL = "I confirm step 1 starts on 5 Dec 2026"


@pytest.fixture
def ended_tonight(patient_a, clinician_a):
    """Tonight's (5 Dec) dose logged, then the prescription ended from 6 Dec."""
    return ended_after_the_logged_dose(patient_a, clinician_a)


def post(client, patient, start, at=EVENING_NOW, **data):
    with time_machine.travel(at, tick=False):
        return client.post(
            reverse("clinic:prescription_new", args=[patient.pk]),
            new_prescription(start, **data),
        )


def newest_version_1(patient):
    return (
        PlanVersion.objects.filter(prescription__patient=patient, number=1)
        .order_by("-prescription_id")
        .first()
    )


def test_a_start_before_the_first_changeable_night_is_not_signed_until_confirmed(
    clinician_client, ended_tonight
):
    response = post(clinician_client, ended_tonight, DEC_5)
    assert response.status_code == 200
    page = text(response)
    assert ASKED in page
    assert (
        f"Tick “{LABEL}” and sign again to save it, or change the start date; nothing was saved."
        in page
    )
    assert box(response) == ("2026-12-05:1", False, LABEL)
    assert Prescription.objects.filter(patient=ended_tonight).count() == 1


def test_once_confirmed_it_is_signed_and_the_version_records_it(clinician_client, ended_tonight):
    response = post(clinician_client, ended_tonight, DEC_5, confirm_start="2026-12-05:1")
    assert response.status_code == 302, text(response)
    assert newest_version_1(ended_tonight).confirmed_safety_warning == ASKED
    position = plans.load(ended_tonight).on(DEC_6)
    assert (position.step_number, position.day_in_step) == (1, 2)


def test_a_box_ticked_for_another_start_confirms_nothing(clinician_client, ended_tonight):
    response = post(
        clinician_client, ended_tonight, date(2026, 12, 4), confirm_start="2026-12-05:1"
    )
    assert response.status_code == 200
    assert "the patient starts on night 3 of step 1 (12 nights at 1.5 mg, not 14)." in text(
        response
    )
    assert box(response)[:2] == ("2026-12-04:1", False)
    assert Prescription.objects.filter(patient=ended_tonight).count() == 1


def test_a_start_on_the_first_changeable_night_asks_nothing(clinician_client, ended_tonight):
    response = post(clinician_client, ended_tonight, DEC_6)
    assert response.status_code == 302, text(response)
    assert newest_version_1(ended_tonight).confirmed_safety_warning == ""


def test_an_open_ended_step_1_shortens_nothing_and_asks_nothing(clinician_client, ended_tonight):
    with time_machine.travel(EVENING_NOW, tick=False):
        response = clinician_client.post(
            reverse("clinic:prescription_new", args=[ended_tonight.pk]),
            new_prescription_data(DEC_5, [("1.5", "")], reason="Back on LDN"),
        )
    assert response.status_code == 302, text(response)


def test_a_morning_doser_is_told_in_days(clinician_client, patient_a, clinician_a):
    ended_after_the_logged_dose(
        patient_a,
        clinician_a,
        dosing_time=titration.MORNING,
        at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    )
    response = post(
        clinician_client, patient_a, DEC_5, at="2026-12-05 10:00Z", dosing_time="morning"
    )
    assert (
        "Step 1 begins on 5 Dec 2026, before the first day this prescription can take effect "
        "(6 Dec 2026): the patient starts on day 2 of step 1 (13 days at 1.5 mg, not 14)."
        in text(response)
    )
    assert box(response) == ("2026-12-05:1", False, LABEL)


@pytest.mark.parametrize(
    ("language", "asked", "label"),
    [
        (
            "de",
            "Stufe 1 beginnt am 5. Dez 2026, vor der ersten Nacht, ab der diese Verordnung "
            "gelten kann (6. Dez 2026): Die Person beginnt in Nacht 2 von Stufe 1 (13 Nächte "
            "mit 1,5 mg statt 14).",
            "Ich bestätige, dass Stufe 1 am 5. Dez 2026 beginnt",
        ),
        (
            "es",
            "El paso 1 empieza el 5 dic 2026, antes de la primera noche en que esta "
            "prescripción puede aplicarse (6 dic 2026): el paciente empieza en la noche 2 del "
            "paso 1 (13 noches con 1,5 mg, no 14).",
            "Confirmo que el paso 1 empieza el 5 dic 2026",
        ),
    ],
)
def test_asked_in_the_clinicians_language(
    clinician_client, clinician_a, ended_tonight, language, asked, label
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    response = post(clinician_client, ended_tonight, DEC_5)
    assert asked in text(response)
    assert box(response)[2] == label


# --- Change steps: a start moved back inside the step ---------------------------------------

MOVED = (
    "Step 1 now starts on 22 Nov 2026, before this change's first night (5 Dec 2026): the "
    "patient moves from night 4 to night 14 of step 1 (1 night at 1.5 mg left, not 11)."
)


def test_a_steps_change_moved_back_inside_step_1_is_not_signed_until_confirmed(
    clinician_a, on_night_4_of_step_1
):
    response = change(clinician_a, on_night_4_of_step_1, date(2026, 11, 22))
    assert response.status_code == 200
    assert MOVED in text(response)
    assert box(response) == ("2026-11-22:1", False, "I confirm step 1 starts on 22 Nov 2026")
    assert plans.load(on_night_4_of_step_1).latest.number == 1

    response = change(
        clinician_a, on_night_4_of_step_1, date(2026, 11, 22), confirm_start="2026-11-22:1"
    )
    assert response.status_code == 302
    assert plans.load(on_night_4_of_step_1).latest_row.confirmed_safety_warning == MOVED


def test_a_steps_change_that_keeps_tonights_night_of_the_step_asks_nothing(
    clinician_a, on_night_4_of_step_1
):
    # Same start, step 1 shortened by its length: tonight is still night 4 of step 1.
    response = change(
        clinician_a, on_night_4_of_step_1, date(2026, 12, 2), **{"steps-0-days": "10"}
    )
    assert response.status_code == 302, text(response)
    assert plans.load(on_night_4_of_step_1).latest_row.confirmed_safety_warning == ""
