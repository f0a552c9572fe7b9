"""Under a hold with a restart signed, the paused card shows the note of the version that
holds the plan tonight: it showed the newest version's, the restart's ("Restart at 3 mg on
the 10th"), in place of the hold's (PlanView.hold_note)."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan, sign_hold
from tests.prescriptions.signed_restart_support import DEC_2, DEC_10, HOLD_SIGNED, NOW

pytestmark = pytest.mark.django_db

HOLD_NOTE = "Stop LDN: no dose before your surgery."
RESTART_NOTE = "Restart at 3 mg on the 10th."


def _held_with_a_restart_signed(patient, clinician):
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    sign_hold(
        patient,
        clinician,
        DEC_2,
        signed=HOLD_SIGNED,
        patient_note=HOLD_NOTE,
        restart_on=DEC_10,
        restart_step=1,
        restart_signed=NOW,
        restart_note=RESTART_NOTE,
    )


def _page(patient, url):
    client = Client()
    client.force_login(patient.user)
    with time_machine.travel(NOW, tick=False):
        return client.get(url).content.decode()


def test_my_plans_paused_card_shows_the_holds_note_not_the_restarts(patient_a, clinician_a):
    _held_with_a_restart_signed(patient_a, clinician_a)
    html = _page(patient_a, reverse("journal:plan"))
    card = html.split('id="plan-now"', 1)[1].split("</section>", 1)[0]
    assert "Paused by your clinician — do not take LDN" in card
    assert HOLD_NOTE in card
    assert RESTART_NOTE not in card


def test_the_tonight_cards_hold_shows_the_holds_note_not_the_restarts(patient_a, clinician_a):
    _held_with_a_restart_signed(patient_a, clinician_a)
    html = _page(patient_a, reverse("journal:home"))
    said = html.split("Your clinician says:", 1)[1].split("</p>", 1)[0]
    assert HOLD_NOTE in said
    assert RESTART_NOTE not in said


def test_the_hold_note_is_the_version_in_effects_and_empty_when_not_on_hold(patient_a, clinician_a):
    _held_with_a_restart_signed(patient_a, clinician_a)
    plan = plans.load(patient_a)
    assert plan.hold_note(NOW.date()) == HOLD_NOTE
    assert plan.hold_note(DEC_10) == ""  # restarted: not on hold
