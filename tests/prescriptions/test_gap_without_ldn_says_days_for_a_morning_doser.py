"""The no-LDN gap of a steps change is told in the patient's unit: a morning doser's are
days. The message, the "I confirm ..." box and its help said "nights" (and "before step 1
starts on the night of") to a morning doser, whose labels on the same form say "the day of".
The save's message and the form's box read one dosing time (changes.words_dosing_time)."""

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan
from tests.prescriptions.factories import steps_data
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # London: tonight (today) is 3 Dec

SAYS = {
    "evening": (
        "without LDN for 29 nights, from 3 Dec 2026 to 31 Dec 2026, "
        "before step 1 starts on the night of 1 Jan 2027",
        "I confirm the nights without LDN",
        "without LDN on some nights before step 1 starts",
    ),
    "morning": (
        "without LDN for 29 days, from 3 Dec 2026 to 31 Dec 2026, "
        "before step 1 starts on the day of 1 Jan 2027",
        "I confirm the days without LDN",
        "without LDN on some days before step 1 starts",
    ),
}
TRANSLATED = {
    "de": ("29 Tage ohne LDN", "Ich bestätige die Tage ohne LDN"),
    "es": ("durante 29 días", "Confirmo los días sin LDN"),
}


def _post(client, patient, **extra):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_change", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "effective_night": "2026-12-03",
                "start_date": "2027-01-01",
                "reason": "New year restart",
                **steps_data([("4.5", "")]),
                **extra,
            },
        )


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
def test_the_gap_and_its_confirmation_box_count_in_the_patients_unit(
    patient_a, clinician_a, dosing_time
):
    make_plan(patient_a, clinician_a, steps=(("4.5", None),), dosing_time=dosing_time)
    response = _post(signed_in_reauthenticated(clinician_a), patient_a)
    assert response.status_code == 200
    text = _text(response)
    gap, box, help_text = SAYS[dosing_time]
    other_gap, other_box, other_help = SAYS["morning" if dosing_time == "evening" else "evening"]
    assert gap in text
    assert f"Tick “{box}”" in text  # the message names the box as it is labelled
    assert box in text.replace(f"Tick “{box}”", "")  # the box's own label
    assert help_text in text
    for wrong in (other_gap, other_box, other_help):
        assert wrong not in text
    assert plans.load(patient_a).latest.number == 1


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
def test_the_confirmed_gap_is_recorded_in_the_patients_unit(patient_a, clinician_a, dosing_time):
    make_plan(patient_a, clinician_a, steps=(("4.5", None),), dosing_time=dosing_time)
    response = _post(signed_in_reauthenticated(clinician_a), patient_a, confirm_gap="on")
    assert response.status_code == 302
    assert SAYS[dosing_time][0] in plans.load(patient_a).latest_row.confirmed_safety_warning


@pytest.mark.parametrize("language", sorted(TRANSLATED))
def test_a_morning_dosers_gap_is_said_in_days_in_german_and_spanish(
    patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a, steps=(("4.5", None),), dosing_time="morning")
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    text = _text(_post(signed_in_reauthenticated(clinician_a), patient_a))
    for expected in TRANSLATED[language]:
        assert expected in text
