"""A new prescription whose step 1 starts before its first night (found by QA: after an
ending, a plan of 1.5 mg x 14 then 3 mg started "on 1 Nov" was signed on 5 Dec at once, and
read "Last night (4 Dec) 3 mg, Step 2 of 2": step 1 was never prescribed). A start in the
past is legitimate (a patient already on the plan, from another prescriber) but never
silent: the save asks the clinician to confirm, saying in the plan's own words which step
and dose the first night has, and the version records the confirmation."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans, titration
from prescriptions.changes import end_change
from prescriptions.models import PlanTemplate, PlanVersion, Prescription
from tests.patients.journal_support import sign_change, sign_hold
from tests.prescriptions.factories import make_prescription, steps_data
from tests.prescriptions.skipped_steps_support import NOV_1, box, new_prescription

DEC_3 = date(2026, 12, 3)
DEC_5 = date(2026, 12, 5)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended_after_a_hold(patient_a, clinician_a):
    """Patient A (London) on LDN from 1 Oct, held for opioids from 20 Nov until resumed, and
    the prescription ended from 3 Dec."""
    make_prescription(patient_a, clinician_a, date(2026, 10, 1))
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 11, 20),
        signed=datetime(2026, 11, 20, 12, tzinfo=UTC),
        reason="Opioid pain relief after surgery",
    )
    sign_change(
        patient_a,
        clinician_a,
        lambda plan: end_change(
            plan.latest, tonight_night=DEC_3, reason="Stopped", versions=tuple(plan.versions)
        ),
        datetime(2026, 12, 3, 12, tzinfo=UTC),
    )
    return patient_a


def post(client, patient, at="2026-12-05 14:00Z", **data):
    with time_machine.travel(at, tick=False):
        return client.post(
            reverse("clinic:prescription_new", args=[patient.pk]), new_prescription(**data)
        )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


ASKED = (
    "Step 1 starts on the night of 1 Nov 2026, before tonight: tonight (5 Dec) the patient "
    "is on step 2, 3 mg."
)


def test_a_backdated_new_prescription_is_not_signed_until_confirmed(
    clinician_client, ended_after_a_hold
):
    response = post(clinician_client, ended_after_a_hold)
    assert response.status_code == 200
    page = text(response)
    assert ASKED in page
    assert (
        "Tick “I confirm the patient is already on this plan since 1 Nov 2026” and sign again "
        "to save it, or change the start date; nothing was saved." in page
    )
    assert box(response) == (
        "2026-11-01:2",
        False,
        "I confirm the patient is already on this plan since 1 Nov 2026",
    )
    assert Prescription.objects.count() == 1


def test_once_confirmed_it_is_signed_and_the_version_records_what_was_confirmed(
    clinician_client, ended_after_a_hold
):
    response = post(clinician_client, ended_after_a_hold, confirm_start="2026-11-01:2")
    assert response.status_code == 302
    version = PlanVersion.objects.get(
        prescription__patient=ended_after_a_hold, kind="created", start_date=NOV_1
    )
    assert version.confirmed_safety_warning == ASKED
    position = plans.load(ended_after_a_hold).on(DEC_5)
    assert (position.step_number, position.dose_mg) == (2, 3)


def test_a_box_ticked_for_another_start_date_confirms_nothing(clinician_client, ended_after_a_hold):
    response = post(
        clinician_client, ended_after_a_hold, start=date(2026, 10, 31), confirm_start="2026-11-01:2"
    )
    assert response.status_code == 200
    assert "Step 1 starts on the night of 31 Oct 2026, before tonight" in text(response)
    assert box(response)[:2] == ("2026-10-31:2", False)
    assert Prescription.objects.count() == 1


@pytest.mark.parametrize("start", [DEC_5, date(2026, 12, 20)], ids=["tonight", "later"])
def test_a_plan_starting_tonight_or_later_asks_nothing(clinician_client, ended_after_a_hold, start):
    response = post(clinician_client, ended_after_a_hold, start=start)
    assert response.status_code == 302
    assert Prescription.objects.count() == 2


@pytest.mark.parametrize(
    ("start", "night", "left"),
    [(date(2026, 12, 1), 5, 10), (date(2026, 12, 4), 2, 13)],
    ids=["1 Dec", "4 Dec"],
)
def test_a_start_inside_step_1_asks_of_the_nights_it_loses(
    clinician_client, ended_after_a_hold, start, night, left
):
    # Tonight is a night of step 1 but not its first: the nights before it are never dosed,
    # step 1 is shortened (changes.skipped_steps). It asked nothing while the rule was
    # "a later step", and 13 nights at 1.5 mg instead of 14 went unsaid (found by QA).
    response = post(clinician_client, ended_after_a_hold, start=start)
    assert response.status_code == 200
    assert (
        f"the patient starts on night {night} of step 1 ({left} nights at 1.5 mg, not 14)."
        in text(response)
    )
    assert Prescription.objects.count() == 1
    confirmed = post(clinician_client, ended_after_a_hold, start=start, confirm_start=f"{start}:1")
    assert confirmed.status_code == 302
    assert plans.load(ended_after_a_hold).on(DEC_5).step_number == 1


def test_before_noon_the_first_night_is_last_night(clinician_client, ended_after_a_hold):
    # At 09:00 on 5 Dec an evening doser's night still open is the 4th's: "last night".
    response = post(clinician_client, ended_after_a_hold, at="2026-12-05 09:00Z")
    assert (
        "Step 1 starts on the night of 1 Nov 2026, before last night, the first night of the plan: "
        "last night (4 Dec) the patient is on step 2, 3 mg." in text(response)
    )


def test_a_morning_doser_is_told_in_days(clinician_client, ended_after_a_hold):
    response = post(clinician_client, ended_after_a_hold, dosing_time="morning")
    assert (
        "Step 1 starts on the day of 1 Nov 2026, before today: today (5 Dec) the patient is on "
        "step 2, 3 mg." in text(response)
    )


def test_a_template_applied_to_a_new_prescription_asks_too(clinician_client, ended_after_a_hold):
    template = PlanTemplate.objects.get(name="Standard")
    rows = [(f"{step.dose_mg}", str(step.days or "")) for step in template.plain_steps]
    response = post(
        clinician_client,
        ended_after_a_hold,
        template=str(template.pk),
        **steps_data(rows),
    )
    assert response.status_code == 200
    assert "Step 1 starts on the night of 1 Nov 2026, before tonight" in text(response)
    assert Prescription.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "asked", "label"),
    [
        (
            "de",
            "Stufe 1 beginnt in der Nacht vom 1. Nov 2026, vor heute Abend: Heute Abend (5. Dez) "
            "ist die Person auf Stufe 2, 3 mg. Kreuzen Sie „Ich bestätige, "
            "dass die Person diesen Plan bereits seit dem 1. Nov 2026 "
            "befolgt“ an und signieren Sie erneut, um sie zu speichern, oder ändern Sie das "
            "Startdatum; es wurde nichts gespeichert.",
            "Ich bestätige, dass die Person diesen Plan bereits seit dem 1. Nov 2026 befolgt",
        ),
        (
            "es",
            "El paso 1 empieza la noche del 1 nov 2026, antes de esta noche: esta noche (5 dic) "
            "el paciente está en el paso 2, 3 mg. Marque «Confirmo que el paciente ya sigue "
            "este plan desde el 1 nov 2026» y firme de nuevo para guardarla, o cambie la fecha "
            "de inicio; no se ha guardado nada.",
            "Confirmo que el paciente ya sigue este plan desde el 1 nov 2026",
        ),
    ],
)
def test_asked_in_the_clinicians_language(
    clinician_client, clinician_a, ended_after_a_hold, language, asked, label
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    response = post(clinician_client, ended_after_a_hold)
    assert asked in text(response)
    assert box(response) == ("2026-11-01:2", False, label)


def test_the_backdated_prescription_changes_no_night_before_its_first(
    clinician_client, ended_after_a_hold
):
    """DESIGN §4: a change to a plan never alters how an earlier night is judged. The nights
    under the ended prescription (its steps, its hold, its ending) keep their state and
    dose; the new plan governs from its first night, 5 Dec."""
    before = plans.load(ended_after_a_hold)
    nights = [
        date(2026, 10, 1) + timedelta(days=n) for n in range((DEC_5 - date(2026, 10, 1)).days)
    ]
    judged = {night: (before.status_on(night), before.dose_on(night)) for night in nights}
    assert (
        post(clinician_client, ended_after_a_hold, confirm_start="2026-11-01:2").status_code == 302
    )
    after = plans.load(ended_after_a_hold)
    assert {night: (after.status_on(night), after.dose_on(night)) for night in nights} == judged
    assert judged[date(2026, 11, 25)] == (titration.ON_HOLD, None)
    assert judged[DEC_3] == (titration.ENDED, None)
    assert after.on(DEC_5).status == titration.ACTIVE
