"""The dosing-time switch form's date error names the switch's first date in the unit the
patient doses by on it: a switch to mornings starts on a day. It said "The switch's first
night must be between …" to every patient, as the other plan forms did before their dates
were named as their labels (a751657); the switch's date is the first under the dosing time
chosen, so that one decides (SignedVersionForm.date_name)."""

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # London is on GMT
TOO_EARLY = "2026-11-01"  # before tonight
TOO_LATE = "2028-01-01"  # over a year ahead

SAYS = {
    "en": ("The switch's first night", "The switch's first day", "must be between"),
    "de": ("Die erste Nacht der Umstellung", "Der erste Tag der Umstellung", "muss zwischen"),
    "es": (
        "La primera noche del cambio de hora",
        "El primer día del cambio de hora",
        "debe estar entre",
    ),
}
OTHER = {"evening": "morning", "morning": "evening"}


@pytest.mark.parametrize("value", [TOO_EARLY, TOO_LATE])
@pytest.mark.parametrize("language", sorted(SAYS))
@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
def test_the_switchs_first_date_is_named_in_the_unit_switched_to(
    patient_a, clinician_a, dosing_time, language, value
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    switched_to = OTHER[dosing_time]
    with time_machine.travel(NOON, tick=False):
        response = signed_in_reauthenticated(clinician_a).post(
            reverse("clinic:plan_dosing_time", args=[patient_a.pk]),
            {
                "based_on": "1",
                "dosing_time": switched_to,
                "effective_night": value,
                "reason": "Sleep",
            },
        )
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", html.unescape(response.content.decode()))
    night, day, between = SAYS[language]
    said, not_said = (day, night) if switched_to == "morning" else (night, day)
    assert f"{said} {between}" in page
    assert not_said not in page
