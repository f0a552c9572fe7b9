"""The plan's steps editor counts a step's length as the patient doses it: an evening
doser's in nights, a morning doser's in days, throughout (help, column, row labels,
placeholder). Its help said "a number of nights. Leave the last step's days empty" to
every patient, under a column headed "Days" (found in review). Where the dosing time is not
known (a template; a new prescription, whose dosing time is chosen on the same page) it
says days, one dose a day at either time, as the built-in templates' descriptions do."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from prescriptions.titration import EVENING, MORNING
from tests.patients.journal_support import visible_text
from tests.prescriptions.factories import make_prescription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

NIGHTS = (
    "Each step: a dose in mg and a number of nights. Leave the last step's nights empty to "
    "keep it open-ended (maintenance). Empty rows are ignored."
)
DAYS = (
    "Each step: a dose in mg and a number of days. Leave the last step's days empty to "
    "keep it open-ended (maintenance). Empty rows are ignored."
)


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


def _editor(response):
    assert response.status_code == 200
    page = response.content.decode()
    (fieldset,) = re.findall(
        r'<fieldset class="stack steps-formset"[^>]*>.*?</fieldset>', page, re.S
    )
    placeholders = set(re.findall(r'name="steps-\d+-days"[^>]*placeholder="([^"]*)"', fieldset))
    placeholders |= set(re.findall(r'placeholder="([^"]*)"[^>]*name="steps-\d+-days"', fieldset))
    return visible_text(fieldset.replace("&#x27;", "'")), placeholders


def _plan_change(client, patient, **post):
    url = reverse("clinic:plan_change", args=[patient.pk])
    if post:
        return client.post(url, post)
    return client.get(url)


@pytest.mark.parametrize(
    ("dosing_time", "help_text", "unit", "other"),
    [(EVENING, NIGHTS, "Nights", "day"), (MORNING, DAYS, "Days", "night")],
)
def test_the_plan_change_editor_counts_in_the_patients_nights_or_days(
    clinician_client, patient_a, clinician_a, dosing_time, help_text, unit, other
):
    make_prescription(patient_a, clinician_a, date(2026, 3, 1), dosing_time=dosing_time)
    text, placeholders = _editor(_plan_change(clinician_client, patient_a))
    assert help_text in text
    assert f"Dose (mg) {unit}" in text  # the column
    assert f"Step 1 {unit.lower()}" in text  # each row's label
    assert other not in text.lower()
    assert placeholders == {unit.lower()}


def test_adding_a_row_keeps_an_evening_dosers_nights(clinician_client, patient_a, clinician_a):
    make_prescription(patient_a, clinician_a, date(2026, 3, 1))
    added = _plan_change(
        clinician_client,
        patient_a,
        add_step="1",
        **{"steps-TOTAL_FORMS": "1", "steps-0-dose_mg": "1.5", "steps-0-days": "14"},
    )
    text, placeholders = _editor(added)
    assert NIGHTS in text
    assert "day" not in text.lower()
    assert placeholders == {"nights"}


@pytest.mark.parametrize(
    ("language", "help_text", "unit"),
    [
        (
            "de",
            "Jede Stufe: eine Dosis in mg und eine Anzahl von Nächten. Lassen Sie die Nächte "
            "der letzten Stufe leer, damit sie unbefristet bleibt (Erhaltung). Leere Zeilen "
            "werden ignoriert.",
            "Nächte",
        ),
        (
            "es",
            "Cada paso: una dosis en mg y un número de noches. Deje vacías las noches del "
            "último paso para que no tenga fin (mantenimiento). Las filas vacías se ignoran.",
            "Noches",
        ),
    ],
)
def test_an_evening_dosers_editor_says_nights_in_german_and_spanish(
    clinician_client, patient_a, clinician_a, language, help_text, unit
):
    make_prescription(patient_a, clinician_a, date(2026, 3, 1))
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    text, placeholders = _editor(_plan_change(clinician_client, patient_a))
    assert help_text in text
    assert unit in text
    assert {"Tage", "días"}.isdisjoint(text.split())
    assert placeholders == {"Nächte" if language == "de" else "noches"}


def test_where_the_dosing_time_is_not_known_the_editor_says_days(clinician_client):
    # A template's. A new prescription's editor counts as the dosing time chosen on its
    # form (test_new_prescription_words_the_chosen_dosing_time).
    text, placeholders = _editor(clinician_client.get(reverse("clinic:template_new")))
    assert DAYS in text
    assert "night" not in text.lower()
    assert placeholders == {"days"}


def _refused(client, patient, rows):
    data = {
        "based_on": "1",
        "effective_night": "2026-03-10",
        "start_date": "2026-03-10",
        "reason": "Dreams",
        "patient_note": "",
        "steps-TOTAL_FORMS": str(len(rows)),
        "steps-INITIAL_FORMS": "0",
    }
    for index, (dose, days) in enumerate(rows):
        data[f"steps-{index}-dose_mg"], data[f"steps-{index}-days"] = dose, days
    response = _plan_change(client, patient, **data)
    assert response.status_code == 200  # refused, shown again
    return visible_text(response.content.decode().replace("&#x27;", "'"))


ROWS_AND_ERRORS = [
    ([("1.5", "0"), ("3.0", "")], "Step 1: 0 {unit} is not a valid length: use 1 to 365 {unit}."),
    ([("1.5", ""), ("3.0", "14")], "give this step a length of 1 to 365 {unit}."),
    ([("1.5", "two"), ("3.0", "")], "“two” is not a number of {unit}: use a whole number"),
    ([("", ""), ("", "")], "(and a number of {unit}, except for an open-ended last step)"),
]


@pytest.mark.parametrize(("rows", "error"), ROWS_AND_ERRORS)
@pytest.mark.parametrize(("dosing_time", "unit"), [(EVENING, "nights"), (MORNING, "days")])
def test_the_editors_errors_count_a_steps_length_as_its_column_does(
    clinician_client, patient_a, clinician_a, dosing_time, unit, rows, error
):
    """Under an evening doser's "Nights" column, "0 days is not a valid length: use 1 to 365
    days" would have said the other word again."""
    make_prescription(patient_a, clinician_a, date(2026, 3, 1), dosing_time=dosing_time)
    assert error.format(unit=unit) in _refused(clinician_client, patient_a, rows)


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("de", "Stufe 1: 0 Nächte sind keine gültige Dauer: Verwenden Sie 1 bis 365 Nächte."),
        ("es", "Paso 1: 0 noches no es una duración válida: use de 1 a 365 noches."),
    ],
)
def test_an_evening_dosers_length_error_says_nights_in_german_and_spanish(
    clinician_client, patient_a, clinician_a, language, error
):
    make_prescription(patient_a, clinician_a, date(2026, 3, 1))
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    assert error in _refused(clinician_client, patient_a, [("1.5", "0"), ("3.0", "")])
