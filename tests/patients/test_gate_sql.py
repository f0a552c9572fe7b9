"""The access gate and the access log's route, compiled once per process (patients.models,
ldn_journal.sql_once): the same SQL, parameters and answers as their ORM spelling, for every
route, at any moment and in any clinic zone."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, models

from ldn_journal import sql_once
from ldn_journal.accounts import context_processors
from patients.clinic import attention, dashboard
from patients.clinic.break_glass import active_patient_ids
from patients.models import (
    ROUTE_BREAK_GLASS,
    ROUTE_CARE_TEAM,
    ROUTE_COVERING,
    BreakGlassGrant,
    CareTeamMembership,
    Coverage,
    FlagReview,
    Patient,
    SymptomScale,
    UrgentReport,
    _route_case,
    access_route_of,
    access_routes,
)
from prescriptions import panel
from prescriptions.models import SuggestionDismissal
from tests.factories import ClinicianFactory, PatientFactory

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def orm_gate(user, now):
    """The gate as the ORM spells it from access_routes (what visible_to sent before)."""
    routes = access_routes(user, now)
    return Patient.objects.filter(
        models.Q(pk__in=routes[ROUTE_CARE_TEAM])
        | models.Q(pk__in=routes[ROUTE_COVERING])
        | models.Q(pk__in=routes[ROUTE_BREAK_GLASS])
    )


def compiled(queryset):
    return queryset.query.get_compiler(queryset.db).as_sql()


def _covers_today(covering, covered):
    Coverage.objects.create(
        covering=covering,
        covered=covered,
        first_day=NOW.date(),
        last_day=NOW.date(),
        reason="Leave",
    )


def _grant_for_an_hour(clinician, patient):
    BreakGlassGrant.objects.create(
        patient=patient,
        clinician=clinician,
        reason="x" * 12,
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW + timedelta(hours=1),
    )


@pytest.fixture
def reach(clinician_a, clinician_b):
    """clinician_b: their own team, a colleague's team they cover, and one emergency grant."""
    own = PatientFactory(clinicians=[clinician_b])
    covered = PatientFactory(clinicians=[clinician_a])
    granted = PatientFactory(clinicians=[ClinicianFactory()])
    stranger = PatientFactory(clinicians=[ClinicianFactory()])
    _covers_today(clinician_b, clinician_a)
    _grant_for_an_hour(clinician_b, granted)
    return {"own": own, "covered": covered, "granted": granted, "stranger": stranger}


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Auckland", "America/Los_Angeles"])
@pytest.mark.parametrize("hours", [-30, 0, 9, 30])
def test_the_gate_sends_what_its_orm_spelling_sends(clinician_b, reach, settings, zone, hours):
    settings.LDN_CLINIC_TIME_ZONE = zone
    now = NOW + timedelta(hours=hours)

    gate = Patient.objects.visible_to(clinician_b, now)

    assert compiled(gate) == compiled(orm_gate(clinician_b, now))
    assert sorted(gate.values_list("pk", flat=True)) == sorted(
        orm_gate(clinician_b, now).values_list("pk", flat=True)
    )


def test_the_gate_reaches_each_route_and_nothing_else(clinician_b, reach):
    visible = set(Patient.objects.visible_to(clinician_b, NOW).values_list("pk", flat=True))

    assert {reach[k].pk for k in ("own", "covered", "granted")} <= visible
    assert reach["stranger"].pk not in visible


def test_a_gate_nested_in_another_query_answers_as_the_orm_spelling(clinician_b, reach):
    inner = Patient.objects.visible_to(clinician_b, NOW)
    nested = Patient.objects.filter(pk__in=inner).values_list("pk", flat=True)
    orm = Patient.objects.filter(pk__in=orm_gate(clinician_b, NOW)).values_list("pk", flat=True)

    assert sorted(nested) == sorted(orm)


@pytest.mark.parametrize(
    ("who", "route"),
    [
        ("own", ROUTE_CARE_TEAM),
        ("covered", ROUTE_COVERING),
        ("granted", ROUTE_BREAK_GLASS),
        ("stranger", ""),
    ],
)
def test_the_logged_route_is_the_orm_spellings(clinician_b, reach, who, route):
    patient = reach[who]

    def route_of(expression):
        return (
            Patient.objects.filter(pk=patient.pk)
            .annotate(route=expression)
            .values_list("route", flat=True)
            .get()
        )

    assert route_of(access_route_of(clinician_b, patient.pk, NOW)) == route
    assert route_of(_route_case(clinician_b, patient.pk, NOW)) == route


def test_the_route_sql_and_parameters_are_the_orm_spellings(clinician_b, reach):
    patient = reach["covered"]
    frozen = Patient.objects.annotate(route=access_route_of(clinician_b, patient.pk, NOW))
    orm = Patient.objects.annotate(route=_route_case(clinician_b, patient.pk, NOW))

    sql, params = compiled(frozen.values("route"))
    orm_sql, orm_params = compiled(orm.values("route"))

    # The frozen expression is wrapped in one pair of parentheses; nothing else differs.
    assert sql.replace("(CASE ", "CASE ").replace(' END) AS "route"', ' END AS "route"') == orm_sql
    assert params == orm_params


