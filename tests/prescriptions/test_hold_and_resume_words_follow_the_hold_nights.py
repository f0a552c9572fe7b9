"""The Hold and Resume pages name their dates in the words of the dosing time on those
dates, not tonight's (found by QA): a patient whose plan is morning dosing from 6 Dec read
"Hold from the night of" on 5 Dec for a hold from 6 Dec. SignedVersionForm labels each date
field by the plan's dosing time on its night (PlanView.dosing_time_on)."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan, sign_hold, switch_dosing_time
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # London: tonight (evening dosing) is 5 Dec


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def mornings_from_dec_6(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("4.5", None),))
    switch_dosing_time(
        patient_a,
        clinician_a,
        "morning",
        date(2026, 12, 6),
        signed=datetime(2026, 12, 4, 12, tzinfo=UTC),
    )
    return signed_in_reauthenticated(clinician_a)


def _hold_post(client, patient, hold_from, hold_until=""):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_hold", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "hold_reason": "surgery",
                "hold_from": hold_from,
                "hold_until": hold_until,
                "reason": "",  # refused: the page is drawn again with the posted dates
            },
        )


def test_a_hold_from_a_morning_night_is_labelled_in_days(patient_a, mornings_from_dec_6):
    text = _text(_hold_post(mornings_from_dec_6, patient_a, "2026-12-06", "2026-12-09"))
    assert "Hold from the day of" in text
    assert "Hold until the day of" in text
    assert "Hold from the night of" not in text
    assert "Hold until the night of" not in text


def test_a_hold_from_tonights_evening_keeps_nights(patient_a, mornings_from_dec_6):
    text = _text(_hold_post(mornings_from_dec_6, patient_a, "2026-12-05", "2026-12-05"))
    assert "Hold from the night of" in text
    assert "Hold until the night of" in text


def test_the_hold_pages_dates_are_named_as_the_patient_doses_then(patient_a, mornings_from_dec_6):
    with time_machine.travel(NOW, tick=False):
        text = _text(mornings_from_dec_6.get(reverse("clinic:plan_hold", args=[patient_a.pk])))
    # Opened on tonight (5 Dec, an evening): its night.
    assert "Hold from the night of" in text


def test_the_resume_page_names_a_morning_restart_as_a_day(
    patient_a, clinician_a, mornings_from_dec_6
):
    sign_hold(patient_a, clinician_a, date(2026, 12, 5), date(2026, 12, 7), signed=NOW)
    with time_machine.travel(NOW, tick=False):
        text = _text(mornings_from_dec_6.get(reverse("clinic:plan_resume", args=[patient_a.pk])))
    # Opens on the night after the hold, 8 Dec: a morning.
    assert "Restart on the day of" in text
    assert "Restart on the night of" not in text
