"""Resume opened again after a restart is signed but not begun (found by QA): a plan of 15
steps, on hold at step 9, restarted "at step 11" a few nights ahead. The page offered only
the signed restart's own steps (11-15), so the clinician could not move it to step 9: the
choices, and the save, read the newest version, the restart. Both now read the held plan's
steps (titration.restart_choices)."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from prescriptions import changes, plans, titration
from prescriptions.models import Formulation
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan, sign_hold, sign_restart, visible_text
from tests.prescriptions.titration_support import step, version
from tests.security.reauth import signed_in_reauthenticated

DEC = {day: date(2026, 12, day) for day in range(1, 32)}
NOV_10 = date(2026, 11, 10)
# 15 steps of 3 nights from 10 Nov, 1 mg then up by 0.25 mg: step 9 (3 mg) runs 4-6 Dec,
# step 11 is 3.5 mg.
FIFTEEN = tuple((str(Decimal("1.00") + Decimal("0.25") * index), 3) for index in range(14))
FIFTEEN += (("4.50", None),)
DEC_6_EVENING = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # the night of 6 Dec in London
DEC_9_EVENING = datetime(2026, 12, 9, 20, 0, tzinfo=UTC)


@pytest.fixture
def restart_signed_at_step_11(clinician):
    """On hold from 5 Dec (the night before: step 9, 3 mg); on 6 Dec a restart at step 11
    is signed for 9 Dec, not begun."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, steps=FIFTEEN, start=NOV_10, formulation=Formulation.OTHER)
    sign_hold(patient, clinician, DEC[5], signed=datetime(2026, 12, 4, 20, 0, tzinfo=UTC))
    sign_restart(patient, clinician, DEC[9], 10, signed=DEC_6_EVENING)
    assert plans.load(patient).latest.steps_before == 10  # "Step 11" is the newest's first
    return patient


def _resume_page(client, patient):
    with time_machine.travel(DEC_6_EVENING, tick=False):
        response = client.get(reverse("clinic:plan_resume", args=[patient.pk]))
    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.mark.django_db
def test_resume_after_a_signed_restart_offers_and_signs_the_held_plans_step_9(
    restart_signed_at_step_11, clinician
):
    patient = restart_signed_at_step_11
    client = signed_in_reauthenticated(clinician)
    page = _resume_page(client, patient)
    text = visible_text(page)
    assert "Step 1: 1 mg for 3 nights" in text
    assert "Step 9: 3 mg for 3 nights" in text
    assert "Step 15: 4.5 mg (open-ended)" in text
    # Opens on the signed restart's step 11, not the first offered (nor the default, the
    # step before the hold: re-saved as it opened, it moved the restart).
    [checked] = [
        tag for tag in re.findall(r"<input[^>]*name=\"step\"[^>]*>", page) if "checked" in tag
    ]
    assert 'value="10"' in checked

    with time_machine.travel(DEC_6_EVENING, tick=False):
        response = client.post(
            reverse("clinic:plan_resume", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "resume_on": str(DEC[9]),
                "step": "8",
                "reason": "Restart lower",
            },
        )
    assert response.status_code == 302, visible_text(response.content.decode())[:2000]
    restart = plans.load(patient).latest
    assert restart.effective_night == DEC[9]
    assert (restart.steps[0].dose_mg, restart.steps_before, len(restart.steps)) == (
        Decimal("3.00"),
        8,
        7,
    )

    with time_machine.travel(DEC_9_EVENING, tick=False):
        client = signed_in_reauthenticated(clinician)  # three days on: a new session
        page = client.get(reverse("clinic:patient", args=[patient.pk]))
        panel = client.get(reverse("clinic:plan", args=[patient.pk]))
    assert "Step 9 of 15" in visible_text(page.content.decode())
    assert "Step 9 of 15, night 1" in visible_text(panel.content.decode())


# --- titration.restart_choices ---------------------------------------------------------

HELD_FROM = date(2024, 1, 10)
PLAN = (step("1.5", 3), step("2", 3), step("3", 3), step("4.5", None))  # 3 mg on 7-9 Jan
PLAN_START = date(2024, 1, 1)


def _held(**extra):
    """The plan, then a hold from 10 Jan until resumed that carries its steps."""
    return (
        version(1, effective=PLAN_START, steps=PLAN),
        version(2, effective=HELD_FROM, start=PLAN_START, steps=PLAN, hold_from=HELD_FROM, **extra),
    )


def _restart(number, on, index, held_version, **extra):
    return version(
        number,
        effective=on,
        steps=held_version.steps[index:],
        steps_before=held_version.steps_before + index,
        restarts=True,
        **extra,
    )


