"""Urgent reaction reports in the FHIR export: one R4 AdverseEvent per report of the range.

The patient's symptoms (this app's code system), the severity they chose and when they
reported it; once acknowledged, the clinician as `contributor`. No seriousness is asserted:
that is a clinical judgement the app does not make.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from patients.models import UrgentReport
from patients.rules.fhir_ids import instant as _iso
from patients.rules.fhir_ids import stable_id
from patients.urgent.reports import reports_between


def _id(kind: str, *parts) -> str:
    return stable_id(settings.SITE_URL, kind, *parts)


SYMPTOM_SYSTEM_PATH = "/fhir/CodeSystem/urgent-symptoms"
SEVERITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"


def adverse_event(patient_ref: str, report: UrgentReport) -> dict:
    labels = {code: str(label) for code, label in UrgentReport.Symptom.choices}
    system = settings.SITE_URL + SYMPTOM_SYSTEM_PATH
    resource = {
        "resourceType": "AdverseEvent",
        "id": _id("urgent", report.pk),
        "actuality": "actual",
        "event": {
            "coding": [
                {"system": system, "code": code, "display": labels.get(code, code)}
                for code in report.symptoms
            ],
            "text": ", ".join(labels.get(code, code) for code in report.symptoms),
        },
        "subject": {"reference": patient_ref},
        "date": _iso(report.created_at),
        "detected": _iso(report.created_at),
        "recordedDate": _iso(report.created_at),
        "severity": {
            "coding": [
                {
                    "system": SEVERITY_SYSTEM,
                    "code": report.severity,
                    "display": report.get_severity_display(),
                }
            ]
        },
    }
    if report.acknowledged_at is not None:
        resource["contributor"] = [{"display": report.acknowledged_by.name}]
    return resource


def adverse_events(patient_ref: str, patient, start: date, end: date, plan) -> list[dict]:
    """The patient's urgent reports whose night lies in [start, end], oldest first (one
    query): the export's range, selected as the visit report selects them
    (reports.reports_between, the night in the patient's zone under ``plan``, a PlanView)."""
    return [
        adverse_event(patient_ref, report) for report in reports_between(patient, start, end, plan)
    ]
