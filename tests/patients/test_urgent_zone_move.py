"""An urgent report keeps the zone it was made in: a report made at 22:00 in Tokyo stays on
that Tokyo night after the patient moves to Los Angeles, where the same instant is 05:00,
before noon, on the night before. Every surface read the patient's zone of the day, so the
clinician's report page, the dashboard's urgent flag, the visit report and the FHIR export
moved the report a night back, and its times were written as Los Angeles times."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import dashboard
from patients.clinic.views import record_start
from patients.models import UrgentReport
from patients.pause import urgent_state
from patients.rules import nights
from patients.rules.pause import Pause
from patients.urgent import reports as urgent
from patients.urgent.fhir import adverse_events
from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

# 22:00 on Wed 25 Nov in Tokyo: the night of the 25th there. In Los Angeles the same instant
# is 05:00 on the 25th, before noon: the night of the 24th.
REPORTED = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
TOKYO_NIGHT = date(2026, 11, 25)
NIGHT_BEFORE = TOKYO_NIGHT - timedelta(days=1)
# A week later, in Los Angeles.
NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)


def _text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


@pytest.fixture
def moved(patient_a, clinician_a):
    """The patient reports a bad reaction in Tokyo, then moves to Los Angeles."""
    patient_a.time_zone = "Asia/Tokyo"
    patient_a.save(update_fields=["time_zone"])
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    report = urgent_report(patient_a, REPORTED, symptoms=["severe_headache"])
    patient_a.time_zone = "America/Los_Angeles"
    patient_a.save(update_fields=["time_zone"])
    # The instant alone, read in the new zone, is on the night before: what the fix keeps off.
    plan = plans.load(patient_a)
    assert plan.night_of(REPORTED, patient_a.tz) == NIGHT_BEFORE
    with time_machine.travel(NOW, tick=False):
        yield report


def test_the_report_stores_the_zone_it_was_made_in(moved):
    moved.refresh_from_db()
    assert moved.time_zone == "Asia/Tokyo"
    assert urgent.report_night(moved, moved.patient.tz, plans.load(moved.patient)) == TOKYO_NIGHT


def test_the_clinicians_report_page_keeps_its_tokyo_night_and_times(clinician_a, moved):
    response = signed_in_reauthenticated(clinician_a).get(
        reverse("clinic:urgent_report", args=[moved.pk])
    )
    assert response.status_code == 200
    assert response.context["nights"][0].night == TOKYO_NIGHT
    text = _text(response)
    assert "Wed 25 Nov 2026, 22:00 JST" in text
    assert "Times in the zone the report was made in, Asia/Tokyo" in text


def test_the_dashboards_urgent_flag_is_on_the_tokyo_night(clinician_a, patient_a, moved):
    (row,) = dashboard.patient_rows(clinician_a, NOW)
    annotated = dashboard.annotated_patients(clinician_a, NOW).get(pk=patient_a.pk)
    assert annotated.urgent_since_zone == "Asia/Tokyo"
    page = dashboard.patient_page(annotated, [clinician_a], NOW)
    gate_patient, _team = dashboard.care_team_gate(clinician_a, patient_a.pk)
    gated = dashboard.patient_page(gate_patient, [clinician_a], NOW)
    for flags in (row.open_flags, page.flags, gated.flags):
        (flag,) = [f for f in flags if f.kind == "urgent"]
        assert flag.evidence == (TOKYO_NIGHT,)
        assert flag.report_id == moved.pk


def test_the_clinicians_patient_page_flags_the_tokyo_night(clinician_a, patient_a, moved):
    response = signed_in_reauthenticated(clinician_a).get(
        reverse("clinic:patient", args=[patient_a.pk])
    )
    (flag,) = [f for f in response.context["page_data"].flags if f.kind == "urgent"]
    assert flag.evidence == (TOKYO_NIGHT,)


@pytest.mark.parametrize(("night", "held"), [(TOKYO_NIGHT, True), (NIGHT_BEFORE, False)])
def test_the_visit_report_selects_the_report_by_its_tokyo_night(
    clinician_a, patient_a, moved, night, held
):
    plan = plans.load(patient_a)
    assert (urgent.reports_between(patient_a, night, night, plan) == [moved]) is held
    response = signed_in_reauthenticated(clinician_a).get(
        reverse("clinic:report", args=[patient_a.pk]),
        {"start": night.isoformat(), "end": night.isoformat()},
    )
    text = _text(response)
    assert ("No urgent reports in this period" not in text) is held
    if held:
        assert "25 Nov 2026, 22:00 JST" in text


@pytest.mark.parametrize(("night", "held"), [(TOKYO_NIGHT, True), (NIGHT_BEFORE, False)])
def test_the_fhir_export_selects_the_report_by_its_tokyo_night(
    clinician_a, patient_a, moved, night, held
):
    plan = plans.load(patient_a)
    events = adverse_events("urn:uuid:p", patient_a, night, night, plan)
    assert (len(events) == 1) is held
    response = signed_in_reauthenticated(clinician_a).get(
        reverse("clinic:export", args=[patient_a.pk, "fhir"]),
        {"start": night.isoformat(), "end": night.isoformat()},
    )
    assert response.status_code == 200
    bundle = json.loads(b"".join(response.streaming_content))
    kinds = [item["resource"]["resourceType"] for item in bundle["entry"]]
    assert ("AdverseEvent" in kinds) is held


def test_the_patients_history_writes_the_report_on_its_tokyo_evening(patient_a, moved):
    client = signed_in_reauthenticated(patient_a.user)
    history = _text(client.get(reverse("journal:history")))
    assert "Bad reaction reported Wed 25 Nov, 22:00 JST" in history
    report_form = _text(client.get(reverse("journal:urgent_report")))
    assert "Bad reaction reported Wed 25 Nov, 22:00 JST" in report_form
    page = _text(client.get(reverse("journal:urgent_detail", args=[moved.pk])))
    assert "Wednesday 25 November, 22:00 JST" in page


def test_the_acknowledgement_is_written_in_the_reports_zone_on_both_sides(
    clinician_a, patient_a, moved
):
    urgent.acknowledge(moved, clinician_a, "Seen", REPORTED + timedelta(minutes=30))
    clinician_page = _text(
        signed_in_reauthenticated(clinician_a).get(reverse("clinic:urgent_report", args=[moved.pk]))
    )
    assert "Dr A, Wed 25 Nov, 22:30 JST" in clinician_page
    patient_page = _text(
        signed_in_reauthenticated(patient_a.user).get(
            reverse("journal:urgent_detail", args=[moved.pk])
        )
    )
    assert "Dr A, Wed 25 Nov, 22:30 JST" in patient_page
    with pytest.raises(urgent.AlreadyAcknowledged, match="Wed 25 Nov, 22:30 JST"):
        urgent.acknowledge(moved, clinician_a, "Again", NOW)


def test_the_record_starts_on_the_tokyo_night_of_a_first_report(clinician_a, patient_a, moved):
    # The plan begins after the report: the report is the first thing on record.
    PlanVersion.objects.filter(prescription__patient=patient_a).update(
        effective_night=date(2026, 12, 1)
    )
    plan = plans.load(patient_a)
    assert record_start(patient_a, NOW.date(), plan) == TOKYO_NIGHT


def test_a_report_made_before_zones_were_stored_is_read_in_the_patients_zone(
    clinician_a, patient_a, moved
):
    UrgentReport.objects.filter(pk=moved.pk).update(time_zone="")
    moved.refresh_from_db()
    plan = plans.load(patient_a)
    assert urgent.report_night(moved, patient_a.tz, plan) == NIGHT_BEFORE
    (row,) = dashboard.patient_rows(clinician_a, NOW)
    (flag,) = [f for f in row.open_flags if f.kind == "urgent"]
    assert flag.evidence == (NIGHT_BEFORE,)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("", "America/Los_Angeles"),
        ("Mars/Olympus", "America/Los_Angeles"),
    ],
)
def test_a_rows_own_zone_is_read_else_the_patients(key, expected):
    assert nights.zone_or(key, ZoneInfo("America/Los_Angeles")).key == expected


def test_the_wait_card_and_my_plan_date_the_open_report_in_tokyo(moved):
    # The report is still open a week later: both pages ask the patient to wait, and date
    # the report as every other surface does, in the zone it was made in, labelled (they
    # wrote "05:00 on Wed 25 Nov", the Los Angeles time, without a zone).
    client = signed_in_reauthenticated(moved.patient.user)
    for url in (reverse("journal:home"), reverse("journal:plan")):
        text = _text(client.get(url))
        assert "You reported a bad reaction on Wednesday 25 November, 22:00 JST." in text
        assert "05:00" not in text


def test_the_open_report_s_zone_is_read_with_it_in_the_same_query(moved):
    pause = urgent_state(moved.patient_id, NOW).pause(NOW)
    assert pause == Pause(since=REPORTED, latest=REPORTED, reports=1, time_zone="Asia/Tokyo")