# --- sql_once refuses what it cannot freeze --------------------------------------------------

A = {"n": 1, "day": date(1901, 1, 1)}
B = {"n": 2, "day": date(1902, 2, 2)}


def test_a_constant_parameter_is_kept_and_named_ones_are_bound():
    frozen = sql_once.freeze(
        DEFAULT_DB_ALIAS, lambda v: ("SELECT %s, %s, %s", [v["n"], "x", v["day"]]), A, B
    )

    assert sql_once.bind(DEFAULT_DB_ALIAS, frozen, {"n": 7, "day": date(2026, 1, 1)}) == (
        7,
        "x",
        date(2026, 1, 1),
    )


@pytest.mark.parametrize(
    "compile_for",
    [
        # A value derived in a way the caller does not name.
        lambda v: ("SELECT %s", [v["day"] - timedelta(days=1)]),
        # SQL whose text depends on the values.
        lambda v: (f"SELECT {v['n']}", []),
    ],
)
def test_sql_that_depends_on_the_values_in_unnamed_ways_is_refused(compile_for):
    with pytest.raises(sql_once.NotFreezable):
        sql_once.freeze(DEFAULT_DB_ALIAS, compile_for, A, B)


# --- The patient page's gate (dashboard.care_team_gate) ----------------------------------------


def _as_values(found):
    if found is None:
        return None
    patient, clinicians = found

    def fields(obj):
        return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}

    return (
        fields(patient),
        fields(patient.user),
        patient.user.patient is patient,
        {name: getattr(patient, name) for name in dashboard.GATE_PATIENT_ATTRIBUTES},
        [fields(clinician) for clinician in clinicians],
        (patient._state.db, patient._state.adding),
    )


@pytest.mark.parametrize("who", ["own", "covered", "granted", "stranger"])
def test_the_patient_pages_gate_gives_what_its_orm_spelling_gives(clinician_b, reach, who):
    patient = reach[who]
    CareTeamMembership.objects.create(patient=patient, clinician=ClinicianFactory())
    FlagReview.objects.create(patient=patient, reviewed_through=NOW.date(), reviewed_by=clinician_b)
    for severity in ("moderate", "severe"):
        UrgentReport.objects.create(patient=patient, symptoms=["panic"], severity=severity)

    with time_machine.travel(NOW, tick=False):
        found = dashboard.care_team_gate(clinician_b, patient.pk)
        orm = dashboard._care_team_gate_orm(clinician_b, patient.pk)

    assert _as_values(found) == _as_values(orm)
    assert (found is None) is (who == "stranger")
    if found:
        assert found[0].urgent_count == 2
        assert found[0].urgent_severity == "severe"
        assert found[0].reviewed_through == NOW.date()
        assert len(found[1]) == 2


def test_the_patient_pages_gate_is_one_query(clinician_b, reach, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(1):
        patient, clinicians = dashboard.care_team_gate(clinician_b, reach["own"].pk)
    assert patient.user.email
    assert clinicians == [clinician_b]


def _columns(obj, *related):
    values = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}
    for name in related:
        values[name] = (getattr(obj, name).name, getattr(obj, name).email)
    return values


def test_the_gates_scales_and_dismissals_are_what_their_own_queries_read(
    clinician_b, reach, django_assert_num_queries
):
    patient, other = reach["own"], reach["covered"]
    for name, lower in (("Brain fog", True), ("Energy", False), ("Aches", True)):
        SymptomScale.objects.create(
            patient=patient,
            name=name,
            lower_is_better=lower,
            low_anchor="Calm",
            high_anchor="Storm",
            active=name != "Energy",
            created_by=clinician_b,
        )
    SymptomScale.objects.create(patient=other, name="Not theirs", created_by=clinician_b)
    named = ClinicianFactory(display_name="Dr Named")
    for i, (kind, by) in enumerate((("vivid_dreams", clinician_b), ("sleep", named))):
        SuggestionDismissal.objects.create(
            patient=patient,
            kind=kind,
            evidence_key=f"key-{i}",
            dismissed_by=by,
            dismissed_at=NOW - timedelta(days=i, microseconds=7),
            reason=f"why {i}",
        )
    SuggestionDismissal.objects.create(
        patient=other, kind="sleep", evidence_key="x", dismissed_by=named, reason="no"
    )

    with time_machine.travel(NOW, tick=False):
        gated, _team = dashboard.care_team_gate(clinician_b, patient.pk)
    with django_assert_num_queries(0):
        scales = dashboard.gate_scales(gated)
        dismissals = dashboard.gate_dismissals(gated)
        shown = [_columns(d, "dismissed_by") for d in dismissals]

    assert [_columns(s) for s in scales] == [
        _columns(s) for s in SymptomScale.objects.filter(patient=patient)
    ]
    assert [s.name for s in scales] == ["Aches", "Brain fog", "Energy"]
    assert shown == [_columns(d, "dismissed_by") for d in panel.dismissals_of(patient)]
    assert [d.reason for d in dismissals] == ["why 0", "why 1"]
    assert dismissals[1].dismissed_by.name == "Dr Named"
    assert dashboard.gate_scales(Patient.objects.get(pk=patient.pk)) is None


