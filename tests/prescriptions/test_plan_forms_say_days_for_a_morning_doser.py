"""The plan-change forms name a morning doser's dates as days, as the plan panel and the
patient's pages do: the Change steps page said "Takes effect from the night of", "Tonight
or later: nights before keep the plan they had.", "Step 1 starts on the night of" and "a
number of nights" of a patient dosing in the morning (found in QA, demo patient 5); the hold
and restart dates said "the night of" too. Evening dosers keep their nights."""

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

CHANGE = {
    ("en", "morning"): (
        "Takes effect from the day of",
        "Today (25 Nov) or later: days before keep the plan they had.",
        "Step 1 starts on the day of",
        "Each step: a dose in mg and a number of days.",
    ),
    ("en", "evening"): (
        "Takes effect from the night of",
        "Tonight (25 Nov) or later: nights before keep the plan they had.",
        "Step 1 starts on the night of",
        "Each step: a dose in mg and a number of nights.",
    ),
    ("de", "morning"): (
        "Gilt ab dem Tag vom",
        "Heute (25. Nov) oder später: Frühere Tage behalten ihren bisherigen Plan.",
        "Stufe 1 beginnt am Tag vom",
        "Jede Stufe: eine Dosis in mg und eine Anzahl von Tagen.",
    ),
    ("es", "morning"): (
        "Entra en vigor a partir del día",
        "Hoy (25 nov) o más tarde: los días anteriores conservan el plan que tenían.",
        "El paso 1 empieza el día",
        "Cada paso: una dosis en mg y un número de días.",
    ),
}
NIGHT_WORDS = {"en": "night", "de": "Nacht", "es": "noche"}


def _page(clinician, language, name, patient):
    clinician.language = language
    clinician.save(update_fields=["language"])
    with time_machine.travel(NOON, tick=False):
        response = signed_in_reauthenticated(clinician).get(reverse(name, args=[patient.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _form_words(page):
    """The form's labels and help texts, as read (tags stripped)."""
    form = re.search(r'<form method="post".*?</form>', page, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", form))


@pytest.mark.parametrize(("language", "dosing_time"), sorted(CHANGE))
def test_the_change_steps_page_names_the_doses_own_unit(
    patient_a, clinician_a, language, dosing_time
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    words = _form_words(_page(clinician_a, language, "clinic:plan_change", patient_a))
    for expected in CHANGE[(language, dosing_time)]:
        assert expected in words
    if dosing_time == "morning":
        assert NIGHT_WORDS[language] not in words


HOLD_AND_RESTART = {
    "en": ("Hold from the day of", "Hold until the day of", "Restart on the day of"),
    "de": ("Pause ab dem Tag vom", "Pause bis zum Tag vom", "Neustart am Tag vom"),
    "es": ("Pausa desde el día", "Pausa hasta el día", "Reanudar el día"),
}


@pytest.mark.parametrize("language", sorted(HOLD_AND_RESTART))
def test_a_morning_dosers_hold_dates_are_days(patient_a, clinician_a, language):
    hold_from, hold_until, _restart = HOLD_AND_RESTART[language]
    make_plan(patient_a, clinician_a, dosing_time="morning")
    words = _form_words(_page(clinician_a, language, "clinic:plan_hold", patient_a))
    assert hold_from in words
    assert hold_until in words
    assert NIGHT_WORDS[language] not in words


@pytest.mark.parametrize("language", sorted(HOLD_AND_RESTART))
def test_a_morning_dosers_restart_date_is_a_day(patient_a, clinician_a, language):
    make_plan(patient_a, clinician_a, dosing_time="morning", hold_from=date(2026, 11, 20))
    words = _form_words(_page(clinician_a, language, "clinic:plan_resume", patient_a))
    assert HOLD_AND_RESTART[language][2] in words
    assert NIGHT_WORDS[language] not in words
