"""The no-LDN gap of a steps change is told in the dosing time of the gap's own nights, not
tonight's (found by QA): an evening doser switched to mornings from 8 Dec, whose Change steps
took effect on 10 Dec with step 1 on 12 Dec, read "without LDN for 2 nights" and "I confirm
the nights without LDN" on 5 Dec, though 10-11 Dec are mornings. changes._confirmed_gap reads
the plan's dosing time on the gap's first night; the box the save asks for says the same."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.prescriptions.factories import steps_data
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # London: tonight (evening dosing) is 5 Dec

SAYS = {
    "morning": (
        "without LDN for 2 days, from 10 Dec 2026 to 11 Dec 2026, "
        "before step 1 starts on the day of 12 Dec 2026",
        "I confirm the days without LDN",
        "without LDN on some days before step 1 starts",
    ),
    "evening": (
        "without LDN for 2 nights, from 10 Dec 2026 to 11 Dec 2026, "
        "before step 1 starts on the night of 12 Dec 2026",
        "I confirm the nights without LDN",
        "without LDN on some nights before step 1 starts",
    ),
}


def _setup(patient, clinician, tonight_time, switch_to):
    make_plan(patient, clinician, steps=(("4.5", None),), dosing_time=tonight_time)
    switch_dosing_time(
        patient,
        clinician,
        switch_to,
        date(2026, 12, 8),
        signed=datetime(2026, 12, 4, 12, tzinfo=UTC),
    )
    return signed_in_reauthenticated(clinician)


def _post(client, patient, **extra):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_change", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "effective_night": "2026-12-10",
                "start_date": "2026-12-12",
                "reason": "Restart slower",
                **steps_data([("4.5", "")]),
                **extra,
            },
        )


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.mark.parametrize(
    ("tonight_time", "gap_time"), [("evening", "morning"), ("morning", "evening")]
)
def test_the_gap_and_its_box_are_said_in_the_gap_nights_dosing_time(
    patient_a, clinician_a, tonight_time, gap_time
):
    client = _setup(patient_a, clinician_a, tonight_time, gap_time)
    number = plans.load(patient_a).latest.number
    response = _post(client, patient_a)
    assert response.status_code == 200
    text = _text(response)
    gap, box, help_text = SAYS[gap_time]
    other = SAYS[tonight_time]
    assert gap in text
    assert f"Tick “{box}”" in text
    assert box in text.replace(f"Tick “{box}”", "")  # the box's own label
    assert help_text in text
    for wrong in other:
        assert wrong not in text
    assert plans.load(patient_a).latest.number == number


def test_the_confirmed_gap_is_recorded_in_the_gap_nights_dosing_time(patient_a, clinician_a):
    client = _setup(patient_a, clinician_a, "evening", "morning")
    response = _post(client, patient_a, confirm_gap="on")
    assert response.status_code == 302
    assert SAYS["morning"][0] in plans.load(patient_a).latest_row.confirmed_safety_warning


def test_the_change_pages_dates_are_labelled_as_the_patient_doses_then(patient_a, clinician_a):
    """10 and 12 Dec are mornings: the fields holding them say "the day of", as the gap."""
    text = _text(_post(_setup(patient_a, clinician_a, "evening", "morning"), patient_a))
    assert "Takes effect from the day of" in text
    assert "Step 1 starts on the day of" in text
    assert "Takes effect from the night of" not in text
    assert "Step 1 starts on the night of" not in text


def test_the_change_page_opened_on_an_evening_says_night_of(patient_a, clinician_a):
    client = _setup(patient_a, clinician_a, "evening", "morning")
    with time_machine.travel(NOW, tick=False):
        text = _text(client.get(reverse("clinic:plan_change", args=[patient_a.pk])))
    assert "Takes effect from the night of" in text  # opens on tonight, 5 Dec: an evening
