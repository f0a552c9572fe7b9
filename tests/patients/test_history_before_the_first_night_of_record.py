"""A new patient's calendar: the nights before they joined, and before their first plan
began, are out of range: no mark and not counted, as adherence counts them
(adherence_rules.night_records and night_mark). Exploratory QA: a patient who joined on
3 Dec with a plan from 5 Dec saw "?" (the mark of a night not logged) on every December
night before the 5th.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan, month_cell
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

JOINED = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)  # the night of 3 Dec in London
PLAN_STARTS = date(2026, 12, 5)
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # tonight is 7 Dec, still open
NO_MARK = '<span class="status" aria-hidden="true"></span>'
NOT_LOGGED = '<span class="status" aria-hidden="true">?</span>'


@pytest.fixture
def joined_on_the_3rd(patient_a):
    patient_a.created_at = JOINED
    patient_a.save(update_fields=["created_at"])
    return patient_a


def _history(patient, month="2026-12"):
    with time_machine.travel(NOW, tick=False):
        response = signed_in(patient.user).get(reverse("journal:history"), {"month": month})
    return response.context, response.content.decode()


def test_nights_before_joining_and_before_the_first_plan_have_no_mark(
    joined_on_the_3rd, clinician_a
):
    make_plan(joined_on_the_3rd, clinician_a, steps=(("1.5", None),), start=PLAN_STARTS)
    _context, page = _history(joined_on_the_3rd)
    # 1-2 Dec: before joining; 3-4 Dec: joined, the plan not begun.
    for day in (1, 2, 3, 4):
        css, cell = month_cell(page, day)
        assert css == "out-of-range", day
        assert NO_MARK in cell, day
        assert "not logged" not in cell, day
    for day in (5, 6):  # prescribed, nothing logged
        css, cell = month_cell(page, day)
        assert (css, NOT_LOGGED in cell) == ("missing", True), day


def test_the_nights_marked_not_logged_are_the_nights_adherence_counts(
    joined_on_the_3rd, clinician_a
):
    make_plan(joined_on_the_3rd, clinician_a, steps=(("1.5", None),), start=PLAN_STARTS)
    context, page = _history(joined_on_the_3rd)
    not_logged = [day for day in range(1, 7) if NOT_LOGGED in month_cell(page, day)[1]]
    assert not_logged == [5, 6]
    assert context["stats"]["week"].prescribed == len(not_logged)
    assert context["stats"]["week"].taken == 0


def test_a_new_patient_without_a_plan_has_no_night_marked_not_logged(joined_on_the_3rd):
    _context, page = _history(joined_on_the_3rd)
    for day in range(1, 7):
        css, cell = month_cell(page, day)
        assert css == "out-of-range", day
        assert NO_MARK in cell, day


def test_a_night_prescribed_before_joining_still_counts_and_is_marked_not_logged(
    joined_on_the_3rd, clinician_a
):
    """A history carried in from before the account (as the demo's): adherence counts a
    night the plan prescribed, so the calendar marks it, joined or not."""
    make_plan(joined_on_the_3rd, clinician_a, steps=(("1.5", None),), start=date(2026, 12, 2))
    context, page = _history(joined_on_the_3rd)
    assert month_cell(page, 1)[0] == "out-of-range"
    css, cell = month_cell(page, 2)
    assert (css, NOT_LOGGED in cell) == ("missing", True)
    assert context["stats"]["week"].prescribed == 5  # 2 to 6 Dec
