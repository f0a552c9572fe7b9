"""My plan marks the versions signed for a night after tonight "Upcoming", as the clinician's
plan page and the visit report do, from the one answer (PlanView.upcoming): it listed a
resume, a switch of dosing time and a hold signed for the days ahead among the changes with
nothing to say they had not begun, and a restart replaced before it started is struck, never
marked as to come."""

import re

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import visible_text
from tests.patients.upcoming_versions_support import UPCOMING, get_page, plan_page_groups
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

SCENARIOS = [
    "signed_ahead",
    "replaced_restart_tonight",
    "two_prescriptions_tonight",
    "two_prescriptions_and_a_step_ahead",
]


def my_plan(patient, now):
    with time_machine.travel(now, tick=False):
        response = signed_in(patient.user).get(reverse("journal:plan"))
    assert response.status_code == 200
    return response.content.decode()


def my_plan_groups(html):
    """My plan's lists of changes, as plan_page_groups reads the plan page: (night, kind,
    marked upcoming) per change, each prescription's oldest first, the oldest prescription
    first ("Changes to your plan", then each of the "Earlier prescriptions")."""
    listings = [html.split('id="plan-history"', 1)[1].split("</section>", 1)[0]]
    listings += [
        part.split("</section>", 1)[0]
        for part in html.split('<section class="stack earlier-prescription">')[1:]
    ]
    groups = []
    for listing in listings:
        items = []
        for item in listing.split("<li")[1:]:
            kind, night = re.search(
                r"<strong>(.*?)</strong> — from (.*?), by ", item.split("</li>", 1)[0]
            ).groups()
            items.append((night, kind, UPCOMING in item))
        groups.append(items[::-1])
    return groups[::-1]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_my_plan_and_the_plan_page_mark_the_same_versions_upcoming(
    clinician_client, request, scenario
):
    patient, now = request.getfixturevalue(scenario)
    plan_page = [
        [(night, kind, upcoming) for night, _number, kind, upcoming in group]
        for group in plan_page_groups(get_page(clinician_client, "clinic:plan", patient, now))
    ]
    assert my_plan_groups(my_plan(patient, now)) == plan_page
    # Each scenario has something to compare; where something is signed ahead, it is marked.
    assert any(upcoming for group in plan_page for *_, upcoming in group) == (
        scenario != "two_prescriptions_tonight"
    )


def test_my_plan_marks_the_resume_the_switch_and_the_hold_signed_ahead(signed_ahead):
    patient, now = signed_ahead
    assert my_plan_groups(my_plan(patient, now)) == [
        [
            ("1 Nov 2026", "Plan created", False),
            ("1 Dec 2026", "Put on hold", False),
            ("6 Dec 2026", "Resumed", True),
            ("7 Dec 2026", "Dosing time changed", True),
            ("9 Dec 2026", "Put on hold", True),
        ]
    ]


def test_my_plan_marks_exactly_the_plan_views_upcoming_versions(replaced_restart_tonight):
    """v3 (a restart for 10 Dec) was replaced tonight: struck, not upcoming; v5 (15 Dec) is
    to come."""
    patient, now = replaced_restart_tonight
    plan = plans.load(patient)
    upcoming = plan.upcoming(now.date())
    html = my_plan(patient, now)
    section = html.split('id="plan-history"', 1)[1].split("</section>", 1)[0]
    marked = [visible_text(item) for item in section.split("<li")[1:] if UPCOMING in item]
    assert [row.number for row in plan.history if row.pk in upcoming] == [5]
    assert len(marked) == 1
    assert marked[0].startswith("Resumed — from 15 Dec 2026")
