""" "Add another step" draws the page again with one more row: the confirmation boxes the
clinician had ticked stay ticked (the start box carried "2026-12-05:2" and was dropped, so
the next sign asked again). A box still binds what it confirms: ticked for a question the
edited steps no longer ask, it confirms nothing."""

import re

import pytest

from prescriptions import plans
from prescriptions.models import PlanVersion, Prescription
from tests.prescriptions.skipped_steps_support import (
    EVENING,
    box,
    ended_on_dec_3,
    new_prescription,
    new_prescription_page,
)
from tests.prescriptions.step_numbers_support import _change_url, _form_inputs, _open, _post

pytestmark = pytest.mark.django_db


def _change_page(clinician, patient, **changed):
    data = _form_inputs(_open(clinician, _change_url(patient), EVENING).content.decode())
    return {**data, "reason": "Review", **changed}


def _versions(patient):
    return PlanVersion.objects.filter(prescription__patient=patient).count()


def test_add_another_step_keeps_the_ticked_start_box(clinician_a, on_night_4_of_step_1):
    data = _change_page(
        clinician_a, on_night_4_of_step_1, **{"steps-0-days": "3", "confirm_start": "2026-12-05:2"}
    )
    added = _post(
        clinician_a, _change_url(on_night_4_of_step_1), {**data, "add_step": "1"}, EVENING
    )
    assert added.status_code == 200
    assert box(added) == ("2026-12-05:2", True, "I confirm step 2 starts on 5 Dec 2026")
    # Signed as drawn (the box ticked, the empty row added): saved, nothing asked again.
    page = added.content.decode()
    signed = _post(
        clinician_a,
        _change_url(on_night_4_of_step_1),
        {**_form_inputs(page), "confirm_start": box(added)[0]},
        EVENING,
    )
    assert signed.status_code == 302
    assert _versions(on_night_4_of_step_1) == 2


def test_add_another_step_keeps_the_ticked_increase_box(clinician_a, on_night_4_of_step_1):
    data = _change_page(clinician_a, on_night_4_of_step_1, confirm_increase="on")
    added = _post(
        clinician_a, _change_url(on_night_4_of_step_1), {**data, "add_step": "1"}, EVENING
    )
    assert added.status_code == 200
    # Kept on main already (a plain box drawn from the form's initial): kept as a guard.
    assert re.search(
        r'<input type="checkbox" name="confirm_increase"[^>]* checked>', added.content.decode()
    )


def test_a_kept_box_made_stale_by_the_edit_confirms_nothing(clinician_a, on_night_4_of_step_1):
    # Ticked for step 2 from 5 Dec, then the steps edited so tonight is step 3: asked again.
    data = _change_page(
        clinician_a, on_night_4_of_step_1, **{"steps-0-days": "3", "confirm_start": "2026-12-05:2"}
    )
    added = _post(
        clinician_a, _change_url(on_night_4_of_step_1), {**data, "add_step": "1"}, EVENING
    )
    edited = {
        **_form_inputs(added.content.decode()),
        "confirm_start": box(added)[0],
        "steps-0-days": "2",
        "steps-1-days": "1",
        "steps-2-dose_mg": "3.00",
    }
    refused = _post(clinician_a, _change_url(on_night_4_of_step_1), edited, EVENING)
    assert refused.status_code == 200
    assert box(refused)[:2] == ("2026-12-05:3", False)
    assert _versions(on_night_4_of_step_1) == 1


@pytest.fixture
def ended(patient_a, clinician_a):
    ended_on_dec_3(patient_a, clinician_a)
    assert plans.load(patient_a).open_prescription is None
    return patient_a


def test_add_another_step_on_a_new_prescription_keeps_the_ticked_start_box(clinician_client, ended):
    added = new_prescription_page(
        clinician_client,
        ended,
        {**new_prescription(confirm_start="2026-11-01:2"), "add_step": "1"},
    )
    assert added.status_code == 200
    assert box(added)[:2] == ("2026-11-01:2", True)
    signed = new_prescription_page(
        clinician_client, ended, new_prescription(confirm_start=box(added)[0])
    )
    assert signed.status_code == 302
    assert Prescription.objects.filter(patient=ended).count() == 2
