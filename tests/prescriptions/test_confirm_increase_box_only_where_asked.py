""" "I confirm this increase" only where a change can raise the dose, and only when asked
(found by QA): the hold and dosing-time pages always showed the box, though a hold or a
switch asks for it only when the save says so (NeedsConfirmation), as the change and resume
pages do (_confirm_increase.html)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
BOX = "I confirm this increase"


def _get(client, name, patient):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse(name, args=[patient.pk])).content.decode()


@pytest.mark.parametrize("name", ["clinic:plan_hold", "clinic:plan_dosing_time"])
def test_the_page_does_not_offer_to_confirm_an_increase_nobody_asked_for(
    patient_a, clinician_a, name
):
    make_plan(patient_a, clinician_a)
    html = _get(signed_in_reauthenticated(clinician_a), name, patient_a)
    assert BOX not in html
    assert 'name="confirm_increase"' not in html


def test_the_resume_page_shows_no_box_until_the_save_asks(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, hold_from=datetime(2026, 11, 20).date())
    html = _get(signed_in_reauthenticated(clinician_a), "clinic:plan_resume", patient_a)
    assert html.count('name="confirm_increase"') == 0


def test_a_hold_still_signs_without_the_box(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("clinic:plan_hold", args=[patient_a.pk]),
            {
                "based_on": "1",
                "hold_reason": "planned_surgery",
                "hold_from": "2026-12-05",
                "hold_until": "2026-12-09",
                "reason": "Surgery",
            },
        )
    assert response.status_code == 302
    assert plans.load(patient_a).latest.hold_from is not None
