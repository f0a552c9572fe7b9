"""The trend chart marks a hold on the night it begins, as the plan says, whichever version
carries it.

A hold signed on 1 Dec for 10-12 Dec, then a steps change (or a switch of dosing time) signed
from an earlier night, which carries the hold on (changes._carried_hold): the chart marked
only a plain change on the change's night and no hold at all, and the visit report listed the
hold as "replaced before it took effect", while every other page held 10-12 Dec. The markers
now ask the plan (PlanView.hold_begun_on) where a hold begins and whose it is.
"""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import dashboard
from tests.patients.journal_support import make_plan, sign_hold, sign_steps, switch_dosing_time

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 20, 20, 0, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
DEC_2 = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
DEC_3, DEC_10, DEC_12 = date(2026, 12, 3), date(2026, 12, 10), date(2026, 12, 12)


def _markers(patient, clinician):
    """(kind, tooltip) of each plan marker of the patient page's chart, in order."""
    page = dashboard.patient_page(patient, [clinician], NOW)
    svg, _series = dashboard.trend_between(page, date(2026, 11, 20), date(2026, 12, 20))
    return re.findall(
        r'<line class="marker marker-(plan-change|hold)"[^>]*><title>([^<]*)</title>', svg
    )


@pytest.fixture
def hold_signed_ahead(patient_a, clinician_a):
    """1.5 mg from 1 Nov for 14 nights, then 3 mg; on 1 Dec a hold for 10-12 Dec."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=date(2026, 11, 1))
    sign_hold(patient_a, clinician_a, DEC_10, DEC_12, signed=DEC_1)
    return patient_a


def test_a_hold_signed_for_later_nights_is_marked_where_it_begins(hold_signed_ahead, clinician_a):
    assert _markers(hold_signed_ahead, clinician_a) == [
        ("hold", "10 Dec 2026: Plan version 2: Put on hold — until 12 Dec 2026, restart at 3 mg")
    ]


def test_a_steps_change_carrying_a_later_hold_keeps_the_holds_marker_where_it_begins(
    hold_signed_ahead, clinician_a
):
    sign_steps(hold_signed_ahead, clinician_a, DEC_3, (("4.5", None),), signed=DEC_2)
    assert _markers(hold_signed_ahead, clinician_a) == [
        ("hold", "10 Dec 2026: Plan version 2: Put on hold — until 12 Dec 2026, restart at 4.5 mg"),
        ("plan-change", "3 Dec 2026: Plan version 3: Steps changed"),
    ]


def test_a_switch_of_dosing_time_carrying_a_later_hold_keeps_the_holds_marker(
    hold_signed_ahead, clinician_a
):
    switch_dosing_time(hold_signed_ahead, clinician_a, "morning", date(2026, 12, 4), signed=DEC_2)
    assert _markers(hold_signed_ahead, clinician_a) == [
        ("hold", "10 Dec 2026: Plan version 2: Put on hold — until 12 Dec 2026, restart at 3 mg"),
        ("plan-change", "4 Dec 2026: Plan version 3: Dosing time changed"),
    ]


def test_a_steps_change_from_the_holds_first_night_is_a_plain_change_beside_the_hold(
    hold_signed_ahead, clinician_a
):
    """It carries the hold from that very night: it was marked as the hold ("Steps changed —
    until 12 Dec 2026") and the hold's own marker was lost."""
    sign_steps(hold_signed_ahead, clinician_a, DEC_10, (("4.5", None),), signed=DEC_2)
    assert _markers(hold_signed_ahead, clinician_a) == [
        ("hold", "10 Dec 2026: Plan version 2: Put on hold — until 12 Dec 2026, restart at 4.5 mg"),
        ("plan-change", "10 Dec 2026: Plan version 3: Steps changed"),
    ]


def test_the_visit_report_lists_the_carried_hold_as_its_chart_marks_it(
    clinician_client, hold_signed_ahead, clinician_a
):
    sign_steps(hold_signed_ahead, clinician_a, DEC_3, (("4.5", None),), signed=DEC_2)
    with time_machine.travel(NOW, tick=False):
        response = clinician_client.get(
            reverse("clinic:report", args=[hold_signed_ahead.pk]),
            {"start": "2026-11-20", "end": "2026-12-20"},
        )
    text = response.content.decode()
    table = text.split('aria-label="Plan changes"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>v(\d+) (.*?)</td>", table)
    markers = re.findall(
        r'class="marker marker-(?:plan-change|hold)".*?<title>(.*?): Plan version (\d+): (.*?)'
        r"</title>",
        text,
        re.S,
    )
    expected = [
        ("10 Dec 2026", "2", "Put on hold — until 12 Dec 2026, restart at 4.5 mg"),
        ("3 Dec 2026", "3", "Steps changed"),
    ]
    assert rows == expected
    assert markers == expected
    assert "before it took effect" not in table
