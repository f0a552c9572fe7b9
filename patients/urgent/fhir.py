"""Urgent reaction reports in the FHIR export: one R4 AdverseEvent per report of the range.

The patient's symptoms (this app's code system), the severity they chose and when they
reported it; once acknowledged, the clinician as `contributor`. No seriousness is asserted:
that is a clinical judgement the app does not make. Like every resource of a night, it names
its night (NIGHT_EXTENSION) and the plan's state that night (PLAN_STATUS_EXTENSION), and the
zone the report was made in (LOGGED_TIME_ZONE_EXTENSION): as the night page and the CSV place
the report (reports.report_night, report_zone) and read the plan (PlanView.status_on).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from patients.models import UrgentReport
from patients.rules.fhir_ids import (
    LOGGED_TIME_ZONE_EXTENSION_PATH,
    NIGHT_EXTENSION_PATH,
    PLAN_STATUS_EXTENSION_PATH,
    stable_id,
)
from patients.rules.fhir_ids import instant as _iso
from patients.urgent.reports import report_night, report_zone, reports_between


def _id(kind: str, *parts) -> str:
    return stable_id(settings.SITE_URL, kind, *parts)


def adverse_event_id(report: UrgentReport) -> str:
    return _id("urgent", report.pk)


SYMPTOM_SYSTEM_PATH = "/fhir/CodeSystem/urgent-symptoms"
SEVERITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"


def adverse_event(
    patient_ref: str, report: UrgentReport, *, night: date, zone: str, plan_status: str
) -> dict:
    """The report as an AdverseEvent, on ``night`` (report_night), made in ``zone`` (the IANA
    name of report_zone), while the plan's state was ``plan_status`` (PlanView.status_on)."""
    labels = {code: str(label) for code, label in UrgentReport.Symptom.choices}
    system = settings.SITE_URL + SYMPTOM_SYSTEM_PATH
    resource = {
        "resourceType": "AdverseEvent",
        "id": adverse_event_id(report),
        "extension": [
            {"url": settings.SITE_URL + NIGHT_EXTENSION_PATH, "valueDate": night.isoformat()},
            {"url": settings.SITE_URL + PLAN_STATUS_EXTENSION_PATH, "valueCode": plan_status},
            {"url": settings.SITE_URL + LOGGED_TIME_ZONE_EXTENSION_PATH, "valueCode": zone},
        ],
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
    (reports.reports_between, the night in the zone each was made in under ``plan``, a
    PlanView), each on that night and in that zone."""
    tz = patient.tz
    events = []
    for report in reports_between(patient, start, end, plan):
        night = report_night(report, tz, plan)
        events.append(
            adverse_event(
                patient_ref,
                report,
                night=night,
                zone=report_zone(report, tz).key,
                plan_status=plan.status_on(night),
            )
        )
    return events