# --- The nav's urgent count and the break-glass banner: one query ------------------------------


@pytest.mark.parametrize("active", [True, False])
def test_the_nav_count_and_the_banner_are_their_orm_spellings_in_one_query(
    clinician_b, reach, rf, active, django_assert_num_queries
):
    for who in ("own", "covered", "granted", "stranger"):
        UrgentReport.objects.create(patient=reach[who], symptoms=["panic"], severity="severe")
    UrgentReport.objects.create(patient=reach["own"], symptoms=["vomiting"], severity="moderate")
    BreakGlassGrant.objects.create(  # a second grant on the same patient: listed once
        patient=reach["granted"],
        clinician=clinician_b,
        reason="y" * 12,
        starts_at=NOW - timedelta(minutes=5),
        ends_at=NOW + timedelta(hours=2),
    )
    clinician_b.is_active = active
    request = rf.get("/clinic/")
    request.user = clinician_b

    with time_machine.travel(NOW, tick=False):
        with django_assert_num_queries(1):
            alerts = context_processors.clinician_alerts(request)
            assert context_processors.clinician_alerts(request) is alerts  # once per request
        expected_count = UrgentReport.objects.visible_to(clinician_b).open().count()
        expected_grants = active_patient_ids(clinician_b)

    assert alerts.urgent_count == expected_count == (4 if active else 0)
    assert alerts.break_glass_patients == expected_grants == [reach["granted"].pk]


@pytest.mark.parametrize("who", ["active clinician", "inactive clinician", "patient", "admin"])
def test_urgent_reports_reach_whom_the_gate_reaches(clinician_b, reach, who, admin_user):
    """UrgentReport.visible_to asks each report's patient through the routes (patient_visible):
    the same reports as filtering by the gate's whole patient list, for everyone."""
    for key in ("own", "covered", "granted", "stranger"):
        UrgentReport.objects.create(patient=reach[key], symptoms=["panic"], severity="severe")
    user = {
        "active clinician": clinician_b,
        "inactive clinician": clinician_b,
        "patient": reach["own"].user,
        "admin": admin_user,
    }[who]
    user.is_active = who != "inactive clinician"

    def reports(queryset):
        return sorted(queryset.values_list("pk", flat=True))

    by_routes = reports(UrgentReport.objects.visible_to(user, NOW))
    by_gate = reports(
        UrgentReport.objects.filter(patient__in=Patient.objects.visible_to(user, NOW))
    )

    assert by_routes == by_gate
    expected = {"active clinician": 3, "inactive clinician": 0, "patient": 1, "admin": 4}[who]
    assert len(by_routes) == expected


def test_a_clinicians_urgent_reports_are_asked_per_report_not_per_team_patient(clinician_b):
    """The nav's count filters the few open reports by an EXISTS per route; it does not read
    the clinician's whole team (the patients table) first, which grew with the team."""
    sql, _ = compiled(UrgentReport.objects.visible_to(clinician_b, NOW).open())

    assert "patients_patient" not in sql
    assert sql.count("EXISTS") == 3


def _beyond_team_reference(clinician, now):
    """What the list asks, spelled plainly: reached by covering or a grant, not on the team."""
    routes = access_routes(clinician, now)
    return (
        Patient.objects.filter(
            models.Q(pk__in=routes[ROUTE_COVERING]) | models.Q(pk__in=routes[ROUTE_BREAK_GLASS])
        )
        .exclude(pk__in=routes[ROUTE_CARE_TEAM])
        .exists()
    )


@pytest.mark.parametrize(
    "routes",
    [(), ("covering",), ("break_glass",), ("covering", "break_glass"), ("covering_own_team",)],
)
def test_whether_the_list_reaches_beyond_the_team_is_the_plain_spellings_answer(
    clinician_a, clinician_b, routes
):
    mine = PatientFactory(clinicians=[clinician_b])
    if "covering" in routes:
        PatientFactory(clinicians=[clinician_a])
    if "covering_own_team" in routes:
        # The covered colleague's only patient is on clinician_b's team already.
        CareTeamMembership.objects.create(patient=mine, clinician=clinician_a)
    if {"covering", "covering_own_team"} & set(routes):
        _covers_today(clinician_b, clinician_a)
    if "break_glass" in routes:
        _grant_for_an_hour(clinician_b, PatientFactory(clinicians=[ClinicianFactory()]))
    expected = bool(routes) and routes != ("covering_own_team",)

    assert _beyond_team_reference(clinician_b, NOW) is expected
    assert attention._reaches_beyond_team(clinician_b, NOW) is expected
    # A day later the coverage has ended and the grant expired.
    assert attention._reaches_beyond_team(clinician_b, NOW + timedelta(days=2)) is False
