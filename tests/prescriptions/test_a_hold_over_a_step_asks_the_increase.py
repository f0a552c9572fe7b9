"""A hold is checked for the increase it makes: the steps are dated, so a hold over a whole
middle step (1.5 mg from 1 Dec, 3 mg 8-14 Dec, 4.5 mg from 15 Dec; held 8-14 Dec) took the
patient from 1.5 to 4.5 mg on 15 Dec and nobody was asked. It now asks through the one check
(safety.increase_warnings) and the same box as the other changes; a hold that makes no
jump, or keeps one the steps already had, asks nothing."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.changes import NeedsConfirmation, hold_change
from tests.patients.journal_support import make_plan, sign_change
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 14:00 in London: tonight is 1 Dec
DEC_1 = date(2026, 12, 1)


def _plan(patient, clinician, *doses):
    """``doses[0]`` for 7 nights from 1 Dec, ``doses[1]`` for 7 (8-14 Dec), then ``doses[2]``."""
    first, middle, last = doses
    make_plan(
        patient,
        clinician,
        steps=((first, 7), (middle, 7), (last, None)),
        start=DEC_1,
        formulation="other",
    )


def _hold(patient, clinician, hold_from, hold_until, **confirmed):
    return sign_change(
        patient,
        clinician,
        lambda plan: hold_change(
            plan.latest,
            hold_from=hold_from,
            hold_until=hold_until,
            reason="Surgery",
            versions=tuple(plan.versions),
        ),
        SIGNED,
        **confirmed,
    )


def _post_hold(client, patient, **extra):
    with time_machine.travel(SIGNED, tick=False):
        return client.post(
            reverse("clinic:plan_hold", args=[patient.pk]),
            {
                "based_on": "1",
                "hold_reason": "planned_surgery",
                "hold_from": "2026-12-08",
                "hold_until": "2026-12-14",
                "reason": "Surgery",
                **extra,
            },
        )


def test_a_hold_over_the_whole_middle_step_is_refused_with_the_increase_box_and_nothing_stored(
    patient_a, clinician_a
):
    _plan(patient_a, clinician_a, "1.5", "3", "4.5")
    response = _post_hold(signed_in_reauthenticated(clinician_a), patient_a)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please confirm this increase" in html
    assert "4.5 mg on the night of 15 Dec 2026 after 1.5 mg on the night of 7 Dec 2026" in html
    assert 'name="confirm_increase"' in html
    assert plans.load(patient_a).latest.number == 1


def test_a_hold_over_the_whole_middle_step_confirmed_is_saved_with_the_confirmation(
    patient_a, clinician_a
):
    _plan(patient_a, clinician_a, "1.5", "3", "4.5")
    response = _post_hold(signed_in_reauthenticated(clinician_a), patient_a, confirm_increase="on")
    assert response.status_code == 302
    latest = plans.load(patient_a).latest_row
    assert latest.number == 2
    assert latest.hold_from == date(2026, 12, 8)
    assert "an increase of 3 mg" in latest.confirmed_safety_warning


def test_a_hold_inside_one_step_signs_without_asking(patient_a, clinician_a):
    _plan(patient_a, clinician_a, "1.5", "3", "4.5")
    version = _hold(patient_a, clinician_a, date(2026, 12, 9), date(2026, 12, 12))
    assert version.number == 2
    assert version.confirmed_safety_warning == ""


def test_a_hold_asks_nothing_of_a_step_up_the_signed_steps_already_had(patient_a, clinician_a):
    """1.5 mg then 4.5 mg from 8 Dec (+3 mg, confirmed when signed): a hold of 3-5 Dec
    leaves that step up as it was, so it is not asked again."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 7), ("4.5", None)), start=DEC_1)
    version = _hold(patient_a, clinician_a, date(2026, 12, 3), date(2026, 12, 5))
    assert version.confirmed_safety_warning == ""


@pytest.mark.parametrize(("last", "asked"), [("3", False), ("3.01", True), ("4.5", True)])
def test_a_hold_over_the_middle_step_asks_only_above_one_and_a_half_mg(
    patient_a, clinician_a, last, asked
):
    """1.5 mg, 2.5 mg held, then ``last``: +1.5 mg is the most allowed in one step."""
    _plan(patient_a, clinician_a, "1.5", "2.5", last)
    if asked:
        with pytest.raises(NeedsConfirmation):
            _hold(patient_a, clinician_a, date(2026, 12, 8), date(2026, 12, 14))
        assert plans.load(patient_a).latest.number == 1
    else:
        assert _hold(patient_a, clinician_a, date(2026, 12, 8), date(2026, 12, 14)).number == 2


def test_a_hold_from_the_plans_first_night_over_its_first_step_asks_nothing(patient_a, clinician_a):
    """No dose before the hold (the plan begins with it): no night to compare with, and
    the steps' own step up is not the hold's (it was compared with None: a 500)."""
    _plan(patient_a, clinician_a, "1.5", "3", "4.5")
    version = _hold(patient_a, clinician_a, DEC_1, date(2026, 12, 7))
    assert version.confirmed_safety_warning == ""