def test_restart_choices_after_a_signed_restart_are_the_held_plans_steps():
    held = _held()
    versions = (*held, _restart(3, date(2024, 1, 20), 3, held[1]))
    choices = titration.restart_choices(versions, date(2024, 1, 12))
    assert choices.version == held[1]
    assert (len(choices.version.steps), choices.version.steps_before) == (4, 0)
    assert choices.night_before == date(2024, 1, 9)


def test_restart_choices_under_a_hold_with_no_restart_are_the_holds_steps():
    versions = _held()
    assert titration.restart_choices(versions, date(2024, 1, 12)).version == versions[-1]
    # A hold not begun yet: the same.
    assert titration.restart_choices(versions, date(2024, 1, 8)).version == versions[-1]


def test_restart_choices_are_the_steps_changed_during_the_hold():
    held = _held()
    changed = version(
        3,
        effective=date(2024, 1, 12),
        steps=(step("1.5", 7), step("3", None)),
        hold_from=HELD_FROM,
    )
    versions = (*held, changed, _restart(4, date(2024, 1, 20), 1, changed))
    assert titration.restart_choices(versions, date(2024, 1, 13)).version == changed


def test_restart_choices_skip_a_restart_moved_later_that_holds_nights():
    held = _held()
    moved = _restart(
        4,
        date(2024, 1, 12),
        3,
        held[1],
        start=date(2024, 1, 25),
        hold_from=date(2024, 1, 12),
        hold_until=date(2024, 1, 24),
    )
    versions = (*held, _restart(3, date(2024, 1, 20), 3, held[1]), moved)
    assert titration.restart_choices(versions, date(2024, 1, 13)).version == held[1]


def _hold(number, hold_from, hold_until=None):
    return version(
        number,
        effective=hold_from,
        start=PLAN_START,
        steps=PLAN,
        hold_from=hold_from,
        hold_until=hold_until,
    )


def test_restart_choices_read_the_run_of_two_holds_back_to_back():
    first, second = _hold(2, HELD_FROM, date(2024, 1, 12)), _hold(3, date(2024, 1, 13))
    versions = (version(1, effective=PLAN_START, steps=PLAN), first, second)
    choices = titration.restart_choices(versions, date(2024, 1, 14))
    assert choices.version == second
    assert choices.night_before == date(2024, 1, 9)  # before the first: the 12th is held


def test_restart_choices_without_a_hold_are_none():
    assert titration.restart_choices(_held()[:1], date(2024, 1, 12)) is None


def test_resume_change_slices_the_held_plans_steps_after_a_signed_restart():
    held = _held()
    versions = (*held, _restart(3, date(2024, 1, 20), 3, held[1]))
    change = changes.resume_change(
        versions[-1],
        tonight_night=date(2024, 1, 12),
        resume_on=date(2024, 1, 20),
        step_index=2,
        reason="r",
        versions=versions,
    )
    assert (change.steps, change.steps_before) == (PLAN[2:], 2)
    assert (change.effective_night, change.start_date) == (date(2024, 1, 20), date(2024, 1, 20))


def test_resume_change_names_the_steps_it_offers_by_their_plan_numbers():
    """A plan restarted at step 3 and held again offers steps 3 to 6: a step outside them is
    refused in those numbers, not "from 1 to 4"."""
    held = _held(steps_before=2)
    with pytest.raises(changes.PlanChangeError) as refused:
        changes.resume_change(
            held[-1],
            tonight_night=date(2024, 1, 12),
            resume_on=date(2024, 1, 20),
            step_index=4,
            reason="r",
            versions=held,
        )
    assert str(refused.value) == "Choose a step from 3 to 6 to restart at."


def test_signed_restart_is_the_restart_not_begun_as_an_index_into_the_choices():
    """Reopened, the Resume page opens on the restart already signed: its night, and its step
    as an index into the held plan's steps (the newest's steps_before minus theirs)."""
    held = _held()
    versions = (*held, _restart(3, date(2024, 1, 20), 2, held[1]))
    choices = titration.restart_choices(versions, date(2024, 1, 12))
    assert titration.signed_restart(versions, choices, date(2024, 1, 12)) == (
        date(2024, 1, 20),
        2,
    )


def test_signed_restart_is_none_once_begun_or_without_one():
    held = _held()
    versions = (*held, _restart(3, date(2024, 1, 20), 2, held[1]))
    choices = titration.restart_choices(versions, date(2024, 1, 12))
    assert titration.signed_restart(versions, choices, date(2024, 1, 20)) is None  # begun
    held_choices = titration.restart_choices(held, date(2024, 1, 12))
    assert titration.signed_restart(held, held_choices, date(2024, 1, 12)) is None
