"""One truth for a patient's plan and night, across every surface (issue 13).

For random plan histories (steps, templates, holds with and without an end, holds starting
later, resumes, dosing-time switches, an ending, doses logged along the way) saved at random
moments in several time zones, every surface agrees with ``titration`` on tonight, the state
and the dose: the tonight card, "My plan", the clinician's plan page and patient page, the
dashboard list, the reminder sweep's night states, the flags and the FHIR export. And no
saved change ever alters how an earlier night is judged.
"""

import contextlib
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients.clinic import dashboard
from patients.clinic.exports import fhir
from patients.journal import entries as journal
from patients.notifications.due import night_state
from patients.rules import flags as flag_rules
from patients.rules.schedule import nights_around
from prescriptions import changes, plans, titration
from prescriptions.builtin import ensure_builtin_templates
from prescriptions.models import PlanTemplate, PlanVersion
from tests.factories import ClinicianFactory, PatientFactory
from tests.prescriptions.factories import make_prescription, plan_steps
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Auckland",
)
START = date(2026, 3, 20)  # the plans run across the March/April daylight-saving changes
FIRST_SAVE = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
STEP_SETS = (
    (("1.5", 7), ("3.0", 7), ("4.5", None)),
    (("1.0", 3), ("2.25", None)),
    (("4.5", None),),
    (("2.0", 5), ("1.5", 4), ("3.5", None)),
)
KINDS = ("steps", "template", "hold", "hold_dated", "hold_later", "resume", "switch", "end")
KINDS += ("dose", "dose")  # doses are logged more often than plans change

operations = st.lists(
    st.tuples(
        st.integers(0, 5),  # days to the next action
        st.integers(0, 23),  # hours on top
        st.sampled_from(KINDS),
        st.integers(-2, 3),  # nights from tonight (before tonight: must be refused), a choice
        st.integers(1, 6),  # a length in nights
    ),
    min_size=1,
    max_size=7,
)
moments = st.lists(st.tuples(st.integers(-3, 45), st.integers(0, 23)), min_size=1, max_size=2)


def oracle_versions(patient):
    """The plan straight from the rows, for titration to judge (not through plans.py)."""
    rows = list(
        PlanVersion.objects.filter(prescription__patient=patient)
        .order_by("prescription_id", "number")
        .prefetch_related("steps")
    )
    index = {pk: i for i, pk in enumerate(sorted({row.prescription_id for row in rows}))}
    return [row.as_plain(index[row.prescription_id]) for row in rows]


def judged(versions, nights):
    """How titration judges each night: state, dose and dosing time."""
    out = {}
    for night in nights:
        position = titration.current_step(versions, night)
        out[night] = (position.status, position.dose_mg, position.dosing_time)
    return out


