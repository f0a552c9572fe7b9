"""A suggestion states tonight's step, dose and night of the step as the plan panel beside it
says "Step x of y, night n" (one truth: suggestions.tonight_in_plan, read by every rule).

"Ready for the next step" counted the step's nights by the version's own step calendar
(titration.current_step's day_in_step): after a dated hold inside the step it counted from
the step's first scheduled night, held night included, and said "8 of 9 nights taken" and
"Step started: 8 Jan" beside the panel's "Step 2 of 2, night 7" counted from the night after
the hold. The checks read the clinician's patient page, which shows both."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import titration
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import make_plan, sign_hold, switch_dosing_time
from tests.prescriptions.maintenance_review_support import patient_with_little_relief

pytestmark = pytest.mark.django_db

JAN_1 = date(2026, 1, 1)


def jan(day):
    return date(2026, 1, day)


def page_on(client, clinician, patient, night):
    """The patient page at 14:00 in London on ``night``: tonight is ``night`` (evening or
    morning dosing)."""
    with time_machine.travel(datetime(night.year, night.month, night.day, 14, tzinfo=UTC)):
        client.force_login(clinician)  # staff sessions end after 30 minutes idle
        response = client.get(reverse("clinic:patient", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def panel_says(page):
    """(step, word, night n, dose) from the panel's "Step x of y, night n" and its dose."""
    step = re.search(r"Step (\d+) of \d+, (night|day) (\d+) ·", page)
    dose = re.search(r'<span class="stat-value">([\d.]+) mg</span>', page)
    assert step is not None
    assert dose is not None
    return int(step.group(1)), step.group(2), int(step.group(3)), dose.group(1)


def next_step_says(page):
    """(step, word, nights through last night, dose, first night) as "Ready for the next
    step" states them."""
    said = re.search(
        r"Step (\d+) \(([\d.]+) mg for \d+ (night|day)s\) is complete: \d+ of (\d+) (night|day)s "
        r"taken",
        page,
    )
    started = re.search(r"<td>\w+ (\d+ \w+)</td><td>Step started: ([\d.]+) mg</td>", page)
    assert said is not None
    assert started is not None
    assert started.group(2) == said.group(2)
    # The step's length in the same word as its nights ("for 14 nights", not "14 days").
    assert said.group(3) == said.group(5)
    return int(said.group(1)), said.group(5), int(said.group(4)), said.group(2), started.group(1)


@pytest.fixture
def patient(clinician):
    return PatientFactory(time_zone="Europe/London", clinicians=[clinician])


def step_of_14_nights(patient, clinician, switch=False):
    """1.5 mg for 14 nights from 1 Jan, then 3 mg; every night taken through 13 Jan."""
    make_plan(patient, clinician, steps=(("1.5", 14), ("3", None)), start=JAN_1)
    if switch:
        switch_dosing_time(
            patient,
            clinician,
            titration.MORNING,
            jan(8),
            signed=datetime(2026, 1, 5, 12, tzinfo=UTC),
        )
    give_nights([patient], jan(13), 13, dose="1.5")


def switched_to_mornings_mid_step(patient, clinician):
    """The same, with morning dosing from 8 Jan (signed on 5 Jan)."""
    step_of_14_nights(patient, clinician, switch=True)


def held_one_night_in_the_last_step(patient, clinician):
    """1.5 mg for 7 nights, then 3 mg for 7 (carrying on); held on 10 Jan only (signed on
    9 Jan), every other night taken through 16 Jan."""
    make_plan(patient, clinician, steps=(("1.5", 7), ("3", 7)), start=JAN_1)
    sign_hold(patient, clinician, jan(10), jan(10), signed=datetime(2026, 1, 9, 12, tzinfo=UTC))
    give_nights([patient], jan(7), 7, dose="1.5")
    give_nights([patient], jan(9), 2, dose="3")
    give_nights([patient], jan(16), 6, dose="3")


@pytest.mark.parametrize(
    ("plan", "tonight", "panel", "first_night"),
    [
        (step_of_14_nights, jan(14), (1, "night", 14, "1.5"), "1 Jan"),
        (switched_to_mornings_mid_step, jan(14), (1, "day", 14, "1.5"), "1 Jan"),
        # Counted from the night after the hold, as the panel counts it.
        (held_one_night_in_the_last_step, jan(17), (2, "night", 7, "3"), "11 Jan"),
    ],
)
def test_ready_for_the_next_step_states_the_panels_step_night_and_dose(
    client, clinician, patient, plan, tonight, panel, first_night
):
    plan(patient, clinician)
    page = page_on(client, clinician, patient, tonight)
    step, word, night, dose = panel_says(page)
    assert (step, word, night, dose) == panel
    # Its nights are those of the step through last night: the panel's night n is tonight.
    assert next_step_says(page) == (step, word, night - 1, dose, first_night)


def test_under_the_hold_neither_the_panel_nor_a_suggestion_states_a_step(
    client, clinician, patient
):
    held_one_night_in_the_last_step(patient, clinician)
    page = page_on(client, clinician, patient, jan(10))
    assert "On hold" in page
    assert re.search(r"Step \d+ of \d+, night", page) is None
    assert "Suggestion — your decision" not in page


def test_the_step_taken_up_after_a_hold_is_not_complete_before_its_planned_nights(
    client, clinician, patient
):
    """14 Jan is the step's seventh night by its calendar, the fourth since the hold: not
    yet complete (the calendar's count said so, with the held night among the nights)."""
    held_one_night_in_the_last_step(patient, clinician)
    page = page_on(client, clinician, patient, jan(14))
    assert panel_says(page) == (2, "night", 4, "3")
    assert "Ready for the next step" not in page


@pytest.mark.parametrize(
    ("switched", "hold", "word", "night", "since"),
    [
        (True, False, "day", 93, "3 Sep 2026"),
        # Held 1-3 Oct at maintenance: counted again from 4 Oct, as the panel counts it.
        (False, True, "night", 62, "4 Oct 2026"),
    ],
)
def test_the_maintenance_review_states_the_panels_step_night_and_dose(
    client, clinician, switched, hold, word, night, since
):
    patient = patient_with_little_relief(
        clinician, switched=switched, held=(date(2026, 10, 1), date(2026, 10, 3)) if hold else None
    )
    page = page_on(client, clinician, patient, date(2026, 12, 4))
    assert panel_says(page) == (3, word, night, "4.5")
    assert f"At maintenance (4.5 mg) since {since}, {word} {night} on 4 Dec;" in page
