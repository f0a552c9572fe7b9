"""The change pages' "Current plan" says each step's length in the plan's own units, night
by night: a step that ran 3 evening nights and then, after a switch to morning dosing in
the middle of it, 4 morning days read "3 mg for 7 days" (the newest version's dosing time
for every step). It counts as the plan panel's steps list does (titration.step_runs). The
plan page's steps table counts its rows by the same rule (panel.row_length: night_runs):
once the switch had passed, tonight's step read "7 days" in its Length column beside
"Current plan"'s "3 nights, then 4 days"."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prescriptions import plans, titration
from prescriptions.panel import row_length
from tests.patients.journal_support import (
    panel_steps_table,
    visible_text,
)
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 12, 14, 0, tzinfo=UTC)


def _summary(clinician, patient, page="clinic:plan_change", language="en"):
    with time_machine.travel(NOW, tick=False), translation.override(language):
        client = signed_in_reauthenticated(clinician)
        client.cookies["django_language"] = language
        html = client.get(reverse(page, args=[patient.pk]), HTTP_ACCEPT_LANGUAGE=language)
    found = re.search(
        r'<p class="small muted">(Current plan|Aktueller Plan|Plan actual)[^<]*</p>',
        html.content.decode(),
    )
    return re.sub(r"\s+", " ", found.group(0)) if found else html.content.decode()[:2000]


def test_the_step_across_the_switch_says_its_nights_then_its_days(switched_in_step_2, clinician_a):
    summary = _summary(clinician_a, switched_in_step_2)
    assert "1.5 mg for 7 nights → 3 mg for 3 nights, then 4 days → 4.5 mg, open-ended" in summary, (
        summary
    )


@pytest.mark.parametrize("page", ["clinic:plan_hold", "clinic:plan_dosing_time", "clinic:plan_end"])
def test_every_change_page_says_it_so(switched_in_step_2, clinician_a, page):
    assert "3 mg for 3 nights, then 4 days" in _summary(clinician_a, switched_in_step_2, page)


def test_it_counts_the_nights_as_the_plan_panel_lists_them(switched_in_step_2):
    view = plans.load(switched_in_step_2)
    runs = titration.step_runs(view.versions, view.latest)
    step_2 = [
        (s.night_count, s.dosing_time)
        for s in view.steps_ahead(date(2026, 12, 8))
        if s.step_number == 2
    ]
    assert runs[1] == tuple(step_2) == ((3, "evening"), (4, "morning"))
    assert runs[0] == ((7, "evening"),)
    assert runs[2] == ()  # open-ended


def test_a_step_begun_before_the_first_version_counts_in_its_own_dosing_time():
    # Nights before any version governs (a calendar begun earlier) are the version's own.
    version = titration.PlainVersion(
        number=1,
        effective_night=date(2026, 12, 5),
        start_date=date(2026, 12, 1),
        steps=(
            titration.Step(dose_mg=Decimal(1), days=7),
            titration.Step(dose_mg=Decimal(2), days=None),
        ),
        dosing_time=titration.MORNING,
    )
    assert titration.step_runs((version,), version) == (((7, "morning"),), ())


@pytest.mark.parametrize(
    ("language", "words"),
    [("de", "3 mg für 3 Nächte, dann 4 Tage"), ("es", "3 mg durante 3 noches y luego 4 días")],
)
def test_in_german_and_spanish(switched_in_step_2, clinician_a, language, words):
    assert words in _summary(clinician_a, switched_in_step_2, language=language)


def _lengths(clinician, patient):
    """The steps table's Length cells on the plan page at NOW, by step number."""
    table = panel_steps_table(patient, clinician, NOW)
    lengths = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cells = [visible_text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        lengths[cells[0].split()[0]] = cells[-1]
    return lengths


def test_the_steps_table_says_the_step_across_the_past_switch_as_current_plan_does(
    switched_in_step_2, clinician_a
):
    length = _lengths(clinician_a, switched_in_step_2)["2"]
    assert length == "3 nights, then 4 days"
    assert f"3 mg for {length} →" in _summary(clinician_a, switched_in_step_2)


def test_a_last_row_that_carries_on_across_a_switch_says_both_then_continues():
    evening = titration.PlainVersion(
        number=1,
        effective_night=date(2026, 12, 1),
        start_date=date(2026, 12, 1),
        steps=(titration.Step(dose_mg=Decimal(3), days=7),),
        dosing_time=titration.EVENING,
    )
    morning = replace(evening, number=2, effective_night=date(2026, 12, 4), dosing_time="morning")
    (row,) = titration.plan_ahead((evening, morning), date(2026, 12, 10))
    assert row.last is None
    assert row_length((evening, morning), row) == "3 nights, then 4 days, then continues"
