"""A steps change that leaves nights without LDN, moves the patient onto a later step and
raises the dose asks all three in one refusal, every box drawn together: the gap and the
increase were asked first, and once ticked and signed, the skipped steps came as a second
refusal (found by QA). Here: 2 mg nightly, a hold on 6-8 Dec; signed on 2 Dec, step 1 (4 mg
for 3 nights) starts on 6 Dec, inside the hold, so 2-5 Dec have no LDN and the patient
comes back on 9 Dec on step 2, 4.5 mg, 2.5 mg above the 2 mg before."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import sign_hold
from tests.prescriptions.factories import steps_data
from tests.prescriptions.skipped_steps_support import box, text
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec

GAP = (
    "This change leaves the patient without LDN for 4 nights, from 2 Dec 2026 to 5 Dec "
    "2026, before step 1 starts on the night of 6 Dec 2026."
)
SKIPPED = (
    "Step 2 now starts on 9 Dec 2026: on 9 Dec, when the hold ends, the patient moves from "
    "step 1, 2 mg, to step 2, 4.5 mg."
)
INCREASE = (
    "Please confirm this increase: 4.5 mg on the night of 9 Dec 2026 after 2 mg on the night "
    "of 1 Dec 2026 (no dose in between) is an increase of 2.5 mg, more than 1.5 mg in one "
    "step."
)
START_BOX = "2026-12-09:2"
ALL_TICKED = {"confirm_gap": "on", "confirm_start": START_BOX, "confirm_increase": "on"}


@pytest.fixture
def held_on_6_to_8_dec(patient_on_2mg, clinician):
    sign_hold(
        patient_on_2mg,
        clinician,
        date(2026, 12, 6),
        date(2026, 12, 8),
        signed=datetime(2026, 12, 1, 12, tzinfo=UTC),
    )
    return patient_on_2mg


def _post(clinician, patient, **boxes):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_change", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "effective_night": "2026-12-02",
                "start_date": "2026-12-06",
                "reason": "Faster after surgery",
                **steps_data([("4", "3"), ("4.5", "")]),
                **boxes,
            },
        )


def _boxes(response):
    """The confirmation boxes drawn, by name."""
    return set(
        re.findall(r'<input type="checkbox" name="(confirm_\w+)"', response.content.decode())
    )


def test_one_refusal_asks_the_gap_the_skipped_steps_and_the_increase(held_on_6_to_8_dec, clinician):
    response = _post(clinician, held_on_6_to_8_dec)
    assert response.status_code == 200
    assert (
        f"{GAP} {SKIPPED} {INCREASE} Tick “I confirm the nights without LDN”, “I confirm "
        "step 2 starts on 9 Dec 2026” and “I confirm this increase” and sign again to save "
        "it, or change the start date or the steps; nothing was saved." in text(response)
    )
    assert _boxes(response) == {"confirm_gap", "confirm_start", "confirm_increase"}
    assert box(response)[:2] == (START_BOX, False)
    assert plans.load(held_on_6_to_8_dec).latest.number == 2


def test_the_three_boxes_ticked_save_at_once_and_the_version_records_each(
    held_on_6_to_8_dec, clinician
):
    response = _post(clinician, held_on_6_to_8_dec, **ALL_TICKED)
    assert response.status_code == 302
    confirmed = plans.load(held_on_6_to_8_dec).latest_row.confirmed_safety_warning
    assert all(part in confirmed for part in (GAP, SKIPPED, INCREASE.split(": ", 1)[1]))


@pytest.mark.parametrize("ticked", ["confirm_gap", "confirm_start", "confirm_increase"])
def test_one_box_alone_saves_nothing_and_the_rest_are_asked_together(
    held_on_6_to_8_dec, clinician, ticked
):
    response = _post(clinician, held_on_6_to_8_dec, **{ticked: ALL_TICKED[ticked]})
    assert response.status_code == 200
    assert plans.load(held_on_6_to_8_dec).latest.number == 2
    summary = text(response).split("Please check this form", 1)[1].split("Takes effect", 1)[0]
    asked = {
        "confirm_gap": GAP in summary,
        "confirm_start": SKIPPED in summary,
        "confirm_increase": INCREASE in summary,
    }
    assert asked == {name: name != ticked for name in asked}


def test_a_start_box_ticked_for_another_step_confirms_nothing(held_on_6_to_8_dec, clinician):
    response = _post(
        clinician, held_on_6_to_8_dec, **{**ALL_TICKED, "confirm_start": "2026-12-09:3"}
    )
    assert response.status_code == 200
    assert SKIPPED in text(response)
    assert box(response)[:2] == (START_BOX, False)
    assert plans.load(held_on_6_to_8_dec).latest.number == 2
