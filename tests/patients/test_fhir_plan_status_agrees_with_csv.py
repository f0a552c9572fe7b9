"""The FHIR export carried no per-night plan state: a dose taken while the clinician had put
the plan on hold went out as an ordinary completed MedicationAdministration, while the CSV of
the same range (and the calendar, the night page, trends, the entries table) said "on_hold".
Every resource of a night now names the plan's state that night in the plan-status extension,
read from PlanView.status_on as the CSV's plan_status is, and a dose taken on hold says so in
its note. The two exports of one range name the same state for every night."""

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from patients.models import NightlyEntry
from prescriptions import plans
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.journal_support import NOW, make_plan, sign_hold
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-11-01", "end": "2026-11-25"}
HOLD = (date(2026, 11, 10), date(2026, 11, 14))  # signed on the 9th, dated
TAKEN_ON_HOLD = {date(2026, 11, 11), date(2026, 11, 14)}
SKIPPED_ON_HOLD = date(2026, 11, 12)
MORNING_ONLY_ON_HOLD = date(2026, 11, 13)  # nothing logged that evening, a check-in after
URGENT_ONLY_ON_HOLD = date(2026, 11, 10)  # nothing logged, an urgent report made that night
HELD = TAKEN_ON_HOLD | {SKIPPED_ON_HOLD, MORNING_ONLY_ON_HOLD, URGENT_ONLY_ON_HOLD}
TAKEN_ACTIVE = {date(2026, 11, d) for d in (5, 6, 7, 8, 9, 15, 16, 17)}


def _at(night, hour, minute=0):
    return datetime(night.year, night.month, night.day, hour, minute, tzinfo=UTC)  # London: GMT


def _journal_with_a_hold(patient, clinician):
    make_plan(patient, clinician, steps=(("1.5", None),))
    sign_hold(patient, clinician, *HOLD, signed=_at(date(2026, 11, 9), 20))
    for night in sorted(TAKEN_ACTIVE | TAKEN_ON_HOLD):
        NightlyEntry.objects.create(
            patient=patient,
            night=night,
            status="taken",
            dose_mg=Decimal("1.5"),
            prescribed_mg=None if night in HELD else Decimal("1.5"),
            taken_at=_at(night, 21, 30),
            evening_logged_at=_at(night, 21, 30),
            time_zone="Europe/London",
        )
    NightlyEntry.objects.create(
        patient=patient,
        night=SKIPPED_ON_HOLD,
        status="skipped",
        skip_reason="told_to_pause",
        evening_logged_at=_at(SKIPPED_ON_HOLD, 21),
        time_zone="Europe/London",
    )
    morning = _at(MORNING_ONLY_ON_HOLD + timedelta(days=1), 8)
    NightlyEntry.objects.create(
        patient=patient,
        night=MORNING_ONLY_ON_HOLD,
        sleep_quality=6,
        pain=3,
        morning_logged_at=morning,
        time_zone="Europe/London",
    )
    urgent_report(patient, _at(URGENT_ONLY_ON_HOLD, 22, 15))


def _download(client, patient, fmt, params=RANGE):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("clinic:export", args=[patient.pk, fmt]), params)
        assert response.status_code == 200
        return b"".join(response.streaming_content)


def _csv_states(client, patient):
    text = _download(client, patient, "csv").decode("utf-8-sig")
    return {
        date.fromisoformat(row["night"]): row["plan_status"]
        for row in csv.DictReader(io.StringIO(text))
    }


def _fhir_resources(client, patient):
    return [entry["resource"] for entry in json.loads(_download(client, patient, "fhir"))["entry"]]


def _extension(resource, name):
    values = [
        value
        for extension in resource.get("extension", ())
        if extension["url"].endswith(f"/fhir/StructureDefinition/{name}")
        for key, value in extension.items()
        if key.startswith("value")
    ]
    assert len(values) <= 1, resource
    return values[0] if values else None


def _fhir_states(resources):
    """Each night's plan state as every resource of the night names it."""
    states = defaultdict(set)
    for resource in resources:
        night = _extension(resource, "night")
        if night is not None:
            states[date.fromisoformat(night)].add(_extension(resource, "plan-status"))
    return states


def test_the_csv_and_the_fhir_export_of_a_range_name_the_same_plan_state_night_by_night(
    clinician_client, patient_a, clinician_a
):
    _journal_with_a_hold(patient_a, clinician_a)

    in_csv = _csv_states(clinician_client, patient_a)
    in_fhir = _fhir_states(_fhir_resources(clinician_client, patient_a))

    # Every resource of a night names one state, the night's.
    assert {night: len(states) for night, states in in_fhir.items()} == dict.fromkeys(in_fhir, 1)
    # FHIR has resources for the nights something was logged or reported on; the CSV has a
    # row for those and for each night the plan prescribed with nothing logged (missed).
    assert {night: state for night, (state,) in in_fhir.items()} == {
        night: state for night, state in in_csv.items() if night in in_fhir
    }
    assert set(in_fhir) == TAKEN_ACTIVE | HELD
    assert {night for night, state in in_csv.items() if state == "on_hold"} == HELD
    plan_nights = {date(2026, 11, 1) + timedelta(days=days) for days in range(25)}
    assert {night for night, state in in_csv.items() if state == "active"} == plan_nights - HELD


def test_a_dose_taken_on_hold_says_so_in_its_note_and_an_ordinary_dose_has_none(
    clinician_client, patient_a, clinician_a
):
    _journal_with_a_hold(patient_a, clinician_a)

    doses = {
        date.fromisoformat(_extension(resource, "night")): resource
        for resource in _fhir_resources(clinician_client, patient_a)
        if resource["resourceType"] == "MedicationAdministration"
    }

    noted = {night for night, dose in doses.items() if "note" in dose}
    assert noted == TAKEN_ON_HOLD
    for night in TAKEN_ON_HOLD:
        MedicationAdministration.model_validate(doses[night])
        assert doses[night]["status"] == "completed"
        assert doses[night]["note"] == [{"text": "Taken while the plan was on hold."}]
    assert doses[SKIPPED_ON_HOLD]["status"] == "not-done"


def _export_queries(client, patient, params):
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("clinic:export", args=[patient.pk, "fhir"]), params)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("clinic:export", args=[patient.pk, "fhir"]), params)
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def test_the_fhir_export_of_a_year_with_a_hold_reads_as_many_queries_as_a_month(
    clinician_client, clinician_a, settings
):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    tonight = date(2026, 11, 25)
    year, month = (PatientFactory(clinicians=[clinician_a]) for _ in range(2))
    for patient, nights in ((year, 365), (month, 30)):
        give_plan(patient, clinician_a, tonight - timedelta(days=400))
        # A hold in the middle of the nights, signed before they were logged (a change never
        # reaches a night already logged), and doses logged through it.
        sign_hold(
            patient,
            clinician_a,
            tonight - timedelta(days=20),
            tonight - timedelta(days=10),
            signed=_at(tonight - timedelta(days=21), 20),
        )
        give_nights([patient], tonight, nights)
    assert plans.load(year).status_on(tonight - timedelta(days=15)) == "on_hold"
    params = {"start": "2025-11-26", "end": "2026-11-25"}

    at_a_month = _export_queries(clinician_client, month, params)
    at_a_year = _export_queries(clinician_client, year, params)

    # tests/patients/test_query_budgets.py: "clinic:export fhir" within 15.
    assert at_a_month == at_a_year <= 15
