"""Urgent reaction reports in the FHIR export: one R4 AdverseEvent per report.

The patient's symptoms (this app's code system), severity, when it was reported, and, once a
clinician acknowledged it, who did and when (as an extension-free `outcome` text would be
lossy, the acknowledgement goes in `contributor`/`recordedDate` terms R4 has).
"""

from __future__ import annotations

from django.conf import settings

from ..models import UrgentReport
from .fhir import _id, _iso

SYMPTOM_SYSTEM_PATH = "/fhir/CodeSystem/urgent-symptoms"
SEVERITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
SERIOUSNESS_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"


def adverse_event(patient_ref: str, report: UrgentReport) -> dict:
    labels = dict(UrgentReport.Symptom.choices)
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
        "seriousness": {
            "coding": [
                {"system": SERIOUSNESS_SYSTEM, "code": "non-serious", "display": "Non-serious"}
            ],
            "text": "Reported by the patient as an urgent reaction; not assessed as serious "
            "unless the clinician's note says so.",
        },
    }
    if report.acknowledged_at is not None:
        resource["outcome"] = {
            "text": f"Acknowledged by {report.acknowledged_by.name} at "
            f"{_iso(report.acknowledged_at)}"
            + (f": {report.ack_note}" if report.ack_note else "")
        }
    return resource


def adverse_events(patient_ref: str, patient) -> list[dict]:
    """Every urgent report of the patient, oldest first (one query)."""
    reports = (
        UrgentReport.objects.filter(patient=patient)
        .select_related("acknowledged_by")
        .order_by("created_at")
    )
    return [adverse_event(patient_ref, report) for report in reports]
