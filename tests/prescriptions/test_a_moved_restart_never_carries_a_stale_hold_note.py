"""A restart moved later copied the hold's note (changes.resume_change), so a hold signed for
6-8 Dec with "Do not take LDN until 8 Dec." and its restart moved to 10 Dec told the patient,
under "paused up to and including the night of 9 Dec", to stop only until 8 Dec: a note that
names a night the plan no longer has, and one that brings the restart forward. The note of a
dated hold is written for its dates: a restart moved later stores only the clinician's new
note, and PlanView.patient_hold_note shows a dated hold's note only while its end stands (a
hold until resumed waited for a restart, so its note is kept, as before)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, sign_hold, visible_text
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

HOLD_SIGNED = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # London: the night of 1 Dec
NOW = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # the night of 3 Dec, before the hold
ON_DEC_7 = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # the night of 7 Dec, inside the hold
DEC = {day: date(2026, 12, day) for day in range(1, 32)}
HOLD_NOTE = "Do not take LDN until 8 Dec."
OPEN_NOTE = "Stop LDN: no dose before your surgery."


def _held_6_to_8_dec(patient, clinician, until=DEC[8], note=HOLD_NOTE):
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient, clinician, DEC[6], until, signed=HOLD_SIGNED, patient_note=note)


def _move_restart(clinician, patient, on, now=NOW, note=""):
    with time_machine.travel(now, tick=False):
        response = signed_in_reauthenticated(clinician).post(
            reverse("clinic:plan_resume", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "resume_on": str(on),
                "step": "0",
                "reason": "Surgery moved",
                "patient_note": note,
            },
        )
    assert response.status_code == 302
    return plans.load(patient).latest_row


def _patient_pages(patient, now):
    """The home card's and My plan's text, on the night of ``now``."""
    client = signed_in(patient.user)
    with time_machine.travel(now, tick=False):
        home = client.get(reverse("journal:home")).content.decode()
        mine = client.get(reverse("journal:plan")).content.decode()
    return visible_text(home), visible_text(mine)


def test_a_dated_holds_note_is_not_stored_on_its_restart_moved_later(patient_a, clinician_a):
    _held_6_to_8_dec(patient_a, clinician_a)
    moved = _move_restart(clinician_a, patient_a, DEC[10])
    assert moved.get_kind_display() == "Restart moved to 10 Dec 2026 (on hold until then)"
    assert moved.patient_note == ""


def test_the_patient_never_reads_until_8_dec_under_a_hold_until_9_dec(patient_a, clinician_a):
    _held_6_to_8_dec(patient_a, clinician_a)
    _move_restart(clinician_a, patient_a, DEC[10])
    home, mine = _patient_pages(patient_a, datetime(2026, 12, 6, 20, 0, tzinfo=UTC))
    assert "up to and including the night of Wed 9 Dec" in home
    assert HOLD_NOTE not in home
    assert HOLD_NOTE not in mine
    assert plans.load(patient_a).patient_hold_note(DEC[6]) is None


def test_the_clinicians_note_for_the_moved_restart_is_stored_and_shown(patient_a, clinician_a):
    _held_6_to_8_dec(patient_a, clinician_a)
    new_note = "Your surgery moved: no LDN until the night of 10 Dec."
    moved = _move_restart(clinician_a, patient_a, DEC[10], note=new_note)
    assert moved.patient_note == new_note
    home, mine = _patient_pages(patient_a, datetime(2026, 12, 6, 20, 0, tzinfo=UTC))
    assert f"Your clinician says: {new_note}" in home
    assert new_note in mine


def test_a_night_the_dated_hold_still_governs_shows_no_note_for_its_old_end(patient_a, clinician_a):
    """Moved on the night of 7 Dec: the hold's own version still governs 6 Dec (the moved
    restart holds from tonight), whose note said 8 Dec; the plan now holds until 9 Dec."""
    _held_6_to_8_dec(patient_a, clinician_a)
    _move_restart(clinician_a, patient_a, DEC[10], now=ON_DEC_7)
    plan = plans.load(patient_a)
    assert plan.held_until(DEC[6]) == DEC[9]
    assert plan.patient_hold_note(DEC[6]) is None
    assert plan.patient_hold_note(DEC[7]) is None


def test_a_dated_holds_note_stands_while_its_dates_stand(patient_a, clinician_a):
    _held_6_to_8_dec(patient_a, clinician_a)
    assert plans.load(patient_a).patient_hold_note(DEC[7]) == plans.HoldNote(HOLD_NOTE)


def test_a_hold_until_resumed_keeps_its_note_through_two_moved_restarts(patient_a, clinician_a):
    """A hold until resumed names no end, so each restart moved later carries its note
    (the restart first signed for 10 Dec, then moved to 12 Dec, then to 15 Dec)."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)))
    sign_hold(
        patient_a,
        clinician_a,
        DEC[6],
        signed=HOLD_SIGNED,
        patient_note=OPEN_NOTE,
        restart_on=DEC[10],
    )
    assert plans.load(patient_a).latest_row.kind == PlanVersion.Kind.RESUME
    first = _move_restart(clinician_a, patient_a, DEC[12])
    second = _move_restart(clinician_a, patient_a, DEC[15])
    assert (first.patient_note, second.patient_note) == (OPEN_NOTE, OPEN_NOTE)
    assert plans.load(patient_a).patient_hold_note(DEC[6]) == plans.HoldNote(OPEN_NOTE)


def test_back_to_back_holds_each_keep_their_note(patient_a, clinician_a):
    """A hold followed by another hold is not a hold moved later: each note stands."""
    _held_6_to_8_dec(patient_a, clinician_a)
    sign_hold(
        patient_a, clinician_a, DEC[9], DEC[11], signed=HOLD_SIGNED, patient_note="Knee surgery."
    )
    plan = plans.load(patient_a)
    assert plan.patient_hold_note(DEC[7]) == plans.HoldNote(HOLD_NOTE)
    assert plan.patient_hold_note(DEC[10]) == plans.HoldNote("Knee surgery.")
