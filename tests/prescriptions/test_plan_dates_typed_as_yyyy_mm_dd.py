"""A plan change's dates are taken as YYYY-MM-DD only, and a date typed otherwise is refused
with a message that says so, in the dose's own unit; nothing is signed.

The fields took the language's formats too: without a date picker, "04/12/2026" typed by a
clinician in English was 12 April (month first), and a year in Arabic-Indic digits was read.
"""

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # London is on GMT
STEPS = {
    "start_date": "2026-11-26",
    "steps-TOTAL_FORMS": "1",
    "steps-INITIAL_FORMS": "0",
    "steps-MIN_NUM_FORMS": "0",
    "steps-MAX_NUM_FORMS": "1000",
    "steps-0-dose_mg": "3.0",
    "steps-0-days": "",
}
FORMS = {
    "change": ("clinic:plan_change", "effective_night", STEPS),
    "step 1": ("clinic:plan_change", "start_date", {"effective_night": "2026-11-26", **STEPS}),
    "hold": ("clinic:plan_hold", "hold_from", {"hold_reason": "other", "hold_until": ""}),
    "hold end": (
        "clinic:plan_hold",
        "hold_until",
        {"hold_reason": "other", "hold_from": "2026-11-26"},
    ),
    "restart": ("clinic:plan_resume", "resume_on", {"step": "0"}),
    "switch": ("clinic:plan_dosing_time", "effective_night", {"dosing_time": "morning"}),
}
TYPED = ["04/12/2026", "4.12.2026", "2026-12-4", "\u0662\u0660\u0662\u0666-12-04", "2026/12/04"]


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
def test_a_date_typed_otherwise_is_refused_saying_how(
    patient_a, clinician_a, form, typed, dosing_time
):
    name, field, fields = FORMS[form]
    if form == "switch" and dosing_time == "morning":
        fields = {**fields, "dosing_time": "evening"}
    held = datetime(2026, 11, 20).date() if form == "restart" else None
    make_plan(patient_a, clinician_a, dosing_time=dosing_time, hold_from=held)
    data = {"based_on": "1", "reason": "Review", "patient_note": "", **fields, field: typed}
    with time_machine.travel(NOON, tick=False):
        response = signed_in_reauthenticated(clinician_a).post(
            reverse(name, args=[patient_a.pk]), data
        )
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", html.unescape(response.content.decode()))
    unit = "day" if dosing_time == "morning" else "night"
    assert f"Enter the {unit} as YYYY-MM-DD." in page
    assert f'value="{typed}"' in html.unescape(response.content.decode())
    assert PlanVersion.objects.filter(prescription__patient=patient_a).count() == 1


def test_the_same_date_as_yyyy_mm_dd_is_signed(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    data = {
        "based_on": "1",
        "reason": "Review",
        "patient_note": "",
        "hold_reason": "other",
        "hold_from": "2026-12-04",
        "hold_until": "2026-12-05",
    }
    with time_machine.travel(NOON, tick=False):
        response = signed_in_reauthenticated(clinician_a).post(
            reverse("clinic:plan_hold", args=[patient_a.pk]), data
        )
    assert response.status_code == 302
    hold = PlanVersion.objects.filter(prescription__patient=patient_a).latest("number")
    assert (str(hold.hold_from), str(hold.hold_until)) == ("2026-12-04", "2026-12-05")
