"""A steps change that leaves nights without LDN and raises the dose asks both boxes in one
refusal, as the skipped steps and the increase are asked (NeedsStartConfirmation): the gap
was asked first, and once ticked and signed, the increase came as a second refusal, so one
save was signed three times (found by QA)."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.prescriptions.factories import steps_data
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec


def _post(client, patient, **boxes):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_change", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "effective_night": "2026-12-02",
                "start_date": "2026-12-06",
                "reason": "Faster after a break",
                **steps_data([("4.5", "")]),
                **boxes,
            },
        )


def _page(response):
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_one_refusal_asks_the_gap_and_the_increase(patient_on_2mg, clinician):
    client = signed_in_reauthenticated(clinician)
    page = _page(_post(client, patient_on_2mg))
    assert "without LDN for 4 nights" in page
    assert "Please confirm this increase:" in page
    assert (
        "Tick “I confirm the nights without LDN” and “I confirm this increase” and sign again"
        in page
    )
    assert 'id="id_confirm_gap"' in page
    assert 'id="id_confirm_increase"' in page
    assert plans.load(patient_on_2mg).latest.number == 1


def test_both_boxes_ticked_save_at_once(patient_on_2mg, clinician):
    client = signed_in_reauthenticated(clinician)
    response = _post(client, patient_on_2mg, confirm_gap="on", confirm_increase="on")
    assert response.status_code == 302
    confirmed = plans.load(patient_on_2mg).latest_row.confirmed_safety_warning
    assert "without LDN for 4 nights" in confirmed


def test_the_gap_alone_ticked_still_asks_the_increase(patient_on_2mg, clinician):
    client = signed_in_reauthenticated(clinician)
    page = _page(_post(client, patient_on_2mg, confirm_gap="on"))
    assert "Please confirm this increase:" in page
    assert "without LDN for 4 nights" not in page.split("error-summary", 1)[1].split("</div>")[0]
    assert plans.load(patient_on_2mg).latest.number == 1
