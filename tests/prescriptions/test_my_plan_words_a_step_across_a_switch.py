"""My plan says a step that a switch of dosing time cuts in its middle run by run: it said
"3 mg — from 8 Dec to 14 Dec" (or "3 mg in the morning — from 8 Dec to 14 Dec") for 3 mg
taken in the evening on 8-10 Dec and in the morning from 11 Dec, while the clinician's plan
page said "3 nights, then 4 days" (found by QA). Both count the row by one rule
(titration.stretch_runs: panel.row_length for the plan page, panel.row_dates for My plan)."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from prescriptions import titration
from prescriptions.panel import row_dates
from tests.patients.journal_support import panel_steps_table, visible_text, your_steps

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 12, 14, 0, tzinfo=UTC)  # the day of 12 Dec: step 2, day 5
STEP_2 = "3 mg: from 8 Dec to 10 Dec in the evening, then from 11 Dec to 14 Dec in the morning"


def test_my_plan_says_the_evening_nights_then_the_morning_days_of_the_step(switched_in_step_2):
    assert your_steps(switched_in_step_2, NOW) == [STEP_2, "4.5 mg — from 15 Dec onwards"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "3 mg: vom 8. Dez bis 10. Dez abends, dann vom 11. Dez bis 14. Dez morgens"),
        ("es", "3 mg: del 8 dic al 10 dic por la noche y luego del 11 dic al 14 dic por la mañana"),
    ],
)
def test_in_german_and_spanish(switched_in_step_2, language, words):
    switched_in_step_2.user.language = language
    switched_in_step_2.user.save()
    assert your_steps(switched_in_step_2, NOW)[0] == words


def _nights(first, last):
    return (last - first).days + 1


def _day(text):
    return datetime.strptime(f"{text} 2026", "%d %b %Y").date()


def test_my_plan_and_the_plan_page_give_the_step_the_same_nights(switched_in_step_2, clinician_a):
    table = panel_steps_table(switched_in_step_2, clinician_a, NOW)
    row = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1]
    cells = [visible_text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    mine = your_steps(switched_in_step_2, NOW)[0]
    runs = [
        (_day(first), _day(last), time_of)
        for first, last, time_of in re.findall(
            r"from (\d+ \w+) to (\d+ \w+) in the (evening|morning)", mine
        )
    ]
    # The same first and last night as the plan page's Dates ...
    assert f"{runs[0][0]:%-d %b %Y} – {runs[-1][1]:%-d %b %Y}" == cells[2]
    # ... and the same runs as its Length: 3 nights (evening), then 4 days (morning).
    words = {"evening": "night", "morning": "day"}
    assert cells[3] == ", then ".join(
        f"{_nights(first, last)} {words[time_of]}s" for first, last, time_of in runs
    )


def test_a_last_row_that_carries_on_across_a_switch_says_from_when_onwards():
    evening = titration.PlainVersion(
        number=1,
        effective_night=date(2026, 12, 1),
        start_date=date(2026, 12, 1),
        steps=(titration.Step(dose_mg=Decimal(3), days=7),),
    )
    morning = replace(evening, number=2, effective_night=date(2026, 12, 4), dosing_time="morning")
    (row,) = titration.plan_ahead((evening, morning), date(2026, 12, 10))
    with translation.override("en"):
        words = row_dates((evening, morning), row)
    assert (
        words == "3 mg: from 1 Dec to 3 Dec in the evening, then from 4 Dec onwards in the morning"
    )


def test_a_row_of_one_dosing_time_keeps_its_own_words():
    version = titration.PlainVersion(
        number=1,
        effective_night=date(2026, 12, 1),
        start_date=date(2026, 12, 1),
        steps=(titration.Step(dose_mg=Decimal(3), days=7), titration.Step(Decimal(4), None)),
    )
    rows = titration.plan_ahead((version,), date(2026, 12, 1) + timedelta(days=2))
    assert [row_dates((version,), row) for row in rows] == [None, None]
