"""Urgent reports kept in the record: the visit report and the FHIR export."""

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.adverseevent import AdverseEvent

from patients.urgent import reports as urgent
from patients.urgent.fhir import adverse_events


def report_for(patient, now, severity="severe"):
    report, _ = urgent.report_reaction(
        patient,
        symptoms=["severe_headache", "vomiting"],
        since="few_hours",
        severity=severity,
        text="",
        submission_id=uuid.uuid4(),
        now=now,
    )
    return report


@pytest.mark.django_db
def test_each_report_is_a_valid_fhir_adverse_event_with_the_acknowledging_clinician(
    patient_a, clinician_a
):
    now = timezone.now()
    report = report_for(patient_a, now - timedelta(days=2))
    urgent.acknowledge(report, clinician_a, "Hold tonight", now - timedelta(days=2))
    report_for(patient_a, now, severity="moderate")
    first, second = adverse_events("urn:uuid:patient", patient_a)
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
