"""An urgent report's night is the night its moment belongs to under the dosing time the plan
had then (PlanView.night_of): a morning doser's report is on the calendar date, an evening
doser's before noon on the night before. Every surface that places a report on a night reads
it: the clinician's report page, the visit report and the FHIR export, the flags."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import dashboard
from patients.journal import entries as journal
from patients.urgent import reports as urgent
from patients.urgent.fhir import adverse_events
from prescriptions import plans, titration
from prescriptions.changes import first_changeable_night
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

LORD_HOWE = "Australia/Lord_Howe"  # +11:00 in December
TAP = datetime(2026, 12, 2, 22, 48, tzinfo=UTC)  # 09:48 on Thu 3 Dec on Lord Howe
DOSE_DAY = date(2026, 12, 3)


def _patient_on(patient, clinician, dosing_time):
    patient.time_zone = LORD_HOWE
    patient.save(update_fields=["time_zone"])
    make_plan(patient, clinician, dosing_time=dosing_time, start=date(2026, 11, 1))
    return patient


def _report(patient, now):
    return urgent_report(patient, now, symptoms=["severe_headache"], since="since_dose")


@pytest.fixture
def morning_report(patient_a, clinician_a):
    """A morning doser taps Taken now at 09:48 on 3 Dec, then reports a bad reaction."""
    patient = _patient_on(patient_a, clinician_a, "morning")
    with time_machine.travel(TAP, tick=False):
        journal.log_taken_now(patient, TAP, uuid.uuid4())
    return _report(patient, TAP + timedelta(minutes=2))


def test_a_morning_dosers_report_page_starts_with_the_mornings_dose_the_form_says_is_logged(
    clinician_client, patient_a, morning_report
):
    with time_machine.travel(TAP + timedelta(minutes=10), tick=False):
        response = clinician_client.get(reverse("clinic:urgent_report", args=[morning_report.pk]))
        tonight = plans.load(patient_a).tonight(patient_a.tz, TAP + timedelta(minutes=10))
        _hold_from, logged = first_changeable_night(patient_a, tonight)
    assert response.status_code == 200
    newest = response.context["nights"][0]
    assert newest.night == DOSE_DAY == tonight
    assert newest.entry is not None
    assert newest.entry.status == "taken"
    assert newest.entry.dose_mg == Decimal("1.50")
    # The acknowledgement form beside the nights says today's dose is logged: they agree.
    assert logged
    assert "Today’s dose is already logged and stands" in response.content.decode()


def test_a_morning_dosers_report_is_on_the_calendar_date_in_the_visit_report_and_fhir(
    clinician_client, patient_a, morning_report
):
    plan = plans.load(patient_a)
    assert urgent.report_night(morning_report, patient_a.tz, plan) == DOSE_DAY
    assert urgent.reports_between(patient_a, DOSE_DAY, DOSE_DAY, plan) == [morning_report]
    assert (
        urgent.reports_between(
            patient_a, DOSE_DAY - timedelta(days=1), DOSE_DAY - timedelta(days=1), plan
        )
        == []
    )
    (event,) = adverse_events("urn:uuid:p", patient_a, DOSE_DAY, DOSE_DAY, plan)
    assert event["id"]
    with time_machine.travel(TAP + timedelta(minutes=10), tick=False):
        html = clinician_client.get(
            reverse("clinic:report", args=[patient_a.pk]),
            {"start": DOSE_DAY.isoformat(), "end": DOSE_DAY.isoformat()},
        ).content.decode()
    assert "No urgent reports in this period" not in html
    assert "Severe headache" in html


def test_a_morning_dosers_open_report_flags_the_calendar_date(
    clinician_a, patient_a, morning_report
):
    now = TAP + timedelta(minutes=10)
    (row,) = dashboard.patient_rows(clinician_a, now)
    annotated = dashboard.annotated_patients(clinician_a, now).get(pk=patient_a.pk)
    page = dashboard.patient_page(annotated, [clinician_a], now)
    for flags in (row.open_flags, page.flags):
        (flag,) = [f for f in flags if f.kind == "urgent"]
        assert flag.evidence == (DOSE_DAY,)
        assert flag.report_id == morning_report.pk
    assert urgent.report_night(morning_report, patient_a.tz, plans.load(patient_a)) == DOSE_DAY


def test_an_evening_dosers_report_at_nine_am_stays_on_last_night(
    clinician_client, clinician_a, patient_a
):
    patient = _patient_on(patient_a, clinician_a, "evening")
    at_nine = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # 09:00 on 3 Dec on Lord Howe
    report = _report(patient, at_nine)
    plan = plans.load(patient)
    last_night = DOSE_DAY - timedelta(days=1)
    assert urgent.report_night(report, patient.tz, plan) == last_night
    assert urgent.reports_between(patient, last_night, last_night, plan) == [report]
    assert urgent.reports_between(patient, DOSE_DAY, DOSE_DAY, plan) == []
    (row,) = dashboard.patient_rows(clinician_a, at_nine)
    (flag,) = [f for f in row.open_flags if f.kind == "urgent"]
    assert flag.evidence == (last_night,)
    with time_machine.travel(at_nine + timedelta(minutes=10), tick=False):
        response = clinician_client.get(reverse("clinic:urgent_report", args=[report.pk]))
    assert response.context["nights"][0].night == last_night


def _version(number, effective, dosing_time):
    return titration.PlainVersion(
        number=number,
        effective_night=effective,
        start_date=date(2024, 1, 1),
        steps=(titration.Step(Decimal("1.5"), None),),
        dosing_time=dosing_time,
    )


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2024, 1, 31, 21, 0), date(2024, 1, 31)),  # the last evening night
        ((2024, 2, 1, 1, 30), date(2024, 1, 31)),  # still its evening window
        ((2024, 2, 1, 9, 0), date(2024, 2, 1)),  # the first morning: night N
        ((2024, 2, 2, 9, 0), date(2024, 2, 2)),
    ],
)
def test_a_report_on_the_day_a_switch_to_morning_dosing_begins_is_on_tonights_night(
    local, expected
):
    plan = plans.PlanView(
        versions=(
            _version(1, date(2024, 1, 1), "evening"),
            _version(2, date(2024, 2, 1), "morning"),
        )
    )
    zone = ZoneInfo("America/St_Johns")
    moment = datetime(*local, tzinfo=zone)
    report = SimpleNamespace(created_at=moment)
    assert urgent.report_night(report, zone, plan) == expected == plan.tonight(zone, moment)
