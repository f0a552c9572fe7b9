"""The paused card shows the note the hold was signed with, not the note of a steps change
or a switch of dosing time that carries the hold on.

A steps change signed before a surgery hold carries it (changes._carried_hold), and it
governs the held nights: PlanView.hold_note read the version in effect, so on the nights of
the surgery the card said "Paused by your clinician — do not take LDN" over the steps
change's note, "Your dose goes up to 3 mg from tonight.". It reads the hold's own version
now (PlanView.signed_hold_row), as the hold signed again after a change reads its words.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import sign_change, sign_hold, sign_steps

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}
HOLD_NOTE = "No LDN around your operation."
STEPS_NOTE = "Your dose goes up to 3 mg from tonight."
SWITCH_NOTE = "Take it in the morning from now on."


@pytest.fixture
def patient(patient_on_2mg, clinician):
    sign_hold(
        patient_on_2mg,
        clinician,
        DEC[20],
        DEC[22],
        signed=NOW,
        reason="Knee surgery",
        patient_note=HOLD_NOTE,
    )
    return patient_on_2mg


def _steps_from(patient, clinician, night):
    return sign_steps(
        patient, clinician, night, (("3", None),), signed=NOW, patient_note=STEPS_NOTE
    )


@pytest.mark.parametrize("first", [DEC[4], DEC[20]], ids=["before-the-hold", "on-its-first"])
def test_the_hold_note_under_a_steps_change_that_carries_it_is_the_holds(patient, clinician, first):
    _steps_from(patient, clinician, first)
    plan = plans.load(patient)
    assert plan.status_on(DEC[21]) == titration.ON_HOLD
    assert plan.hold_note(DEC[21]) == HOLD_NOTE


def test_the_hold_note_under_a_switch_that_carries_it_is_the_holds(patient, clinician):
    sign_change(
        patient,
        clinician,
        lambda plan: changes.dosing_time_change(
            plan.latest,
            dosing_time=titration.MORNING,
            effective_night=DEC[5],
            reason="Sleep",
            patient_note=SWITCH_NOTE,
            versions=tuple(plan.versions),
        ),
        NOW,
    )
    assert plans.load(patient).hold_note(DEC[21]) == HOLD_NOTE


def test_the_tonight_card_on_a_held_night_shows_the_holds_note(patient, clinician):
    _steps_from(patient, clinician, DEC[4])
    client = Client()
    client.force_login(patient.user)
    with time_machine.travel(datetime(2026, 12, 21, 20, 0, tzinfo=UTC), tick=False):
        html = client.get(reverse("journal:home")).content.decode()
    said = html.split("Your clinician says:", 1)[1].split("</p>", 1)[0]
    assert HOLD_NOTE in said
    assert STEPS_NOTE not in html


def test_a_hold_signed_again_after_a_change_from_its_first_night_keeps_its_words(
    patient, clinician
):
    """Steps signed from the surgery hold's first night carry it (their first night is the
    hold's): signed again after a later change, the hold took the steps change's reason and
    note ("Review", the dose going up), as if the steps change had signed the hold."""
    _steps_from(patient, clinician, DEC[20])
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW, reason="Travel")
    version = _steps_from(patient, clinician, DEC[4])
    [kept] = [k for k in version.kept_holds if k.first == DEC[20]]
    again = PlanVersion.objects.get(prescription__patient=patient, number=kept.number)
    assert (again.hold_from, again.hold_until) == (DEC[20], DEC[22])
    assert (again.reason, again.patient_note) == ("Knee surgery", HOLD_NOTE)
    assert plans.load(patient).hold_note(DEC[21]) == HOLD_NOTE
