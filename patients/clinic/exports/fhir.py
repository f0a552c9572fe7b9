"""A patient's journal as a FHIR R4 Bundle (type "collection") of plain JSON dicts.

Patient; one MedicationRequest per plan version (one dosage instruction per step);
one MedicationAdministration per taken dose (dose in mg, UCUM); one Observation per score
(pain with LOINC 72514-3, the other scales with this app's own code system). Tests validate
every resource with fhir.resources' R4B models. Text goes out as data, never as markup.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings

from patients.clinic.exports.csv import in_pieces
from patients.rules.fhir_ids import instant, stable_id
from patients.rules.nights import DOSING_WINDOW_START, EVENING, moment_on_night
from patients.urgent.fhir import adverse_events
from prescriptions import titration

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NALTREXONE = {"system": RXNORM, "code": "7243", "display": "naltrexone"}
PAIN_LOINC = "72514-3"  # Pain severity - 0-10 verbal numeric rating [Score] - Reported
SCALE_SYSTEM_PATH = "/fhir/CodeSystem/symptom-scales"
# The state titration gives the version in effect tonight, as a MedicationRequest status.
REQUEST_STATUS = {
    titration.ACTIVE: "active",
    titration.NOT_STARTED: "active",
    titration.ON_HOLD: "on-hold",
    titration.ENDED: "completed",
}
OBSERVED = ("pain", "fatigue", "mood", "sleep_quality", "dream_intensity")
SCALE_DISPLAY = {
    "pain": "Pain severity 0-10",
    "fatigue": "Fatigue 0-10",
    "mood": "Mood 0-10",
    "sleep_quality": "Sleep quality 0-10",
    "dream_intensity": "Dream intensity 0-10",
}


def scale_system() -> str:
    return settings.SITE_URL + SCALE_SYSTEM_PATH


def _id(kind: str, *parts) -> str:
    # Stable ids: the same export twice gives the same bundle entries.
    return stable_id(settings.SITE_URL, kind, *parts)


def _mg(value: Decimal) -> dict:
    return {"value": float(value), "unit": "mg", "system": UCUM, "code": "mg"}


def _iso(moment: datetime) -> str:
    return instant(moment)


def _entry(resource: dict) -> dict:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def patient_resource(patient) -> dict:
    return {
        "resourceType": "Patient",
        "id": _id("patient", patient.pk),
        "identifier": [{"system": f"{settings.SITE_URL}/patients", "value": str(patient.pk)}],
        "active": patient.user.is_active,
        "name": [{"text": patient.user.name}],
    }


def request_status(plan, version: titration.PlainVersion, tonight) -> str:
    """A version's MedicationRequest status: for the version in effect tonight, the plan's
    state tonight as titration gives it; earlier versions were superseded (completed) and
    later ones are orders still to come (active)."""
    if version.effective_night > tonight:
        return "active"
    in_effect = titration.version_in_effect(plan.versions, tonight)
    if in_effect is not version:
        return "completed"
    return REQUEST_STATUS.get(plan.on(tonight).status, "unknown")


def medication_request(patient_ref: str, prescription, version: titration.PlainVersion, status):
    instructions = []
    for index, (first, last, step) in enumerate(titration.step_schedule(version)):
        bounds = {"start": first.isoformat()}
        if last is not None:
            bounds["end"] = last.isoformat()
        instructions.append(
            {
                "sequence": index + 1,
                "text": (
                    f"Step {index + 1}: {step.dose_mg} mg once daily in the "
                    f"{version.dosing_time}"
                    + (f" for {step.days} days" if step.days else ", ongoing")
                ),
                "timing": {
                    "repeat": {
                        "boundsPeriod": bounds,
                        "frequency": 1,
                        "period": 1,
                        "periodUnit": "d",
                    }
                },
                "doseAndRate": [{"doseQuantity": _mg(step.dose_mg)}],
            }
        )
    resource = {
        "resourceType": "MedicationRequest",
        "id": _id("plan", prescription.pk, version.number),
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": {"coding": [NALTREXONE], "text": "Low dose naltrexone"},
        "subject": {"reference": patient_ref},
        "authoredOn": version.effective_night.isoformat(),
        "groupIdentifier": {
            "system": f"{settings.SITE_URL}/prescriptions",
            "value": str(prescription.pk),
        },
        "identifier": [
            {
                "system": f"{settings.SITE_URL}/plan-versions",
                "value": f"{prescription.pk}-{version.number}",
            }
        ],
        "dosageInstruction": instructions,
    }
    return resource


def administration(patient_ref: str, patient, entry) -> dict:
    when = entry.taken_at or moment_on_night(entry.night, DOSING_WINDOW_START, patient.tz, EVENING)
    return {
        "resourceType": "MedicationAdministration",
        "id": _id("dose", entry.pk),
        "status": "completed",
        "medicationCodeableConcept": {"coding": [NALTREXONE], "text": "Low dose naltrexone"},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": _iso(when),
        "dosage": {"route": {"text": "oral"}, "dose": _mg(entry.dose_mg)},
    }


def observation(patient_ref: str, patient, entry, code: dict, value: int, key: str) -> dict:
    # Morning scores describe the night: timestamp them when the morning part was saved.
    when = entry.morning_logged_at or moment_on_night(
        entry.night + timedelta(days=1), time(9, 0), patient.tz, "morning"
    )
    return {
        "resourceType": "Observation",
        "id": _id("score", entry.pk, key),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": code,
        "subject": {"reference": patient_ref},
        "effectiveDateTime": _iso(when),
        "valueInteger": int(value),
    }


def score_code(key: str, label: str | None = None) -> dict:
    if key == "pain":
        return {
            "coding": [
                {
                    "system": LOINC,
                    "code": PAIN_LOINC,
                    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
                }
            ],
            "text": "Pain 0-10",
        }
    display = label or SCALE_DISPLAY[key]
    return {
        "coding": [{"system": scale_system(), "code": key, "display": display}],
        "text": display,
    }


def resources(patient, plan, entries, now: datetime):
    """Every resource of the bundle, one at a time, for a plans.PlanView loaded with its
    rows (entries: exports.rows.Night)."""
    person = patient_resource(patient)
    ref = f"urn:uuid:{person['id']}"
    yield person
    if plan.prescription is not None:
        tonight = plan.tonight(patient.tz, now)
        for version in plan.newest_versions:
            yield medication_request(
                ref, plan.prescription, version, request_status(plan, version, tonight)
            )
    for entry in entries:
        if entry.status == "taken" and entry.dose_mg is not None:
            yield administration(ref, patient, entry)
        for key in OBSERVED:
            value = getattr(entry, key)
            if value is not None:
                yield observation(ref, patient, entry, score_code(key), value, key)
        for score in entry.extra_scores:
            key = f"scale-{score.scale_id}"
            code = score_code(key, score.scale_name)
            yield observation(ref, patient, entry, code, score.value, key)
    yield from adverse_events(ref, patient)


def _envelope(now: datetime) -> dict:
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _iso(now),
    }


def bundle(patient, plan, entries, now: datetime) -> dict:
    """The Bundle as a dict (json.dumps-able)."""
    return {**_envelope(now), "entry": [_entry(r) for r in resources(patient, plan, entries, now)]}


def bundle_json(patient, plan, entries, now: datetime):
    """The same Bundle as JSON text in pieces, one resource at a time, for a streamed
    download. Compact (no indent): json's C encoder, several times faster than pretty
    printing, which only Python's own encoder does."""

    def texts():
        head = json.dumps(_envelope(now), separators=(",", ":"))
        yield head[:-1] + ',"entry":['
        separator = ""
        for resource in resources(patient, plan, entries, now):
            yield separator + json.dumps(_entry(resource), separators=(",", ":"))
            separator = ","
        yield "]}"

    return in_pieces(texts())
