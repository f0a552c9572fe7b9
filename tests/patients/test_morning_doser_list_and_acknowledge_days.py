"""A morning doser's days on the clinician's list and on the urgent acknowledgement.

The list's headings said "Adherence 7 / 30 nights" and "Pain, 30 nights" over rows of
evening and morning dosers alike (and each pain line "Pain over the last 30 nights"); the
acknowledgement form said a hold starts "from the next night without a dose" of a patient
dosing in the morning (found in QA on the demo). The headings now count the page's rows'
unit (both when they mix), each row's cells its own; evening dosers keep their nights."""

import html
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from ldn_journal.local_dates import local_date
from patients.journal import entries as journal
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # London is on GMT
LIST = reverse("clinic:patients")


def _list(client, language="en"):
    with time_machine.travel(AT_09, tick=False):
        response = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _headings(page):
    head = re.search(r"<thead>.*?</thead>", page, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head)]


def _labels(page, cell_class):
    return re.findall(rf'<td class="{cell_class}" data-label="([^"]*)"', page)


def _second_patient(clinician, dosing_time):
    other = PatientFactory(
        user__email="patient.c@example.org", user__display_name="Patient C", clinicians=[clinician]
    )
    make_plan(other, clinician, dosing_time=dosing_time)


@pytest.mark.parametrize(
    ("dosing_times", "language", "adherence", "pain"),
    [
        (("evening", "evening"), "en", "Adherence 7 / 30 nights", "Pain, 30 nights"),
        (("morning", "morning"), "en", "Adherence 7 / 30 days", "Pain, 30 days"),
        (
            ("evening", "morning"),
            "en",
            "Adherence 7 / 30 nights or days",
            "Pain, 30 nights or days",
        ),
        (("morning", "morning"), "de", "Adhärenz 7 / 30 Tage", "Schmerz, 30 Tage"),
        (
            ("evening", "morning"),
            "de",
            "Adhärenz 7 / 30 Nächte bzw. Tage",
            "Schmerz, 30 Nächte bzw. Tage",
        ),
        (("morning", "morning"), "es", "Adherencia 7 / 30 días", "Dolor, 30 días"),
        (
            ("evening", "morning"),
            "es",
            "Adherencia 7 / 30 noches o días",
            "Dolor, 30 noches o días",
        ),
    ],
)
def test_the_lists_headings_count_what_its_rows_count(
    clinician_client, clinician_a, patient_a, dosing_times, language, adherence, pain
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_times[0])
    _second_patient(clinician_a, dosing_times[1])
    headings = _headings(_list(clinician_client, language))
    assert adherence in headings
    assert pain in headings


def test_each_rows_cells_count_its_own_unit(clinician_client, clinician_a, patient_a):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    _second_patient(clinician_a, "morning")
    page = _list(clinician_client)
    rows = {
        name: row
        for row in re.findall(r"<tr.*?</tr>", page.split("<tbody>")[1], re.S)
        for name in ("Patient A", "Patient C")
        if name in row
    }
    assert 'data-label="Adherence 7 / 30 nights"' in rows["Patient A"]
    assert 'data-label="Pain, 30 nights"' in rows["Patient A"]
    assert "Pain over the last 30 nights" in rows["Patient A"]
    assert 'data-label="Adherence 7 / 30 days"' in rows["Patient C"]
    assert 'data-label="Pain, 30 days"' in rows["Patient C"]
    assert "Pain over the last 30 days" in rows["Patient C"]
    assert "night" not in rows["Patient C"].lower()


# --- the acknowledgement ------------------------------------------------------------------------

REPORTED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 09:00 in London

# The hold's first day or night is named (reports.hold_starts): at 09:00 on Wed 2 Dec with
# nothing logged, a morning doser's hold starts that day, an evening doser's on the night of
# Tue 1 Dec (the night until noon). It said "from the next day" / "from the next night".
HOLD_DAY = {
    "en": "puts the plan on hold from {day} without a dose",
    "de": "pausiert den Plan ab {day} ohne Dosis",
    "es": "pone el plan en pausa desde el {day} sin dosis",
}
HOLD_NIGHT = {
    "en": "puts the plan on hold from the night of {day} without a dose",
    "de": "pausiert den Plan ab der Nacht vom {day} ohne Dosis",
    "es": "pone el plan en pausa desde la noche del {day} sin dosis",
}


def _named(words, language, night):
    with translation.override(language):
        return words[language].format(day=local_date(night, "day"))


def _acknowledge_form(client, report, language):
    with time_machine.travel(REPORTED + timedelta(minutes=10), tick=False):
        response = client.get(
            reverse("clinic:urgent_report", args=[report.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    form = re.search(r"<form[^>]*acknowledge.*?</form>", page, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", form))


@pytest.mark.parametrize("language", sorted(HOLD_DAY))
@pytest.mark.parametrize("dosing_time", ["morning", "evening"])
def test_the_acknowledgement_says_a_hold_starts_on_a_day_for_a_morning_doser(
    clinician_client, clinician_a, patient_a, language, dosing_time
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time, start=date(2026, 11, 1))
    report = urgent_report(patient_a, REPORTED)
    words = _acknowledge_form(clinician_client, report, language)
    said, not_said = (HOLD_DAY, HOLD_NIGHT) if dosing_time == "morning" else (HOLD_NIGHT, HOLD_DAY)
    first = date(2026, 12, 2) if dosing_time == "morning" else date(2026, 12, 1)
    assert _named(said, language, first) in words
    assert _named(not_said, language, first) not in words


def test_with_todays_dose_logged_the_hold_choice_names_the_day(
    clinician_client, clinician_a, patient_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning", start=date(2026, 11, 1))
    dose = REPORTED - timedelta(hours=1)
    with time_machine.travel(dose, tick=False):
        journal.log_taken_now(patient_a, dose, uuid.uuid4())
    report = urgent_report(patient_a, REPORTED)
    words = _acknowledge_form(clinician_client, report, "en")
    assert "Hold the plan from Thu 3 Dec" in words
    assert "the night of" not in words
