"""While a clinician covers a colleague (patients.coverage) or holds an emergency grant
(patients.clinic.break_glass) the list is read through the access gate and sorted by the
database (attention._gate_page, by attention.ORDER), not in the order of the team's index
(TEAM_ORDER). Closed accounts come after every open one there too: 9eb2e41 put `closed`
first in both orders, and only the team's path had a test of it."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts import closure
from patients.models import BreakGlassGrant, Coverage, PatientAttention
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

LIST = reverse("clinic:patients")
CLOSED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
TONIGHT = date(2026, 11, 25)


@pytest.fixture
def team(clinician_a, admin_user):
    """Clinician A's patients: one closed, first by name and never logged (the longest
    silence: without `closed` first in the order it would head the list), and one open,
    logging every night of its plan (no flag, silent 0)."""
    closing = PatientFactory(user__display_name="Aaron Closing", clinicians=[clinician_a])
    logging = PatientFactory(user__display_name="Zoe Logging", clinicians=[clinician_a])
    make_plan(logging, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    give_nights([logging], TONIGHT, 25, dose="1.5")
    with time_machine.travel(CLOSED_AT, tick=False):
        closure.close_account(closing.user, by=admin_user, request=None, now=CLOSED_AT)
    return closing, logging


def _order(client, *patients):
    with time_machine.travel(NOW, tick=False):
        response = client.get(LIST)
    assert response.status_code == 200
    # The rows' table: an emergency grant's banner above it names the patients too.
    html = response.content.decode()
    html = html[html.index("<tbody") :]
    return sorted(patients, key=lambda p: html.index(reverse("clinic:patient", args=[p.pk])))


def test_a_covering_clinician_sees_the_covered_teams_closed_account_after_the_open_one(
    clinician_a, clinician_b, team
):
    closing, logging = team
    Coverage.objects.create(
        covering=clinician_b,
        covered=clinician_a,
        first_day=TONIGHT - timedelta(days=1),
        last_day=TONIGHT + timedelta(days=1),
        reason="Leave",
    )

    assert _order(signed_in(clinician_b), closing, logging) == [logging, closing]
    assert PatientAttention.objects.get(patient=closing).closed


def test_an_emergency_grant_lists_a_closed_account_after_an_open_one(clinician_b, team):
    closing, logging = team
    for patient in team:
        BreakGlassGrant.objects.create(
            patient=patient,
            clinician=clinician_b,
            reason="Seen in the emergency room",
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(hours=4),
        )

    assert _order(signed_in(clinician_b), closing, logging) == [logging, closing]


def test_the_covered_clinicians_own_list_orders_them_alike(clinician_a, team):
    closing, logging = team

    assert _order(signed_in(clinician_a), closing, logging) == [logging, closing]
