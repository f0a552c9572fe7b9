"""Urgent reports kept in the record: the visit report and the FHIR export."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.adverseevent import AdverseEvent

from patients.urgent import reports as urgent
from patients.urgent.fhir import adverse_event_id, adverse_events
from prescriptions import plans
from tests.patients.urgent_support import report_for, urgent_report
from tests.security.reauth import signed_in_reauthenticated


@pytest.mark.django_db
def test_each_report_is_a_valid_fhir_adverse_event_with_the_acknowledging_clinician(
    patient_a, clinician_a
):
    now = timezone.now()
    report = report_for(patient_a, now - timedelta(days=2))
    urgent.acknowledge(report, clinician_a, "Hold tonight", now - timedelta(days=2))
    latest = report_for(patient_a, now, severity="moderate")
    plan = plans.load(patient_a)
    first_night = urgent.report_night(report, patient_a.tz, plan)
    last_night = urgent.report_night(latest, patient_a.tz, plan)
    first, second = adverse_events("urn:uuid:patient", patient_a, first_night, last_night, plan)
    for resource in (first, second):
        AdverseEvent.model_validate(resource)  # R4B rules
    assert first["event"]["text"] == "Severe headache, Vomiting"
    assert first["severity"]["coding"][0]["code"] == "severe"
    assert first["contributor"] == [{"display": "Dr A"}]
    assert "contributor" not in second


@pytest.mark.django_db
def test_the_fhir_export_includes_the_reports(clinician_client, patient_a):
    report_for(patient_a, timezone.now() - timedelta(days=1))
    response = clinician_client.get(reverse("clinic:export", args=[patient_a.pk, "fhir"]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kinds = [e["resource"]["resourceType"] for e in json.loads(body)["entry"]]
    assert kinds.count("AdverseEvent") == 1


@pytest.mark.django_db
def test_the_visit_report_lists_reports_with_their_acknowledgement(
    clinician_client, patient_a, clinician_a
):
    report = report_for(patient_a, timezone.now() - timedelta(days=3))
    urgent.acknowledge(report, clinician_a, "Called the patient", timezone.now())
    html = clinician_client.get(reverse("clinic:report", args=[patient_a.pk])).content.decode()
    assert "Urgent reaction reports" in html
    assert "Severe headache, Vomiting" in html
    assert "Called the patient" in html


# The brief's ranges, for a patient in New York: a report on 23 Nov, one at 09:00 on 28 Nov
# (before noon: the night of 27 Nov) and one at 21:00 on 28 Nov (the night of 28 Nov).
IN_RANGE_NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
ASKED = {"start": "2026-11-28", "end": "2026-12-01"}


@pytest.fixture
def reports_around_a_range(patient_a):
    patient_a.time_zone = "America/New_York"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(IN_RANGE_NOW, tick=False):
        earlier = report_for(patient_a, datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
        before_noon = report_for(patient_a, datetime(2026, 11, 28, 14, 0, tzinfo=UTC))
        inside = report_for(patient_a, datetime(2026, 11, 29, 2, 0, tzinfo=UTC))
        plan = plans.load(patient_a)
        placed = [
            urgent.report_night(r, patient_a.tz, plan) for r in (earlier, before_noon, inside)
        ]
        assert placed == [
            date(2026, 11, 23),
            date(2026, 11, 27),
            date(2026, 11, 28),
        ]
        yield earlier, before_noon, inside


def _adverse_event_ids(response):
    body = b"".join(response.streaming_content)
    return [
        entry["resource"]["id"]
        for entry in json.loads(body)["entry"]
        if entry["resource"]["resourceType"] == "AdverseEvent"
    ]


def _fhir_exporter(who, patient, clinician):
    """A signed-in, just re-authenticated client and the FHIR export's URL for ``who``."""
    client = signed_in_reauthenticated(clinician if who == "clinician" else patient.user)
    if who == "clinician":
        return client, reverse("clinic:export", args=[patient.pk, "fhir"])
    return client, reverse("journal:export_format", args=["fhir"])


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_the_fhir_export_holds_the_urgent_reports_the_visit_report_lists_for_the_range(
    who, patient_a, clinician_a, reports_around_a_range
):
    *_, inside = reports_around_a_range
    clinician = Client()
    clinician.force_login(clinician_a)
    listed = clinician.get(reverse("clinic:report", args=[patient_a.pk]), ASKED).context["report"]
    assert listed["urgent_reports"] == [inside]
    client, url = _fhir_exporter(who, patient_a, clinician_a)
    assert _adverse_event_ids(client.get(url, ASKED)) == [adverse_event_id(inside)]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_the_fhir_export_of_the_whole_record_holds_every_urgent_report(
    who, patient_a, clinician_a, reports_around_a_range
):
    client, url = _fhir_exporter(who, patient_a, clinician_a)
    expected = [adverse_event_id(report) for report in reports_around_a_range]
    assert _adverse_event_ids(client.get(url)) == expected


@pytest.mark.django_db
def test_the_visit_report_shows_what_the_patient_wrote(clinician_client, patient_a):
    """'Something else' asks the patient to say what: the visit report listed only
    'Something else', without their words (found by QA, h3)."""
    urgent_report(
        patient_a,
        timezone.now() - timedelta(days=2),
        symptoms=["other"],
        text="Tingling in both hands <since Monday>",
    )
    html = clinician_client.get(reverse("clinic:report", args=[patient_a.pk])).content.decode()
    assert "The patient wrote: Tingling in both hands &lt;since Monday&gt;" in html
