"""A signed change that changes no night is refused, with a message, and nothing is stored.

Found by exploratory testing: saving the plan form untouched signed a version "Steps changed"
that the patient saw in My plan and that reset the next change, suggestions and attention.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from prescriptions.titration import PlainVersion, Step, changes_nothing
from tests.prescriptions.factories import make_prescription, steps_data

START = date(2026, 3, 1)
TONIGHT = date(2026, 3, 10)
# The prescription's plan (factories.STANDARD): 1.5 mg 1-14 March, 3.0 mg 15-28 March, then
# 4.5 mg; the same steps as a clinician may type them.
SAME_STEPS_TYPED = [("1.50", "14"), ("3", "14"), ("4.5", "")]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


@pytest.fixture
def prescription(patient_a, clinician_a):
    return make_prescription(patient_a, clinician_a, START)


def url(name, patient):
    return reverse(f"clinic:{name}", args=[patient.pk])


def steps_form(steps, *, based_on=1, start=START, effective=TONIGHT):
    return {
        "based_on": str(based_on),
        "effective_night": str(effective),
        "start_date": str(start),
        "reason": "Review",
        "patient_note": "",
        **steps_data(steps),
    }


def hold_form(hold_from=TONIGHT, hold_until="", based_on=1):
    return {
        "based_on": str(based_on),
        "hold_reason": "planned_surgery",
        "hold_from": str(hold_from),
        "hold_until": str(hold_until),
        "reason": "Knee surgery",
        "patient_note": "",
    }


def text(response):
    return response.content.decode()


# --- the steps ------------------------------------------------------------------------------


def test_saving_the_plan_form_unchanged_is_refused_and_nothing_is_stored(
    clinician_client, patient_a, prescription
):
    response = clinician_client.post(url("plan_change", patient_a), steps_form(SAME_STEPS_TYPED))
    assert response.status_code == 200
    assert "Nothing to sign: the steps are the same as the plan in effect from 10 Mar 2026" in (
        text(response)
    )
    assert PlanVersion.objects.count() == 1


def test_the_form_as_the_page_fills_it_in_is_refused_unchanged(
    clinician_client, patient_a, prescription
):
    page = text(clinician_client.get(url("plan_change", patient_a)))
    assert 'name="effective_night" value="2026-03-10"' in page
    assert 'name="start_date" value="2026-03-01"' in page
    typed = [("1.50", "14"), ("3.00", "14"), ("4.50", "")]
    for index, (dose, _days) in enumerate(typed):
        assert f'name="steps-{index}-dose_mg" value="{dose}"' in page
    response = clinician_client.post(url("plan_change", patient_a), steps_form(typed))
    assert "Nothing to sign" in text(response)
    assert PlanVersion.objects.count() == 1


def test_rewriting_only_steps_that_are_over_changes_nothing(
    clinician_client, patient_a, clinician_a
):
    """Started 1 February: 4.5 mg since 1 March. Steps 1 and 2 rewritten so that 4.5 mg
    still begins on 1 March: from tonight the plan asks exactly the same."""
    make_prescription(patient_a, clinician_a, date(2026, 2, 1))
    steps = [("1.5", "7"), ("3.0", "21"), ("4.5", "")]
    response = clinician_client.post(
        url("plan_change", patient_a), steps_form(steps, start=date(2026, 2, 1))
    )
    assert "Nothing to sign" in text(response)
    assert PlanVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("steps", "start"),
    [
        ([("1.5", "15"), ("3.0", "14"), ("4.5", "")], START),  # step 2 a night later
        ([("1.5", "14"), ("3.0", "14"), ("3.0", "")], START),  # stays at 3.0 mg
        (SAME_STEPS_TYPED, START + timedelta(days=1)),  # the whole calendar a night later
        ([("1.5", "14"), ("3.0", "7"), ("3.0", "7"), ("4.5", "")], START),  # step 2 split
    ],
)
def test_a_real_change_of_the_steps_still_signs(
    clinician_client, patient_a, prescription, steps, start
):
    response = clinician_client.post(url("plan_change", patient_a), steps_form(steps, start=start))
    assert response.status_code == 302
    assert PlanVersion.objects.get(number=2).kind == "changed"


def test_unchanged_steps_from_a_later_night_are_refused_too(
    clinician_client, patient_a, prescription
):
    later = TONIGHT + timedelta(days=3)
    response = clinician_client.post(
        url("plan_change", patient_a), steps_form(SAME_STEPS_TYPED, effective=later)
    )
    assert "the plan in effect from 13 Mar 2026" in text(response)
    assert PlanVersion.objects.count() == 1


# --- hold and restart -----------------------------------------------------------------------


@pytest.mark.parametrize("hold_until", [TONIGHT + timedelta(days=4), ""])
def test_holding_again_with_the_same_dates_is_refused(
    clinician_client, patient_a, prescription, hold_until
):
    first = clinician_client.post(url("plan_hold", patient_a), hold_form(hold_until=hold_until))
    assert first.status_code == 302
    response = clinician_client.post(
        url("plan_hold", patient_a), hold_form(hold_until=hold_until, based_on=2)
    )
    assert response.status_code == 200
    said = "to 14 Mar 2026. Change the dates" if hold_until else "until resumed. Give the hold"
    assert f"Nothing to sign: the plan is already on hold from 10 Mar 2026 {said}" in text(response)
    assert PlanVersion.objects.count() == 2


def test_a_hold_with_another_last_night_still_signs(clinician_client, patient_a, prescription):
    clinician_client.post(url("plan_hold", patient_a), hold_form(hold_until=TONIGHT))
    # Longer than the hold signed: the restart it moves is confirmed (the box's night).
    response = clinician_client.post(
        url("plan_hold", patient_a),
        {
            **hold_form(hold_until=TONIGHT + timedelta(days=2), based_on=2),
            "confirm_restart": str(TONIGHT + timedelta(days=3)),
        },
    )
    assert response.status_code == 302
    assert PlanVersion.objects.count() == 3


def resume_form(step, resume_on=date(2026, 3, 15)):
    return {
        "based_on": "2",
        "resume_on": str(resume_on),
        "step": str(step),
        "reason": "Surgery done",
        "patient_note": "",
    }


def test_a_restart_exactly_where_the_plan_already_goes_on_is_refused(
    clinician_client, patient_a, prescription
):
    """On hold until 14 March; step 2 (3.0 mg) begins on 15 March in the plan already."""
    clinician_client.post(url("plan_hold", patient_a), hold_form(hold_until=date(2026, 3, 14)))
    response = clinician_client.post(url("plan_resume", patient_a), resume_form(step=1))
    assert response.status_code == 200
    assert "Nothing to sign: the plan already restarts at this step from 15 Mar 2026" in (
        text(response)
    )
    assert PlanVersion.objects.count() == 2
    restart_lower = clinician_client.post(url("plan_resume", patient_a), resume_form(step=0))
    assert restart_lower.status_code == 302
    assert PlanVersion.objects.count() == 3


# --- the dosing time ------------------------------------------------------------------------


def test_switching_to_the_dosing_time_in_effect_is_refused_on_the_page(
    clinician_client, patient_a, prescription
):
    data = {
        "based_on": "1",
        "dosing_time": "evening",
        "effective_night": str(TONIGHT + timedelta(days=1)),
        "reason": "Insomnia",
        "patient_note": "",
    }
    response = clinician_client.post(url("plan_dosing_time", patient_a), data)
    assert response.status_code == 200
    assert "The plan already uses evening dosing" in text(response)
    assert PlanVersion.objects.count() == 1


# --- the pure comparison --------------------------------------------------------------------


def plain(number, steps, *, effective=START, start=START, **extra):
    return PlainVersion(
        number=number,
        effective_night=effective,
        start_date=start,
        steps=tuple(Step(Decimal(dose), days) for dose, days in steps),
        **extra,
    )


CLASSIC = (("1.5", 14), ("3.0", 14), ("4.5", None))


def test_the_same_doses_written_with_other_decimals_change_nothing():
    current = plain(1, CLASSIC)
    proposed = plain(2, (("1.50", 14), ("3", 14), ("4.500", None)), effective=TONIGHT)
    assert changes_nothing((current,), proposed)


def test_overriding_a_change_scheduled_for_later_is_a_change():
    """Version 2 lowers the dose from 20 March; the old steps again from tonight undo it."""
    versions = (
        plain(1, CLASSIC),
        plain(2, (("1.5", None),), effective=date(2026, 3, 20), start=date(2026, 3, 20)),
    )
    assert not changes_nothing(versions, plain(3, CLASSIC, effective=TONIGHT))


def test_new_steps_under_an_open_ended_hold_are_a_change():
    """No night differs, but a restart after the hold begins from the new steps."""
    held = plain(2, CLASSIC, effective=TONIGHT, hold_from=TONIGHT)
    lower = plain(3, (("1.5", None),), effective=TONIGHT, hold_from=TONIGHT)
    same = plain(3, CLASSIC, effective=TONIGHT, hold_from=TONIGHT)
    assert not changes_nothing((plain(1, CLASSIC), held), lower)
    assert changes_nothing((plain(1, CLASSIC), held), same)


def test_restarting_the_day_count_of_the_last_step_is_a_change():
    """The same 4.5 mg, but its nights counted from tonight (the maintenance suggestion reads
    them)."""
    current = plain(1, (("4.5", None),))
    assert not changes_nothing(
        (current,), plain(2, (("4.5", None),), effective=TONIGHT, start=TONIGHT)
    )


def test_the_refusal_is_written_in_the_pages_language(clinician_client, patient_a, prescription):
    response = clinician_client.post(
        url("plan_change", patient_a), steps_form(SAME_STEPS_TYPED), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "Nichts zu signieren: Die Stufen sind dieselben" in text(response)
    assert PlanVersion.objects.count() == 1
