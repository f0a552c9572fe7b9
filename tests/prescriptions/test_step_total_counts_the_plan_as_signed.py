""" "Step x of y" counts the steps of the plan as signed, not of the version in effect tonight.
QA: on a plan of 3 steps, Change steps added step 4 from a later night; the patient page, the
plan page, the list row and My plan all still said "Step 3 of 3" while the steps table listed
step 4 (the total was the version's in effect tonight, signed before the change). One answer,
titration.current_step's step_total (titration.plan_step_total), read by every surface."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions.changes import steps_change
from prescriptions.titration import current_step
from tests.patients.journal_support import make_plan, sign_change, sign_steps, visible_text
from tests.prescriptions.factories import plan_steps
from tests.prescriptions.titration_support import JAN_1, step, version
from tests.security.reauth import signed_in, signed_in_reauthenticated

DEC_4 = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # the night of 4 Dec, in London
DEC_6 = date(2026, 12, 6)
NOV_1 = date(2026, 11, 1)
THREE = (("1.5", 14), ("3", 14), ("4.5", None))  # step 3 from 29 Nov
FOUR = (("1.5", 14), ("3", 14), ("4.5", 7), ("3", None))  # step 4 from 6 Dec
JAN_10 = date(2024, 1, 10)
FOUR_PLAIN = (step("1.5", 3), step("3", 3), step("4.5", 3), step("3", None))


def _surfaces(patient, clinician):
    """The step figure of each surface at DEC_4: the clinician's patient page (its figure and
    its plan panel), the plan page's panel, the list row (stored, recomputed on a save) and
    My plan."""
    with time_machine.travel(DEC_4, tick=False):
        staff = signed_in_reauthenticated(clinician)
        patient_page = staff.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
        plan_page = staff.get(reverse("clinic:plan", args=[patient.pk])).content.decode()
        listed = staff.get(reverse("clinic:patients")).content.decode()
        mine = signed_in(patient.user).get(reverse("journal:plan")).content.decode()
    row = listed.split(f'href="{reverse("clinic:patient", args=[patient.pk])}"', 1)[1]
    return {
        "patient page": visible_text(patient_page.split('class="grid plan-summary"')[0]),
        "patient page panel": visible_text(patient_page.split('class="grid plan-summary"')[1]),
        "plan page": visible_text(plan_page.split('class="grid plan-summary"')[1]),
        "list row": visible_text(row.split("</tr>", 1)[0]),
        "my plan": visible_text(mine.split('aria-labelledby="plan-now"', 1)[1]),
    }


def _assert_every_surface_says(surfaces, step, steps):
    said = f"{step} of {steps}"
    for name, text in surfaces.items():
        assert said.lower() in text.lower(), (name, text[:400])


@pytest.mark.django_db
def test_a_step_added_from_a_later_night_counts_tonight_on_every_surface(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=THREE, start=NOV_1)
    _assert_every_surface_says(_surfaces(patient_a, clinician_a), 3, 3)

    # Change steps, signed on 4 Dec from 6 Dec: step 3 gets a length, step 4 follows then
    # (the clinician ticks "I confirm step 4 starts on 6 Dec").
    sign_change(
        patient_a,
        clinician_a,
        lambda plan: steps_change(
            plan.latest,
            effective_night=DEC_6,
            start_date=NOV_1,
            steps=plan_steps(FOUR),
            reason="Review",
            versions=tuple(plan.versions),
        ),
        DEC_4,
        confirmed_start=(DEC_6, 4),
    )

    surfaces = _surfaces(patient_a, clinician_a)
    _assert_every_surface_says(surfaces, 3, 4)
    assert all("of 3" not in text for text in surfaces.values())


@pytest.mark.django_db
def test_a_later_step_removed_from_a_later_night_counts_tonight_on_every_surface(
    patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, steps=FOUR, start=NOV_1)
    _assert_every_surface_says(_surfaces(patient_a, clinician_a), 3, 4)

    sign_steps(patient_a, clinician_a, DEC_6, THREE, start=NOV_1, signed=DEC_4)

    _assert_every_surface_says(_surfaces(patient_a, clinician_a), 3, 3)


def test_the_total_is_the_newest_versions_whichever_governs_tonight():
    three = version(steps=(step("1.5", 3), step("3", 3), step("4.5", None)))
    four = version(
        2, effective=JAN_10, start=JAN_1, steps=(*three.steps[:2], step("4.5", 9), step("3", None))
    )
    tonight = current_step([three, four], date(2024, 1, 8))
    assert (tonight.version_number, tonight.step_number, tonight.step_total) == (1, 3, 4)
    # The new version's own nights say the same.
    assert current_step([three, four], JAN_10).step_total == 4


def test_after_a_restart_a_step_added_counts_the_steps_before_the_restart():
    # Restarted at step 2 (steps_before 1): tonight step 2 of 3. A change from a later night
    # keeps the restart's steps and numbers and adds a step 4.
    restarted = version(steps=(step("3", 30), step("4.5", None)), steps_before=1)
    added = version(
        2,
        effective=JAN_10,
        start=JAN_1,
        steps=(step("3", 30), step("4.5", 7), step("3", None)),
        steps_before=1,
    )
    tonight = current_step([restarted, added], date(2024, 1, 8))
    assert (tonight.step_number, tonight.step_total) == (2, 4)


@pytest.mark.parametrize(
    "later",
    [
        # A template from a later night: its own steps 1-5, from its own first night.
        version(2, effective=JAN_10, steps=(step("1.5", 7),) * 4 + (step("3", None),)),
        # A list of one step typed from a later night.
        version(2, effective=JAN_10, steps=(step("1.5", None),)),
        # The plan's start moved: step 3 no longer begins on the night it began.
        version(2, effective=JAN_10, start=date(2024, 1, 2), steps=(*FOUR_PLAIN,)),
    ],
)
def test_a_new_list_from_a_later_night_is_not_tonights_plan(later):
    three = version(steps=(step("1.5", 3), step("3", 3), step("4.5", None)))
    tonight = current_step([three, later], date(2024, 1, 8))
    assert (tonight.step_number, tonight.step_total) == (3, 3)
    # From its own first night it is the plan followed.
    assert current_step([three, later], JAN_10).step_total == later.step_total


def test_another_prescriptions_versions_are_not_counted():
    first = version(steps=(step("1.5", 3), step("3", 3), step("4.5", None)))
    again = version(effective=JAN_10, steps=(step("1.5", None),), prescription_index=1)
    assert current_step([first, again], date(2024, 1, 8)).step_total == 3
    assert current_step([first, again], JAN_10).step_total == 1
