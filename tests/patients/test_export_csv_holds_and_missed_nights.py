"""The CSV export had a row only for the nights something was logged on (or an urgent report
made on): an eleven-night hold was absent from the file and looked exactly like eleven missed
nights, although the file has a plan_status column, and a range of tonight alone, on hold with
nothing logged, was a header alone (the FHIR export does show the hold). It now has a row for
every night the plan asked something of up to tonight, a dose (active) or none (on_hold),
logged or not, its plan_status read from the one plan view (PlanView.status_on); a night with
nothing logged has its logged columns blank, as a night with only an urgent report had. A
night with nothing prescribed and nothing logged (before the plan, after it ended) has none."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.clinic.exports.csv import HEADER
from patients.models import NightlyEntry
from prescriptions import plans, titration
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.fhir_requests_support import requests_in, said_on
from tests.patients.journal_support import NOW, TONIGHT, make_plan, sign_ending, sign_hold

pytestmark = pytest.mark.django_db

PLAN_START = date(2026, 11, 1)
LOGGED = {PLAN_START + timedelta(days=days) for days in range(8)}  # 1-8 November
MISSED = {date(2026, 11, day) for day in range(9, 14)}  # prescribed, nothing logged
HOLD = (date(2026, 11, 14), date(2026, 11, 24))  # eleven nights, nothing logged
HELD = {HOLD[0] + timedelta(days=days) for days in range(11)}
LOGGED_COLUMNS = [
    name
    for name in HEADER[: HEADER.index("logged_offline") + 1]
    if name not in ("night", "plan_status")
]


def _at(night, hour, minute=0):
    return datetime(night.year, night.month, night.day, hour, minute, tzinfo=UTC)  # London: GMT


def _journal(patient, clinician):
    """Logged 1-8 November, missed 9-13, held 14-24 (signed on the 13th), tonight (the 25th)
    prescribed again and not logged yet."""
    make_plan(patient, clinician, steps=(("1.5", None),), start=PLAN_START)
    sign_hold(patient, clinician, *HOLD, signed=_at(date(2026, 11, 13), 20))
    for night in sorted(LOGGED):
        NightlyEntry.objects.create(
            patient=patient,
            night=night,
            status="taken",
            dose_mg=Decimal("1.5"),
            prescribed_mg=Decimal("1.5"),
            taken_at=_at(night, 21, 30),
            evening_logged_at=_at(night, 21, 30),
            time_zone="Europe/London",
        )


def _download(client, patient, fmt, **params):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("clinic:export", args=[patient.pk, fmt]), params)
        assert response.status_code == 200
        return b"".join(response.streaming_content)


def _rows(client, patient, **params):
    text = _download(client, patient, "csv", **params).decode("utf-8-sig")
    return {date.fromisoformat(row["night"]): row for row in csv.DictReader(io.StringIO(text))}


def test_an_eleven_night_hold_is_eleven_rows_on_hold(clinician_client, patient_a, clinician_a):
    _journal(patient_a, clinician_a)

    rows = _rows(clinician_client, patient_a, start="2026-11-01", end="2026-11-25")

    assert {night for night, row in rows.items() if row["plan_status"] == "on_hold"} == HELD
    for night in HELD:
        assert {name: rows[night][name] for name in LOGGED_COLUMNS} == dict.fromkeys(
            LOGGED_COLUMNS, ""
        )


def test_missed_prescribed_nights_are_rows_with_nothing_logged_and_the_plan_active(
    clinician_client, patient_a, clinician_a
):
    _journal(patient_a, clinician_a)

    rows = _rows(clinician_client, patient_a, start="2026-11-01", end="2026-11-25")

    # Every night of the range has a row: the plan asked something of each.
    assert set(rows) == LOGGED | MISSED | HELD | {TONIGHT}
    assert {night for night, row in rows.items() if row["status"] == "taken"} == LOGGED
    # A missed night: its logged columns blank but the dose the plan prescribed that night
    # (the column's meaning: PlanView.dose_on), the plan's state "active". Tonight is one
    # too, not logged yet. A held night prescribes nothing.
    unprescribed = [name for name in LOGGED_COLUMNS if name != "prescribed_mg"]
    for night in MISSED | {TONIGHT}:
        assert {name: rows[night][name] for name in unprescribed} == dict.fromkeys(unprescribed, "")
        # Written as a logged night's is.
        assert rows[night]["prescribed_mg"] == rows[PLAN_START]["prescribed_mg"] == "1.50"
        assert rows[night]["plan_status"] == "active"
    assert {rows[night]["prescribed_mg"] for night in HELD} == {""}


def test_a_range_of_tonight_on_hold_with_nothing_logged_is_one_row_on_hold(
    clinician_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=PLAN_START)
    sign_hold(patient_a, clinician_a, TONIGHT, signed=_at(TONIGHT, 20))

    rows = _rows(clinician_client, patient_a, start=TONIGHT.isoformat(), end=TONIGHT.isoformat())

    assert list(rows) == [TONIGHT]
    assert rows[TONIGHT]["plan_status"] == "on_hold"
    assert rows[TONIGHT]["status"] == ""


def test_nights_with_nothing_prescribed_and_nothing_logged_have_no_row(
    clinician_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=PLAN_START)
    sign_ending(patient_a, clinician_a, date(2026, 11, 10), "Finished")

    rows = _rows(clinician_client, patient_a, start="2026-10-20", end="2026-11-25")

    # Before the plan and from the night it ended on: nothing asked, nothing logged.
    assert set(rows) == {date(2026, 11, day) for day in range(1, 10)}
    assert {row["plan_status"] for row in rows.values()} == {"active"}


def test_the_csv_and_the_fhir_export_hold_the_same_nights(clinician_client, patient_a, clinician_a):
    _journal(patient_a, clinician_a)
    params = {"start": "2026-11-01", "end": "2026-11-25"}

    in_csv = {
        night
        for night, row in _rows(clinician_client, patient_a, **params).items()
        if row["plan_status"] == "on_hold"
    }
    bundle = json.loads(_download(clinician_client, patient_a, "fhir", **params))
    governing = [
        request for request in requests_in(bundle).values() if request["status"] != "cancelled"
    ]
    in_fhir = set()
    for request in governing:
        validity = request["dispenseRequest"]["validityPeriod"]
        first = date.fromisoformat(validity["start"])
        last = date.fromisoformat(validity.get("end", TONIGHT.isoformat()))
        night = max(first, PLAN_START)
        while night <= min(last, TONIGHT):
            if (titration.ON_HOLD,) in said_on(request, night):
                in_fhir.add(night)
            night += timedelta(days=1)

    assert in_csv == in_fhir == HELD


def _csv_queries(client, patient, params):
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("clinic:export", args=[patient.pk, "csv"]), params)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("clinic:export", args=[patient.pk, "csv"]), params)
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def test_the_csv_of_a_year_with_a_hold_and_missed_nights_reads_as_many_queries_as_a_month(
    clinician_client, clinician_a, settings
):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    year, month = (PatientFactory(clinicians=[clinician_a]) for _ in range(2))
    for patient, nights in ((year, 300), (month, 30)):
        give_plan(patient, clinician_a, TONIGHT - timedelta(days=400))
        sign_hold(
            patient,
            clinician_a,
            TONIGHT - timedelta(days=20),
            TONIGHT - timedelta(days=10),
            signed=_at(TONIGHT - timedelta(days=21), 20),
        )
        give_nights([patient], TONIGHT, nights)
    assert plans.load(year).status_on(TONIGHT - timedelta(days=15)) == "on_hold"
    params = {"start": "2025-11-26", "end": TONIGHT.isoformat()}

    at_a_month = _csv_queries(clinician_client, month, params)
    at_a_year = _csv_queries(clinician_client, year, params)

    # tests/patients/query_budgets_support.py: "clinic:export csv" within 15.
    assert at_a_month == at_a_year <= 15
