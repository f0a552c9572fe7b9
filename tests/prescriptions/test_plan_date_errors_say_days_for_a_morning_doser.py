"""A plan form's date-range error names the date as its label does: a morning doser's is a
day. The labels said "the day of" to a morning doser while the errors still said "The
change's first night must be between …" (and the hold's and the restart's nights)."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # London is on GMT
TOO_EARLY = "2026-11-01"  # before tonight
TOO_LATE = "2028-01-01"  # over a year ahead

STEPS = {
    "start_date": "2026-11-25",
    "steps-TOTAL_FORMS": "1",
    "steps-INITIAL_FORMS": "0",
    "steps-MIN_NUM_FORMS": "0",
    "steps-MAX_NUM_FORMS": "1000",
    "steps-0-dose_mg": "3.0",
    "steps-0-days": "",
}
POSTS = {
    "first day of the change": ("clinic:plan_change", {"effective_night": TOO_EARLY, **STEPS}),
    "first day of the hold": (
        "clinic:plan_hold",
        {"hold_reason": "other", "hold_from": TOO_EARLY, "hold_until": ""},
    ),
    "last day of the hold": (
        "clinic:plan_hold",
        {"hold_reason": "other", "hold_from": "2026-11-25", "hold_until": TOO_LATE},
    ),
    "restart day": ("clinic:plan_resume", {"resume_on": TOO_EARLY, "step": "0"}),
}
SAYS = {
    ("first day of the change", "en"): ("The change's first night", "The change's first day"),
    ("first day of the change", "de"): (
        "Die erste Nacht der Änderung",
        "Der erste Tag der Änderung",
    ),
    ("first day of the change", "es"): ("La primera noche del cambio", "El primer día del cambio"),
    ("first day of the hold", "en"): ("The first night of the hold", "The first day of the hold"),
    ("first day of the hold", "de"): ("Die erste Nacht der Pause", "Der erste Tag der Pause"),
    ("first day of the hold", "es"): ("La primera noche de la pausa", "El primer día de la pausa"),
    ("last day of the hold", "en"): ("The last night of the hold", "The last day of the hold"),
    ("last day of the hold", "de"): ("Die letzte Nacht der Pause", "Der letzte Tag der Pause"),
    ("last day of the hold", "es"): ("La última noche de la pausa", "El último día de la pausa"),
    ("restart day", "en"): ("The restart night", "The restart day"),
    ("restart day", "de"): ("Die Nacht des Neustarts", "Der Tag des Neustarts"),
    ("restart day", "es"): ("La noche de reanudación", "El día de reanudación"),
}
BETWEEN = {"en": "must be between", "de": "muss zwischen", "es": "debe estar entre"}


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize(("what", "language"), sorted(SAYS))
def test_an_out_of_range_date_is_named_in_the_doses_own_unit(
    patient_a, clinician_a, what, language, dosing_time
):
    name, fields = POSTS[what]
    held = date(2026, 11, 20) if name == "clinic:plan_resume" else None
    make_plan(patient_a, clinician_a, dosing_time=dosing_time, hold_from=held)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    data = {"based_on": "1", "reason": "Review", "patient_note": "", **fields}
    with time_machine.travel(NOON, tick=False):
        response = signed_in_reauthenticated(clinician_a).post(
            reverse(name, args=[patient_a.pk]), data
        )
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", html.unescape(response.content.decode()))
    evening, morning = SAYS[(what, language)]
    said, not_said = (morning, evening) if dosing_time == "morning" else (evening, morning)
    assert f"{said} {BETWEEN[language]}" in page
    assert not_said not in page
