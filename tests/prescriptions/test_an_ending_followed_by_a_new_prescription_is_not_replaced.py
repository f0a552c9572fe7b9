"""An ending that took effect is not "replaced before it started" because a new prescription
begins on its first night (found by QA): a prescription ended from 6 Dec and a new one from
6 Dec read "Prescription ended — from 6 Dec 2026 (replaced before it started)" under
"Earlier prescriptions (1)" on My plan, and the visit report listed the ending apart, as a
change that never happened. Only a later version of the SAME prescription replaces a version
(PlanView._superseded_by, the one rule My plan and the report read)."""

import json
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.exports_support import body
from tests.patients.journal_support import sign_ending, sign_steps, visible_text
from tests.prescriptions.factories import make_prescription, prescribe_again
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

DEC_6 = date(2026, 12, 6)
LATER = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


@pytest.fixture
def ended_then_prescribed_from_the_same_night(patient_a, clinician_a):
    make_prescription(patient_a, clinician_a, date(2026, 11, 1), dosing_time="morning")
    sign_ending(patient_a, clinician_a, DEC_6, "Switching to liquid")
    prescribe_again(patient_a, clinician_a, DEC_6)
    return patient_a


def test_the_ending_that_took_effect_is_not_replaced_before_effect(
    ended_then_prescribed_from_the_same_night,
):
    view = plans.load(ended_then_prescribed_from_the_same_night)
    ending = next(row for row in view.history if row.kind == PlanVersion.Kind.ENDED)
    assert ending.pk not in view.replaced_before_effect()
    assert ending in view.changes_between(DEC_6, DEC_6)


def test_a_version_replaced_by_a_later_one_of_its_prescription_still_is(patient_a, clinician_a):
    """A steps change signed for 10 Dec, then the prescription ended from 6 Dec and a new
    one from 6 Dec: the steps change never governed a night (its own prescription's ending
    replaced it); the ending did."""
    make_prescription(patient_a, clinician_a, date(2026, 11, 1))
    sign_steps(
        patient_a,
        clinician_a,
        date(2026, 12, 10),
        (("3", None),),
        signed=datetime(2026, 12, 5, 12, tzinfo=UTC),
    )
    sign_ending(patient_a, clinician_a, DEC_6, "Stop sooner")
    prescribe_again(patient_a, clinician_a, DEC_6)
    view = plans.load(patient_a)
    steps, ending = view.history[1], view.history[2]
    assert ending.kind == PlanVersion.Kind.ENDED
    assert view.replaced_before_effect() == {steps.pk: ending}


def _earlier(html):
    return visible_text(
        re.search(r'<details class="earlier-prescriptions">.*?</details>', html, re.S).group(0)
    )


def test_my_plan_names_the_ending_without_replaced(ended_then_prescribed_from_the_same_night):
    patient = ended_then_prescribed_from_the_same_night
    with time_machine.travel(LATER, tick=False):
        html = signed_in(patient.user).get(reverse("journal:plan")).content.decode()
    earlier = _earlier(html)
    assert "Prescription ended — from 6 Dec 2026" in earlier
    assert "replaced before it started" not in earlier
    assert "<s><strong>Prescription ended" not in html


def test_the_clinicians_plan_page_names_the_ending_without_replaced(
    ended_then_prescribed_from_the_same_night, clinician_a
):
    patient = ended_then_prescribed_from_the_same_night
    with time_machine.travel(LATER, tick=False):
        client = signed_in_reauthenticated(clinician_a)
        html = client.get(reverse("clinic:plan", args=[patient.pk])).content.decode()
    earlier = _earlier(html)
    assert "Prescription ended" in earlier
    assert "replaced" not in earlier.lower()


def test_the_fhir_export_does_not_cancel_the_ending_either(
    ended_then_prescribed_from_the_same_night, clinician_a
):
    """The export read "replaced" across prescriptions (its own copy of the rule): the ending
    went out as a cancelled MedicationRequest, "it governed no night", beside a report and a
    My plan showing it as the ending it was."""
    patient = ended_then_prescribed_from_the_same_night
    with time_machine.travel(LATER, tick=False):
        client = signed_in_reauthenticated(clinician_a)
        data = json.loads(body(client.get(reverse("clinic:export", args=[patient.pk, "fhir"]))))
        view = plans.load(patient)
    requests = {
        entry["resource"]["identifier"][0]["value"]: entry["resource"]
        for entry in data["entry"]
        if entry["resource"]["resourceType"] == "MedicationRequest"
    }
    ending = next(row for row in view.history if row.kind == PlanVersion.Kind.ENDED)
    [ending_request] = [
        r for key, r in requests.items() if key == f"{ending.prescription_id}-{ending.number}"
    ]
    assert ending_request["status"] != "cancelled"
    # The export cancels what My plan and the report call replaced: here, nothing.
    assert view.replaced_before_effect() == {}
    assert {key for key, r in requests.items() if r["status"] == "cancelled"} == set()
