"""The Hold page of a patient whose plan has not begun (no plan on tonight) words its dates
by the dosing time the plan will have on them (found by review).

A morning plan signed to begin on 10 Dec; on 2 Dec nothing governs tonight. The Hold page
said "Hold from the night of" until a date from 10 Dec was posted, and a hold signed from its
default date took the evening of no plan: its nights before 10 Dec were evenings, and the
save said "The switch to morning dosing signed from 10 Dec 2026 is kept", a switch nobody
signed. A hold before the plan begins takes the dosing time the plan begins on.
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans, titration
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


@pytest.fixture
def not_begun(clinician):
    """1.5 mg each morning from 10 Dec, signed to govern from then: no plan on 2 Dec."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, start=DEC[10], dosing_time=titration.MORNING)
    assert plans.load(patient).on(DEC[2]).status == titration.NO_PLAN
    return patient


def test_the_hold_page_says_the_day_of_for_the_default_date(not_begun, clinic_page):
    page = clinic_page("clinic:plan_hold", not_begun, NOW)
    assert "Hold from the day of" in page
    assert "Hold until the day of" in page
    assert "the night of" not in page


def test_a_hold_signed_from_the_default_date_holds_days_as_the_page_said(
    not_begun, clinician, clinic_page
):
    page = clinic_page(
        "clinic:plan_hold",
        not_begun,
        NOW,
        data={
            "based_on": plans.load(not_begun).latest.number,
            "hold_reason": "planned_surgery",
            "hold_from": "2026-12-02",
            "hold_until": "",
            "reason": "Knee surgery",
        },
    )
    assert "is kept" not in page
    plan = plans.load(not_begun)
    assert [plan.on(DEC[day]).status for day in (2, 9, 10)] == [titration.ON_HOLD] * 3
    assert {plan.dosing_time_on(DEC[day]) for day in (2, 9, 10)} == {titration.MORNING}
