"""The clinician list's page query is read in the order of one index (clinician first), on
PostgreSQL: no sort over the team, whatever its size. Plans, not timings (bench/list_scale.py
gives the times)."""

import json
import uuid

import pytest
from django.db import connection

from ldn_journal.accounts.models import User
from patients.clinic import attention, dashboard
from patients.models import CareTeamMembership, Patient, PatientAttention
from tests.factories import ClinicianFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are PostgreSQL's (DATABASE_URL)"
    ),
]


def _team(clinician, n):
    """`n` patients on the team, their rows and links written in bulk (as bench/list_scale)."""
    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(email=f"plan{i}-{tag}@example.org", display_name=f"P {i}", password="!")
        for i in range(n)
    )
    patients = Patient.objects.bulk_create(Patient(user=user) for user in users)
    PatientAttention.objects.bulk_create(
        PatientAttention(
            patient=patient,
            today="2026-03-30",
            valid_until="2099-01-01T00:00Z",
            computed_at="2026-03-31T09:00Z",
            severity_1=i % 4,
            nights_silent=i % 13,
            needs_review=i % 4 > 0,
            kinds=["missed"] if i % 7 == 0 else [],
        )
        for i, patient in enumerate(patients)
    )
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=patient, clinician=clinician) for patient in patients
    )
    attention.copy_to_team_links([p.pk for p in patients])


def plan_of(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_careteammembership")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return explained(cursor.fetchone()[0])


def explained(value):
    """EXPLAIN's JSON (psycopg may hand it over already parsed)."""
    return (json.loads(value) if isinstance(value, str) else value)[0]["Plan"]


def nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


@pytest.fixture
def big_team():
    clinician = ClinicianFactory()
    _team(clinician, 3000)
    _team(ClinicianFactory(), 1000)  # another team in the same table
    return clinician


@pytest.mark.parametrize("page", [1, 10])
@pytest.mark.parametrize("filters", [{}, {"needs_review": True}])
def test_a_teams_page_is_read_in_index_order_without_sorting_the_team(big_team, page, filters):
    links = attention.team_links(big_team, **filters)
    start = (page - 1) * dashboard.PAGE_SIZE
    plan = plan_of(links[start : start + dashboard.PAGE_SIZE])
    kinds = [node["Node Type"] for node in nodes(plan)]
    assert kinds[0] == "Limit"
    scans = [node for node in nodes(plan) if "Index" in node["Node Type"]]
    assert [scan["Index Name"] for scan in scans] == ["care_team_attention"], kinds
    assert not {"Sort", "Incremental Sort"} & set(kinds), kinds
    assert "Seq Scan" not in kinds, kinds


def test_the_order_the_index_serves_is_the_lists_order(big_team):
    """What the index reads equals the stored rows sorted as the list sorts them."""
    from_links = list(attention.team_links(big_team)[:200])
    from_rows = list(
        Patient.objects.filter(memberships__clinician=big_team)
        .order_by(*attention.ORDER)
        .values_list("pk", flat=True)[:200]
    )
    assert from_links == from_rows


def test_the_search_and_kind_conditions_are_served_by_their_gin_indexes(big_team):
    """The list's search (icontains on name or email) and kind filter, as conditions on their
    own tables: PostgreSQL can answer them from the trigram and jsonb GIN indexes. (In the
    team's query the planner may instead read the team in index order and filter, when
    that is cheaper.)"""
    for queryset, index in (
        (User.objects.filter(attention._search_filter("", "p 12")), "accounts_user_name_trgm"),
        (User.objects.filter(attention._search_filter("", "p 12")), "accounts_user_email_trgm"),
        (
            PatientAttention.objects.filter(attention._kind_filter("", "missed")),
            "patients_attention_kinds",
        ),
    ):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            # Small test tables: without this the planner reads them whole, which says
            # nothing about whether the index can answer the condition.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = explained(cursor.fetchone()[0])
        assert index in {node.get("Index Name") for node in nodes(plan)}, index
