"""A hold signed "until 8 Dec" with the note "Do not take LDN until 8 Dec", then a Resume on
6 Dec: the card read "do not take LDN up to and including the night of Sat 5 Dec. Your
clinician says: Do not take LDN until 8 Dec." (found by exploratory QA). The note belongs to
the hold as first signed. PlanView.patient_hold_note is the one answer, read by the home card
and My plan: the Resume's own note when it has one, else the hold's, marked as written
before the pause was shortened."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan, sign_hold, sign_restart
from tests.prescriptions.signed_restart_support import DEC_2, HOLD_SIGNED, NOW

pytestmark = pytest.mark.django_db

DEC_6, DEC_7 = date(2026, 12, 6), date(2026, 12, 7)
HOLD_NOTE = "Do not take LDN until 8 Dec."
RESUME_NOTE = "Restart at 3 mg on Sunday 6 Dec."
SHORTENED = "Your clinician wrote this before the pause was shortened:"


def _cut_short(patient, clinician, resume_note=""):
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient, clinician, DEC_2, DEC_7, signed=HOLD_SIGNED, patient_note=HOLD_NOTE)
    sign_restart(patient, clinician, DEC_6, 1, signed=NOW, patient_note=resume_note)


def _said(patient):
    """What the home card and My plan say under the hold."""
    client = Client()
    client.force_login(patient.user)
    with time_machine.travel(NOW, tick=False):
        home = client.get(reverse("journal:home")).content.decode()
        plan = client.get(reverse("journal:plan")).content.decode()
    card = home.split('id="tonight-title"', 1)[1].split("</section>", 1)[0]
    mine = plan.split('id="plan-now"', 1)[1].split("</section>", 1)[0]
    return card, mine


def test_a_hold_cut_short_by_a_resume_with_a_note_shows_the_resumes_note(patient_a, clinician_a):
    _cut_short(patient_a, clinician_a, resume_note=RESUME_NOTE)
    card, mine = _said(patient_a)
    assert "up to and including the night of Sat 5 Dec" in card
    assert f"Your clinician says: {RESUME_NOTE}" in card
    assert RESUME_NOTE in mine
    assert HOLD_NOTE not in card
    assert HOLD_NOTE not in mine


def test_a_hold_cut_short_by_a_resume_without_a_note_marks_the_holds_note_as_earlier(
    patient_a, clinician_a
):
    _cut_short(patient_a, clinician_a)
    card, mine = _said(patient_a)
    assert "up to and including the night of Sat 5 Dec" in card
    assert f"{SHORTENED} {HOLD_NOTE}" in card
    assert f"{SHORTENED} {HOLD_NOTE}" in mine
    assert "Your clinician says:" not in card


def test_the_note_is_one_answer_for_the_held_nights_and_none_once_resumed(patient_a, clinician_a):
    _cut_short(patient_a, clinician_a, resume_note=RESUME_NOTE)
    plan = plans.load(patient_a)
    assert plan.patient_hold_note(date(2026, 12, 5)) == plans.HoldNote(RESUME_NOTE)
    assert plan.patient_hold_note(DEC_6) is None  # resumed: not on hold


def test_a_dated_hold_whose_nights_stand_shows_its_own_note(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient_a, clinician_a, DEC_2, DEC_7, signed=HOLD_SIGNED, patient_note=HOLD_NOTE)
    card, mine = _said(patient_a)
    assert f"Your clinician says: {HOLD_NOTE}" in card
    assert HOLD_NOTE in mine
    assert SHORTENED not in mine
