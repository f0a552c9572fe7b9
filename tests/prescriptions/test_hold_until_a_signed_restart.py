"""Until when a hold runs: an open-ended hold with a restart already signed for a later night
ends the night before it. My plan told the patient "Until your clinician restarts your plan"
with no next change, while the clinician read "Next change 3 mg from 10 Dec" beside "On hold
until resumed" (found by exploratory testing). titration.hold_last_night is the one answer,
read through the position by every surface."""

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse

from prescriptions import changes, plans
from prescriptions.titration import hold_last_night, next_change
from tests.patients.journal_support import sign_hold
from tests.prescriptions.signed_restart_support import DEC_2, DEC_10, NOW, _held_from_dec_2, _resume
from tests.prescriptions.titration_support import step, version
from tests.security.reauth import signed_in, signed_in_reauthenticated


def _pages(patient_a, clinician_a):
    patient = signed_in(patient_a.user)
    clinician = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(NOW, tick=False):
        return (
            patient.get(reverse("journal:plan")).content.decode(),
            patient.get(reverse("journal:home")).content.decode(),
            clinician.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode(),
            clinician.get(reverse("clinic:plan", args=[patient_a.pk])).content.decode(),
        )


def test_an_open_ended_hold_runs_until_the_night_before_a_signed_restart():
    held = version(2, effective=DEC_2, start=date(2026, 11, 1), hold_from=DEC_2)
    restart = version(3, effective=DEC_10, start=DEC_10, steps=(step("3", None),))
    assert hold_last_night([version(), held, restart], date(2026, 12, 3)) == date(2026, 12, 9)
    assert hold_last_night([version(), held], date(2026, 12, 3)) is None


def test_a_later_open_ended_hold_carries_a_dated_hold_on():
    dated = version(2, effective=DEC_2, start=date(2026, 11, 1), hold_from=DEC_2, hold_until=DEC_10)
    longer = version(3, effective=date(2026, 12, 5), start=date(2026, 11, 1), hold_from=DEC_2)
    assert hold_last_night([version(), dated, longer], date(2026, 12, 3)) is None


def test_a_scheduled_hold_with_a_signed_restart_is_the_next_change_until_its_last_night():
    held = version(
        2, effective=date(2026, 12, 5), start=date(2026, 11, 1), hold_from=date(2026, 12, 5)
    )
    restart = version(3, effective=DEC_10, start=DEC_10, steps=(step("3", None),))
    found = next_change([version(), held, restart], date(2026, 12, 3))
    assert (found.night, found.position.status) == (date(2026, 12, 5), "on_hold")
    assert found.hold_until == date(2026, 12, 9)


@pytest.mark.django_db
def test_the_patient_and_the_clinician_read_the_same_restart(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    _resume(patient_a, clinician_a)
    view = plans.load(patient_a)
    assert view.held_until(NOW.date()) == date(2026, 12, 9)
    found = view.next_change(NOW.date())
    assert (found.night, found.position.dose_mg) == (DEC_10, D("3"))

    mine, home, page, plan = _pages(patient_a, clinician_a)
    # The patient: paused until the night of the 9th, then the same next change.
    assert "Up to and including the night of Wednesday 9 December." in mine
    assert "Until your clinician restarts your plan." not in mine
    assert "From Thursday 10 December: 3 mg." in mine
    assert "up to and including the night of Wed 9 Dec" in home
    # The clinician: the same last night and the same restart, nowhere "until resumed".
    assert '<span class="stat-note">until 9 Dec 2026</span>' in page
    assert '<span class="stat-value">10 Dec</span><span class="stat-note">3 mg</span>' in page
    assert '<span class="small muted">until 9 Dec 2026</span>' in plan
    assert "from 10 Dec 2026" in plan
    for html in (mine, home, page, plan):
        assert "until resumed" not in html


@pytest.mark.django_db
def test_a_dated_hold_signed_over_an_open_ended_one_says_its_last_night(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 5),
        date(2026, 12, 20),
        signed=NOW,
        reason="Dated",
        # It ends the open-ended hold: the restart on the 21st is confirmed.
        confirmed_restart=date(2026, 12, 21),
    )
    mine, home, page, plan = _pages(patient_a, clinician_a)
    assert "Up to and including the night of Sunday 20 December." in mine
    assert "From Monday 21 December: 1.5 mg." in mine
    assert '<span class="stat-note">until 20 Dec 2026</span>' in page
    assert '<span class="small muted">until 20 Dec 2026</span>' in plan
    for html in (mine, home, page, plan):
        assert "until resumed" not in html


@pytest.mark.django_db
def test_an_open_ended_hold_without_a_restart_still_says_until_resumed(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    mine, _home, page, plan = _pages(patient_a, clinician_a)
    assert "Until your clinician restarts your plan." in mine
    assert "No change planned." in mine
    assert '<span class="stat-note">until resumed</span>' in page
    assert '<span class="small muted">until resumed</span>' in plan


@pytest.mark.django_db
def test_a_dated_hold_ending_before_the_signed_restart_is_refused_not_left_as_a_gap(
    patient_a, clinician_a
):
    """Open-ended hold from the 2nd, restart signed for the 10th, then a hold 3rd to 4th: the
    5th to the 9th were neither on hold nor prescribed, and the next change read "no dose"
    (found by exploratory testing). Refused with the nights it would leave; nothing stored."""
    _held_from_dec_2(patient_a, clinician_a)
    _resume(patient_a, clinician_a)
    before = plans.load(patient_a).latest.number
    with pytest.raises(changes.PlanChangeError) as refused:
        sign_hold(
            patient_a, clinician_a, NOW.date(), date(2026, 12, 4), signed=NOW, reason="Shorter"
        )
    assert "the restart signed for the plan begins on 10 Dec 2026" in str(refused.value)
    assert "End the hold on 9 Dec 2026" in str(refused.value)
    assert plans.load(patient_a).latest.number == before
    # A hold that reaches past the restart leaves no gap: it signs, once the restart it
    # moves (to the 13th) is confirmed.
    sign_hold(
        patient_a,
        clinician_a,
        NOW.date(),
        date(2026, 12, 12),
        signed=NOW,
        reason="Longer",
        confirmed_restart=date(2026, 12, 13),
    )
    assert plans.load(patient_a).latest.number == before + 1