def nights_between(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def build_change(kind, view, tonight, offset, length):
    latest = view.latest
    if kind in ("steps", "template"):
        if kind == "template":
            template = PlanTemplate.objects.filter(liquid_only=False).order_by("pk")[offset % 2]
            steps, template_id = template.plain_steps, template.pk
        else:
            steps, template_id = plan_steps(STEP_SETS[abs(offset)]), None
        night = tonight + timedelta(days=offset)
        return changes.steps_change(
            latest,
            effective_night=night,
            start_date=night,
            steps=steps,
            reason="Change",
            template_id=template_id,
        )
    if kind in ("hold", "hold_dated", "hold_later"):
        first = tonight + timedelta(days=length if kind == "hold_later" else min(offset, 0))
        until = first + timedelta(days=length) if kind == "hold_dated" else None
        return changes.hold_change(latest, hold_from=first, hold_until=until, reason="Surgery")
    if kind == "resume":
        night = tonight + timedelta(days=offset)
        return changes.resume_change(
            latest,
            tonight_night=tonight,
            resume_on=night,
            step_index=min(abs(offset), len(latest.steps) - 1),
            reason="Off opioids",
        )
    if kind == "switch":
        other = titration.MORNING if latest.dosing_time == titration.EVENING else titration.EVENING
        return changes.dosing_time_change(
            latest,
            dosing_time=other,
            effective_night=tonight + timedelta(days=offset),
            reason="Sleep",
        )
    return changes.end_change(latest, tonight_night=tonight, reason="No benefit")


def act(patient, clinician, kind, now, offset, length):
    """One action at ``now``: a signed change (refused ones change nothing) or a dose."""
    view = plans.load(patient)
    tonight = view.tonight(patient.tz, now)
    if kind == "dose":
        dose = view.on(tonight).dose_mg or Decimal("1.5")
        if offset == 3:
            dose = Decimal("4.75")  # a deviation
        with contextlib.suppress(journal.JournalError):
            journal.save_evening(
                patient, tonight, now, uuid.uuid4(), dose_mg=dose, taken_at=now, plan=view
            )
        return tonight
    if view.open_prescription is None:
        return tonight
    try:
        change = build_change(kind, view, tonight, offset, length)
        changes.save_version(
            prescription_id=view.prescription.pk,
            author=clinician,
            based_on=view.latest_row.number,
            change=change,
            now=now,
        )
    except changes.PlanChangeError:
        pass
    return tonight


def check_surfaces(client, patient, clinician, moment, logged):
    versions = oracle_versions(patient)
    tz = patient.tz
    tonight = titration.tonight(versions, tz, moment)
    expected = titration.current_step(versions, tonight)
    shown = (expected.status, expected.dose_mg, expected.dosing_time)

    def same(position):
        return (position.status, position.dose_mg, position.dosing_time) == shown

    with time_machine.travel(moment, tick=False):
        client.force_login(patient.user)
        home = client.get(reverse("journal:home")).context
        assert home["tonight"] == tonight, "tonight card"
        assert same(home["position"]), "tonight card"
        my_plan = client.get(reverse("journal:plan")).context
        assert my_plan["tonight"] == tonight, "My plan"
        assert same(my_plan["position"]), "My plan"
        client.force_login(clinician)
        mark_reauthenticated(client, clinician)
        panel = client.get(reverse("clinic:plan", args=[patient.pk])).context
        assert panel["tonight"] == tonight, "plan panel"
        assert same(panel["position"]), "plan panel"
    page = dashboard.patient_page(patient, [clinician], moment)
    assert page.today == tonight, "patient page"
    assert same(page.position), "patient page"
    (row,) = dashboard.patient_rows(clinician, moment)
    assert row.today == tonight, "dashboard list"
    assert same(row.position), "dashboard list"

    # The reminder sweep's night states, through the batch loader.
    batch = plans.load_many([patient.pk]).get(patient.pk, plans.NO_PLAN)
    for night in nights_around(moment, patient.time_zone):
        state = night_state(batch, night)
        position = titration.current_step(versions, night)
        assert (state.plan_status, state.dose_mg, state.dosing_time) == (
            position.status,
            position.dose_mg,
            position.dosing_time,
        ), "reminder sweep"

    # Flags: every night a flag names is judged as titration judges it.
    for flag in page.flags:
        for night in flag.evidence:
            position = titration.current_step(versions, night)
            if flag.kind == flag_rules.MISSED:
                assert position.status == titration.ACTIVE, "missed flag"
            if flag.kind == flag_rules.DOSE_ON_HOLD:
                assert position.status == titration.ON_HOLD, "dose-on-hold flag"
            if flag.kind == flag_rules.DEVIATION:
                assert logged[night] != position.dose_mg, "deviation flag"

    # FHIR: the request for the version in effect tonight carries tonight's state.
    view = plans.load(patient)
    bundle = fhir.bundle(patient, view, [], moment, tonight, tonight)
    statuses = {
        resource["identifier"][0]["value"]: resource["status"]
        for resource in (entry["resource"] for entry in bundle["entry"])
        if resource["resourceType"] == "MedicationRequest"
    }
    in_effect = titration.version_in_effect(versions, tonight)
    if in_effect is not None and expected.status in fhir.REQUEST_STATUS:
        key = f"{view.prescription.pk}-{in_effect.number}"
        assert statuses[key] == fhir.REQUEST_STATUS[expected.status], "FHIR status"


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    steps=st.sampled_from(STEP_SETS),
    dosing_time=st.sampled_from(titration.DOSING_TIMES),
    actions=operations,
    looks=moments,
)
def test_every_surface_agrees_with_titration_and_no_change_rewrites_an_earlier_night(
    client, zone, steps, dosing_time, actions, looks
):
    with transaction.atomic():
        ensure_builtin_templates(PlanTemplate)
        clinician = ClinicianFactory()
        patient = PatientFactory(time_zone=zone, clinicians=[clinician])
        make_prescription(
            patient,
            clinician,
            START,
            steps=steps,
            formulation="other",
            dosing_time=dosing_time,
            now=FIRST_SAVE,
        )
        now = FIRST_SAVE
        for days, hours, kind, offset, length in actions:
            now += timedelta(days=days, hours=hours)
            before_view = plans.load(patient)
            tonight = before_view.tonight(patient.tz, now)
            earlier = nights_between(START - timedelta(days=3), tonight - timedelta(days=1))
            before = judged(oracle_versions(patient), earlier)
            act(patient, clinician, kind, now, offset, length)
            assert judged(oracle_versions(patient), earlier) == before, (kind, now)
        # Both loaders give titration's answer on every night of the history and after.
        versions = oracle_versions(patient)
        single = plans.load(patient)
        batch = plans.load_many([patient.pk])[patient.pk]
        for night in nights_between(START - timedelta(days=3), START + timedelta(days=60)):
            expected = titration.current_step(versions, night)
            assert single.on(night) == expected
            assert batch.on(night).status == expected.status
        logged = dict(patient.entries.values_list("night", "dose_mg"))
        for day, hour in looks:
            moment = FIRST_SAVE + timedelta(days=day, hours=hour)
            check_surfaces(client, patient, clinician, moment, logged)
        transaction.set_rollback(True)
