"""The home card's skip button says the night as the card's title does.

Between midnight and the end of the dosing window an evening doser's card is titled "Last
night" (the dose is last night's), but its button read "Skip tonight" (found by QA, h3).
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import titration
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")


@pytest.mark.parametrize(
    ("moment", "dosing_time", "title", "button", "not_said"),
    [
        # London is on UTC in November; the night of 25 Nov.
        (
            datetime(2026, 11, 25, 21, 0, tzinfo=UTC),
            "evening",
            "Tonight",
            "Skip tonight",
            "Skip last",
        ),
        (
            datetime(2026, 11, 26, 1, 0, tzinfo=UTC),
            "evening",
            "Last night",
            "Skip last night’s dose",
            "Skip tonight",
        ),
        (
            datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
            "morning",
            "Today",
            "Skip today",
            "Skip tonight",
        ),
    ],
)
def test_the_skip_button_names_the_night_as_the_card_title_does(
    patient_client, patient_a, clinician_a, moment, dosing_time, title, button, not_said
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(moment, tick=False):
        page = " ".join(patient_client.get(HOME).content.decode().split())
    assert f'class="card-title">{title} ·' in page
    assert button in page
    assert not_said not in page


def test_the_last_night_button_in_german(patient_client, patient_a, clinician_a):
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])
    make_plan(patient_a, clinician_a, dosing_time=titration.EVENING)
    with time_machine.travel(datetime(2026, 11, 26, 1, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(HOME).content.decode()
    assert "Dosis von letzter Nacht auslassen" in page
    assert "Heute Abend auslassen" not in page
