"""The CSV export holds the urgent reaction reports of its nights, as the FHIR export and the
night page do: it had none, so a clinician who exported a record for another doctor left out
the events that matter most. Each report is on the row of the night it was made on (in the
zone it was made in), a night with a report and nothing logged is a row of its own, reports
of nights outside the range stay out, and the patient's words cannot run as a formula."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.clinic.exports.csv import HEADER
from patients.urgent import reports as urgent
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
URGENT = [name for name in HEADER if name.startswith("urgent_")]


def at(night, hour, minute=0):
    """A moment in London (GMT before 29 March 2026)."""
    return datetime(night.year, night.month, night.day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def journal(patient_a, clinician_a):
    """Twenty nights logged, 11 to 30 March, on a plan that began on 1 February."""
    give_plan(patient_a, clinician_a, date(2026, 2, 1))
    give_nights([patient_a], TONIGHT, 20)
    return patient_a


def exported(client, patient, **params):
    response = client.get(reverse("clinic:export", args=[patient.pk, "csv"]), params)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["night"]: row for row in csv.DictReader(io.StringIO(content))}


def test_an_urgent_report_is_on_the_row_of_its_night(clinician_client, journal, clinician_a):
    report = urgent_report(
        journal,
        at(date(2026, 3, 20), 22, 15),
        symptoms=["severe_headache", "vomiting"],
        severity="severe",
        text="Worst headache of my life",
    )
    urgent.acknowledge(
        report, clinician_a, "Stop tonight", at(date(2026, 3, 20), 22, 40), hold=True
    )

    row = exported(clinician_client, journal)["2026-03-20"]

    assert row["status"] == "taken"
    assert {name: row[name] for name in URGENT} == {
        "urgent_reported_at": "2026-03-20T22:15:00+00:00",
        "urgent_time_zone": "Europe/London",
        "urgent_severity": "severe",
        "urgent_symptoms": "severe_headache,vomiting",
        "urgent_text": "Worst headache of my life",
        "urgent_acknowledged_at": "2026-03-20T22:40:00+00:00",
        "urgent_decision": "hold",
    }


def test_a_night_with_only_an_urgent_report_is_a_row_of_its_own(clinician_client, journal):
    # 5 March: nothing logged (the nights logged begin on the 11th). 09:30 on the 6th is
    # before noon: the night of the 5th.
    urgent_report(journal, at(date(2026, 3, 6), 9, 30), severity="moderate")

    rows = exported(clinician_client, journal, start="2026-03-01", end="2026-03-12")

    # Each night of the plan has a row (1-10 March: nothing logged); the report on its own.
    assert list(rows) == [f"2026-03-{day:02}" for day in range(1, 13)]
    assert [night for night, row in rows.items() if row["urgent_reported_at"]] == ["2026-03-05"]
    alone = rows["2026-03-05"]
    assert alone["urgent_reported_at"] == "2026-03-06T09:30:00+00:00"
    assert alone["urgent_severity"] == "moderate"
    assert alone["urgent_acknowledged_at"] == alone["urgent_decision"] == ""
    logged_columns = [
        name
        for name in HEADER
        if name not in ("night", "plan_status", "prescribed_mg") and name not in URGENT
    ]
    assert {name: alone[name] for name in logged_columns} == dict.fromkeys(logged_columns, "")
    # What the plan prescribed that night, logged or not.
    assert alone["prescribed_mg"] != ""
    # The plan's state that night is the plan's, logged or not.
    assert alone["plan_status"] == "active"
    assert rows["2026-03-11"]["logged_offline"] == "false"
    assert rows["2026-03-11"]["urgent_reported_at"] == ""


def test_urgent_reports_of_nights_outside_the_range_stay_out(clinician_client, journal):
    # Before noon on the 15th: the night of the 14th, the night before the range. After noon
    # on the 18th: the night of the 18th, the night after it.
    urgent_report(journal, at(date(2026, 3, 15), 11, 59))
    urgent_report(journal, at(date(2026, 3, 18), 12, 0))
    inside = urgent_report(journal, at(date(2026, 3, 16), 23, 0))

    rows = exported(clinician_client, journal, start="2026-03-15", end="2026-03-17")

    assert list(rows) == ["2026-03-15", "2026-03-16", "2026-03-17"]
    reported = [row["urgent_reported_at"] for row in rows.values()]
    assert reported == ["", inside.created_at.isoformat(), ""]


def test_two_reports_of_one_night_are_listed_oldest_first_in_every_column(
    clinician_client, journal, clinician_a
):
    night = date(2026, 3, 25)
    first = urgent_report(journal, at(night, 21, 0), symptoms=["panic"], text="Heart racing")
    urgent.acknowledge(first, clinician_a, "", at(night, 21, 20))
    urgent_report(journal, at(night, 23, 30), symptoms=["rash_swelling", "other"])

    row = exported(clinician_client, journal)["2026-03-25"]

    assert row["urgent_reported_at"] == "2026-03-25T21:00:00+00:00; 2026-03-25T23:30:00+00:00"
    assert row["urgent_time_zone"] == "Europe/London; Europe/London"
    assert row["urgent_symptoms"] == "panic; rash_swelling,other"
    assert row["urgent_text"] == "Heart racing; "
    assert row["urgent_acknowledged_at"] == "2026-03-25T21:20:00+00:00; "
    assert row["urgent_decision"] == "continue; "


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "+1 555", "-5 mg", "@SUM(A1)", "  =1+1"]
)
def test_what_the_patient_wrote_cannot_run_as_a_formula(clinician_client, journal, text):
    # Stored as the form stores it (stripped): the cell is the spreadsheet's text, not a formula.
    report = urgent_report(journal, at(date(2026, 3, 20), 22, 0), text=text)

    row = exported(clinician_client, journal)["2026-03-20"]

    assert row["urgent_text"] == "'" + report.text


def test_the_patients_own_csv_holds_their_urgent_reports(patient_client, journal):
    urgent_report(journal, at(date(2026, 3, 5), 21, 0), text="Vivid dreams, cannot sleep")
    response = patient_client.get(reverse("journal:export_format", args=["csv"]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["night"]: row for row in csv.DictReader(io.StringIO(content))}
    assert rows["2026-03-05"]["urgent_text"] == "Vivid dreams, cannot sleep"
