"""The FHIR export's MedicationRequests read as an EHR reads them, night by night, beside what
the plan (plans.PlanView.on, which every page reads) says of the same night."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest

from prescriptions import titration
from tests.patients.exports_support import body

WHEN = {titration.EVENING: "HS", titration.MORNING: "MORN"}
CENT = Decimal("0.01")


def exported_requests(client, patient) -> dict[str, dict]:
    """{"<prescription>-<number>": MedicationRequest} of the patient's FHIR export as the
    clinician downloads it, each validated as R4."""
    data = json.loads(body(client.get(reverse("clinic:export", args=[patient.pk, "fhir"]))))
    Bundle.model_validate(data)
    return requests_in(data)


def requests_in(bundle: dict) -> dict[str, dict]:
    found = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "MedicationRequest":
            MedicationRequest.model_validate(resource)
            found[resource["identifier"][0]["value"]] = resource
    return found


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _code(instruction: dict) -> str:
    for concept in instruction.get("additionalInstruction", []):
        for coding in concept.get("coding", []):
            return coding["code"]
    return ""


def said(instruction: dict) -> tuple:
    """What one instruction asks on each of its nights: a hold, the ending, or a step's dose
    at its dosing time with the step's number as its text gives it."""
    code = _code(instruction)
    if code == "hold":
        return (titration.ON_HOLD,)
    if code == "end":
        return (titration.ENDED,)
    dose = Decimal(str(instruction["doseAndRate"][0]["doseQuantity"]["value"]))
    number = int(re.match(r"Step (\d+): ", instruction["text"]).group(1))
    return (titration.ACTIVE, dose.quantize(CENT), instruction["timing"]["repeat"]["when"], number)


def said_on(request: dict, night: date) -> list[tuple]:
    """What the request's instructions whose boundsPeriod holds ``night`` ask that night."""
    out = []
    for instruction in sorted(request["dosageInstruction"], key=lambda i: i["sequence"]):
        bounds = instruction["timing"]["repeat"]["boundsPeriod"]
        if _day(bounds["start"]) <= night and ("end" not in bounds or night <= _day(bounds["end"])):
            out.append(said(instruction))
    return out


def position_says(position) -> list[tuple]:
    """What the plan asks on a night as every page reads it (a titration.PlanPosition:
    PlanView.on), in said's terms: nothing before its steps begin."""
    if position.status == titration.ACTIVE:
        return [
            (
                titration.ACTIVE,
                position.dose_mg.quantize(CENT),
                [WHEN[position.dosing_time]],
                position.step_number,
            )
        ]
    if position.status in (titration.ON_HOLD, titration.ENDED):
        return [(position.status,)]
    return []


def _versions_by_request(requests: dict[str, dict], plan) -> dict[str, titration.PlainVersion]:
    """Each request's plan version (prescriptions numbered by id, as plans.load numbers them)."""
    ids = sorted({int(key.split("-")[0]) for key in requests})
    by_key = {(v.prescription_index, v.number): v for v in plan.versions}
    return {
        key: by_key[ids.index(int(key.split("-")[0])), int(key.split("-")[1])] for key in requests
    }


def disagreements(requests: dict[str, dict], plan, until: date) -> list[tuple]:
    """(request, night, what the export says, what the plan says) for each night to ``until``
    on which the two differ; [] when they agree night by night.

    On the nights a request governed (its validityPeriod; a cancelled one governed none) the
    plan is the whole plan, as every page reads it (PlanView.on). On every other night its
    instructions date (before its first night, and after a later version replaced it) it is
    the plan as it stood when the version was signed (PlanView.signed_by), what the request
    ordered: "in the morning from 6 Dec" is false of 6 Dec under every version."""
    out = []
    versions = _versions_by_request(requests, plan)
    for key, request in requests.items():
        signed = plan.signed_by(versions[key])
        validity = request["dispenseRequest"]["validityPeriod"]
        governed = (
            (_day(validity["start"]), _day(validity.get("end", until.isoformat())))
            if request["status"] != "cancelled"
            else None
        )
        starts = [
            _day(i["timing"]["repeat"]["boundsPeriod"]["start"])
            for i in request["dosageInstruction"]
        ]
        night = min([_day(validity["start"]), *starts])
        while night <= until:
            if governed and governed[0] <= night <= governed[1]:
                expected = position_says(plan.on(night))
            else:
                expected = position_says(titration.current_step(signed, night))
            exported = said_on(request, night)
            if exported != expected:
                out.append((key, night, exported, expected))
            night += timedelta(days=1)
    return out


def instructions(request: dict) -> list[tuple]:
    """(boundsPeriod, when, text) of each instruction, in sequence."""
    return [
        (
            instruction["timing"]["repeat"]["boundsPeriod"],
            instruction["timing"]["repeat"]["when"][0],
            instruction["text"],
        )
        for instruction in sorted(request["dosageInstruction"], key=lambda i: i["sequence"])
    ]
