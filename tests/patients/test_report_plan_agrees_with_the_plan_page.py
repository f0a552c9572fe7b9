"""The visit report's plan table lists what the plan page lists: the same versions in the same
order, those signed for nights after tonight marked "Upcoming" alike, each prescription's rows
named by their prescription, and the same next change (found by exploratory QA: the report
stopped at the version in force tonight, even with ?end=2026-12-31, had no "Next change", and
listed "v1 Plan created" twice for a patient with two prescriptions)."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.journal_support import visible_text
from tests.patients.query_budgets_support import _queries
from tests.patients.upcoming_versions_support import UPCOMING, get_page, plan_page_groups

pytestmark = pytest.mark.django_db


def report_groups(html):
    """Each prescription's rows in the report's plan table, in order: (night, version number,
    kind, marked upcoming) per row; a version replaced before it took effect is in it too,
    struck (its kind without the badge that says so)."""
    table = html.split('aria-label="Plan changes"', 1)[1].split("</table>", 1)[0]
    groups = []
    for body in table.split("<tbody>")[1:]:
        rows = re.findall(
            r"<tr(?: class=\"[^\"]*\")?><td>(?:<s>)?(.*?)(?:</s>)?</td><td>v(\d+) (.*?)</td>",
            body,
        )
        groups.append(
            [
                (
                    night,
                    number,
                    re.split(r" — | <span", cell, maxsplit=1)[0],
                    cell.endswith(UPCOMING),
                )
                for night, number, cell in rows
            ]
        )
    return groups


def test_the_report_lists_the_versions_signed_ahead_of_tonight_marked_upcoming(
    clinician_client, signed_ahead
):
    patient, now = signed_ahead
    html = get_page(clinician_client, "clinic:report", patient, now, {"end": "2026-12-31"})
    assert report_groups(html) == [
        [
            ("1 Nov 2026", "1", "Plan created", False),
            ("1 Dec 2026", "2", "Put on hold", False),
            ("6 Dec 2026", "3", "Resumed", True),
            ("7 Dec 2026", "4", "Dosing time changed", True),
            ("9 Dec 2026", "5", "Put on hold", True),
        ]
    ]
    # The hold ahead says how it ends, as its row would once it began.
    assert "v5 Put on hold — until 10 Dec 2026, restart at 3 mg " + UPCOMING in html


@pytest.mark.parametrize(
    "scenario",
    [
        "signed_ahead",
        "replaced_restart_tonight",
        "two_prescriptions_tonight",
        "two_prescriptions_and_a_step_ahead",
    ],
)
@pytest.mark.parametrize("params", [None, {"end": "2026-12-31"}])
def test_the_reports_plan_rows_are_the_plan_pages_versions_in_order_marked_alike(
    clinician_client, request, scenario, params
):
    patient, now = request.getfixturevalue(scenario)
    report = report_groups(get_page(clinician_client, "clinic:report", patient, now, params))
    plan_page = plan_page_groups(get_page(clinician_client, "clinic:plan", patient, now))
    assert report == plan_page
    # Each scenario has something to compare: versions, and, where signed, some upcoming.
    assert len(report) == (2 if scenario.startswith("two_prescriptions") else 1)
    assert any(row[3] for group in report for row in group) == (
        scenario != "two_prescriptions_tonight"
    )


def test_a_version_is_upcoming_from_the_night_after_tonight_unless_replaced(
    replaced_restart_tonight,
):
    """Tonight's new hold (v4) is in force, not to come; the restart it replaced (v3, for
    10 Dec) will never take effect; the restart signed for 15 Dec (v5) is to come."""
    patient, _ = replaced_restart_tonight
    plan = plans.load(patient)
    assert plan.upcoming(date(2026, 12, 5)) == {plan.history[4].pk}
    assert plan.upcoming(date(2026, 12, 4)) == {plan.history[3].pk, plan.history[4].pk}
    assert plan.upcoming(date(2026, 12, 15)) == frozenset()


def test_two_prescriptions_rows_are_named_by_their_prescription(
    clinician_client, two_prescriptions_tonight
):
    patient, now = two_prescriptions_tonight
    html = get_page(clinician_client, "clinic:report", patient, now)
    names = re.findall(r'<tr class="prescription-row"><th[^>]*>(.*?)</th></tr>', html)
    assert [" ".join(visible_text(name).split()) for name in names] == [
        "Capsule 1.5 / 3 / 4.5 mg · From 1 Jan 2026.",
        "Capsule 1.5 / 3 / 4.5 mg · From 10 Feb 2026.",
    ]
    # Each "v1 Plan created" is under its own prescription.
    assert [[row[:3] for row in group if row[1] == "1"] for group in report_groups(html)] == [
        [("1 Jan 2026", "1", "Plan created")],
        [("10 Feb 2026", "1", "Plan created")],
    ]


def test_a_single_prescriptions_rows_are_not_named(clinician_client, signed_ahead):
    patient, now = signed_ahead
    assert 'class="prescription-row"' not in get_page(
        clinician_client, "clinic:report", patient, now
    )


def _next_change(html, label, end):
    """The words after ``label`` up to ``end``, as read."""
    return " ".join(visible_text(html.split(label, 1)[1].split(end, 1)[0]).split())


@pytest.mark.parametrize("scenario", ["signed_ahead", "two_prescriptions_and_a_step_ahead"])
def test_the_reports_next_change_says_what_the_plan_pages_says(clinician_client, request, scenario):
    patient, now = request.getfixturevalue(scenario)
    report = get_page(clinician_client, "clinic:report", patient, now)
    plan_page = get_page(clinician_client, "clinic:plan", patient, now)
    said = _next_change(report, '<p class="report-next-change">Next change:', "</p>")
    assert said == _next_change(plan_page, '<span class="stat-label">Next change</span>', "</div>")
    assert (
        said
        == {
            "signed_ahead": "3 mg from 6 Dec 2026",
            "two_prescriptions_and_a_step_ahead": "3 mg from 6 Apr 2026",
        }[scenario]
    )


def test_the_signed_ahead_and_two_prescriptions_cost_the_report_no_query_more(
    clinician_client, clinician_a, two_prescriptions_and_a_step_ahead, settings
):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    patient, now = two_prescriptions_and_a_step_ahead
    plain = PatientFactory(clinicians=[clinician_a])
    give_plan(plain, clinician_a, date(2026, 1, 1))
    give_nights([plain], date(2026, 3, 30), 20)
    with time_machine.travel(now, tick=False):
        one_version = _queries(clinician_client, reverse("clinic:report", args=[plain.pk]), None)
        many = _queries(clinician_client, reverse("clinic:report", args=[patient.pk]), None)
    assert many == one_version
