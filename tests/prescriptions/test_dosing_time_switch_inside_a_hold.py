"""A switch of dosing time signed to begin inside a hold leaves the hold one stretch: My plan
and the plan panel listed "On hold 10-11 Dec" and "On hold 12-15 Dec" for one signed hold
10-15 Dec (from the nights before the switch), and one row from the nights after it."""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans, titration
from tests.patients.journal_support import (
    panel_steps_table,
    sign_hold,
    switch_dosing_time,
    visible_text,
    your_steps,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


@pytest.fixture
def patient(patient_on_2mg, clinician):
    """On 2 mg each evening, a hold 10-15 Dec, and morning dosing from 12 Dec, inside it."""
    sign_hold(patient_on_2mg, clinician, DEC[10], DEC[15], signed=NOW)
    switch_dosing_time(patient_on_2mg, clinician, "morning", DEC[12], signed=NOW)
    return patient_on_2mg


@pytest.mark.parametrize("tonight", [DEC[2], DEC[11], DEC[13]], ids=["before", "inside", "after"])
def test_the_hold_is_one_stretch_read_from_any_night(patient, tonight):
    stretches = plans.load(patient).steps_ahead(tonight)
    held = [s for s in stretches if s.status == titration.ON_HOLD]
    assert [(s.first, s.last) for s in held] == [(DEC[10], DEC[15])]
    # Counted as on its first night (an evening's: nights), whichever night reads it.
    assert held[0].dosing_time == "evening"
    assert stretches[-1].first == DEC[16]
    assert (stretches[-1].status, stretches[-1].dosing_time) == (titration.ACTIVE, "morning")


def test_my_plan_and_the_plan_panel_show_the_hold_as_one_row(patient, clinician):
    assert your_steps(patient, NOW) == [
        "2 mg in the evening — from 22 Nov to 9 Dec",
        "On hold, no LDN — from 10 Dec to 15 Dec",
        "2 mg in the morning — from 16 Dec onwards",
    ]
    table = visible_text(panel_steps_table(patient, clinician, NOW))
    assert "On hold 10 Dec 2026 – 15 Dec 2026 6 nights" in table
    assert table.count("On hold") == 1
