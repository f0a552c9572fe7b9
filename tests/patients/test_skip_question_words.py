"""The skip page asks about the night it is for, in the card's word for it. At 02:00 it read
"Last night, Thursday 26 November." over "Why are you skipping tonight?", and an older night
(still open to change) was asked about as "tonight" too."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

AT_2130 = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)  # London is on GMT
AT_0200 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
NIGHT = date(2026, 11, 26)


def _question(client, night, at):
    with time_machine.travel(at, tick=False):
        page = client.get(reverse("journal:skip", args=[night])).text
    return page


@pytest.mark.parametrize(
    ("dosing_time", "at", "night", "asked"),
    [
        ("evening", AT_2130, NIGHT, "Why are you skipping tonight?"),
        ("evening", AT_0200, NIGHT, "Why are you skipping last night&#x27;s dose?"),
        ("evening", AT_2130, date(2026, 11, 23), "Why are you skipping this night&#x27;s dose?"),
        ("morning", AT_2130, NIGHT, "Why are you skipping today&#x27;s dose?"),
        ("morning", AT_2130, date(2026, 11, 25), "Why are you skipping yesterday&#x27;s dose?"),
        ("morning", AT_2130, date(2026, 11, 23), "Why are you skipping this day&#x27;s dose?"),
    ],
)
def test_the_skip_question_names_the_night_as_the_page_title_does(
    patient_client, patient_a, clinician_a, dosing_time, at, night, asked
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time, start=date(2026, 11, 1))
    page = _question(patient_client, night, at)
    assert asked in page


def test_the_skip_question_is_asked_in_german(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])
    page = _question(patient_client, NIGHT, AT_0200)
    assert "Warum lassen Sie die Dosis von letzter Nacht aus?" in page
