"""The new-prescription page words its dates and its steps by the dosing time chosen on it:
the one posted (after a refused save or "Add another step"), else the form's initial
choice (evening). With morning dosing chosen, its labels said "Step 1 starts on the night
of" (the ended plan's, or no plan's, evening) above a steps table headed "Days" that the
Change steps page heads "Nights" for an evening doser."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from prescriptions.changes import PlanChangeError, create_prescription, steps_change
from prescriptions.models import Formulation, Prescription
from tests.patients.journal_support import visible_text
from tests.prescriptions.factories import new_prescription_data, plan_steps
from tests.prescriptions.skipped_steps_support import ended_on_dec_3, new_prescription_page

pytestmark = pytest.mark.django_db

NOW = "2026-12-05 14:00Z"  # London: tonight and today are 5 Dec
DEC_5 = date(2026, 12, 5)

WORDS = {
    "morning": (
        "Step 1 starts on the day of",
        "First day of the prescription: Today (5 Dec).",
        "Each step: a dose in mg and a number of days.",
    ),
    "evening": (
        "Step 1 starts on the night of",
        "First night of the prescription: Tonight (5 Dec).",
        "Each step: a dose in mg and a number of nights.",
    ),
}
HEADING = {"morning": "Days", "evening": "Nights"}


@pytest.fixture(params=["evening", "morning"])
def ended(request, patient_a, clinician_a):
    """Patient A's last prescription, dosed in the evening or the morning, ended on 3 Dec."""
    return ended_on_dec_3(patient_a, clinician_a, dosing_time=request.param)


def _page(client, patient, data=None):
    response = new_prescription_page(client, patient, data, at=NOW)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _form_text(page):
    form = re.search(r'<form method="post".*?</form>', page, re.S).group(0)
    return re.sub(r"\s+", " ", visible_text(form))


def _heading(page):
    return re.search(r'<th scope="col">Dose \(mg\)</th><th scope="col">(\w+)</th>', page).group(1)


def _posted(dosing_time, **overrides):
    return new_prescription_data(
        DEC_5, [("1.5", "two"), ("3.0", "")], dosing_time=dosing_time, **overrides
    )


@pytest.mark.parametrize("chosen", ["evening", "morning"])
def test_a_refused_save_words_the_page_by_the_dosing_time_posted(clinician_client, ended, chosen):
    page = _page(clinician_client, ended, _posted(chosen))
    text = _form_text(page)
    for words in WORDS[chosen]:
        assert words in text
    assert _heading(page) == HEADING[chosen]
    unit = "days" if chosen == "morning" else "nights"
    assert f"“two” is not a number of {unit}" in text
    placeholders = set(re.findall(r'name="steps-\d+-days"[^>]*placeholder="([^"]*)"', page))
    assert placeholders == {unit}


@pytest.mark.parametrize("chosen", ["evening", "morning"])
def test_add_another_step_words_the_page_by_the_dosing_time_posted(clinician_client, ended, chosen):
    page = _page(clinician_client, ended, {**_posted(chosen), "add_step": "1"})
    for words in WORDS[chosen]:
        assert words in _form_text(page)
    assert _heading(page) == HEADING[chosen]


def test_on_first_draw_it_words_the_page_by_the_forms_initial_choice(clinician_client, ended):
    page = _page(clinician_client, ended)
    assert re.search(r'name="dosing_time" value="evening"[^>]*checked', page)
    for words in WORDS["evening"]:
        assert words in _form_text(page)
    assert _heading(page) == "Nights"


def test_an_unknown_dosing_time_posted_is_refused_and_worded_as_the_initial_choice(
    clinician_client, ended
):
    page = _page(clinician_client, ended, _posted("noon"))
    assert "Select a valid choice" in page
    assert _heading(page) == "Nights"


@pytest.mark.parametrize(("chosen", "unit"), [("evening", "nights"), ("morning", "days")])
def test_the_saves_recheck_counts_a_length_as_the_editor_does(patient_a, clinician_a, chosen, unit):
    # create_prescription rechecks the steps (changes._check) in the dosing time chosen, as
    # the page's editor counted them; it said days to an evening doser's "Nights" column.
    change = steps_change(
        None,
        effective_night=DEC_5,
        start_date=DEC_5,
        steps=plan_steps([("1.5", 400), ("3.0", None)]),
        reason="Starting LDN",
        dosing_time=chosen,
    )
    prescription = Prescription(formulation=Formulation.CAPSULE, strengths=["1.5", "3.0"])
    with time_machine.travel(NOW, tick=False), pytest.raises(PlanChangeError) as refused:
        create_prescription(
            patient_id=patient_a.pk,
            prescriber=clinician_a,
            prescription=prescription,
            change=change,
            now=datetime(2026, 12, 5, 14, tzinfo=UTC),
        )
    assert f"400 {unit} is not a valid length" in str(refused.value)
    assert not Prescription.objects.filter(patient=patient_a).exists()
