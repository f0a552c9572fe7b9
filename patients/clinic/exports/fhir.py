"""A patient's journal as a FHIR R4 Bundle (type "collection") of plain JSON dicts.

What an EHR importing it can rely on (tests validate every resource with fhir.resources'
R4B models and rebuild the nights and the plan history from the Bundle alone):

- Patient: the clinic record number (type MR), this app's id, date of birth, phone, and the
  time zone the nights are counted in (the HL7 ``timezone`` extension).
- MedicationRequest, one per plan version of every prescription, ended ones included:
  ``intent`` order; ``priorPrescription`` points at the version it replaced;
  ``groupIdentifier`` is the prescription; ``dispenseRequest.validityPeriod`` is the nights
  the version governed (start = its first night); its dosage instructions are the plan from
  that night as it stood when the version was signed, as the plan page and My plan list it
  (PlanView.steps_as_signed), in order and never overlapping: one per run of a step's
  nights at one dosing time (its nights in ``boundsPeriod``: a step cut by a hold or by a
  switch of dosing time is cut there too; the last without an end: its dose carries on,
  and the length it was signed with in PLANNED_NIGHTS_EXTENSION, valueInteger, its text
  the nights of it left from its first night, as the plan page counts them; ``when`` HS
  for evening dosing or MORN for morning; "Step x" numbered as the pages number it), a
  hold as its own instruction (code ``hold`` of PLAN_INSTRUCTION_SYSTEM, no dose) and an
  ending likewise (code ``end``). ``status``: the version in effect today is active, on-hold or
  stopped (its prescription ended), as titration answers for today; a version a later one
  replaced is completed; a version that takes effect later is active with its validityPeriod
  starting then; a version replaced before its first night (it governed no night) is
  cancelled, its validityPeriod the night it was to start. A hold that a version signed
  from an earlier night carries on is such a version: cancelled, its statusReason naming the
  carrier, whose request holds the hold's nights (its hold instruction). The version that
  ended a prescription has its validityPeriod start and end on the night it ended.
- MedicationAdministration per logged dose, evening or morning (the plan's dosing time that
  night): completed with the dose in mg (UCUM), or not-done with ``statusReason``
  (SKIP_REASON_SYSTEM) for a skipped night or day; dated when it was taken, or for a skip at
  the night's dosing time (SKIPPED_DOSE_TIMES); whether it was logged offline
  (LOGGED_OFFLINE_EXTENSION, valueBoolean) and the zone it was logged in
  (LOGGED_TIME_ZONE_EXTENSION, valueCode, an IANA name; absent when not recorded). A dose
  taken on a night the plan was on hold also says so in a ``note`` (the plan's state is in
  PLAN_STATUS_EXTENSION, below).
- Observation per score: pain with LOINC 72514-3; fatigue, mood, sleep quality, dream
  intensity, the dream category and the clinician's extra scales with this app's code
  system (SCALE_SYSTEM_PATH; LOINC has no code for these 0-10 self-ratings). Dated when the
  morning check-in was saved, else 09:00 the day after the night, for both dosing times
  (_morning).
- AdverseEvent per side effect (severity mild/moderate/severe, the HL7 code system) and per
  urgent reaction report whose night is in the range (patients/urgent/fhir.py), the report's
  with the zone it was made in (LOGGED_TIME_ZONE_EXTENSION), as the night page reads it.

Every resource from a night carries the night (the date of the evening it starts on, or for
morning dosing the day of the dose) in the NIGHT_EXTENSION, so a night never has to be
guessed back from a UTC instant, and the plan's state that night in the PLAN_STATUS_EXTENSION
(valueCode: active, on_hold, ended, not_started or no_plan; PlanView.status_on, the CSV's
plan_status). Text goes out as data, never as markup.
"""

from __future__ import annotations

import codecs
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic_core
from django.conf import settings
from django.utils.translation import gettext as _

from patients.clinic.exports.csv import in_pieces
from patients.models import NightlyEntry, SideEffect
from patients.rules.fhir_ids import (
    LOGGED_TIME_ZONE_EXTENSION_PATH,
    NIGHT_EXTENSION_PATH,
    PLAN_STATUS_EXTENSION_PATH,
    instant,
    stable_id,
    stable_ids,
)
from patients.rules.nights import moment_on_night
from patients.urgent.fhir import adverse_events
from prescriptions import titration
from prescriptions.models import PlanVersion

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NALTREXONE = {"system": RXNORM, "code": "7243", "display": "naltrexone"}
PAIN_LOINC = "72514-3"  # Pain severity - 0-10 verbal numeric rating [Score] - Reported
TIMEZONE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/timezone"
ADVERSE_SEVERITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
# This app's own code systems and extension (documented in the module docstring above).
SCALE_SYSTEM_PATH = "/fhir/CodeSystem/symptom-scales"
DREAMS_SYSTEM_PATH = "/fhir/CodeSystem/dreams"
SKIP_REASON_SYSTEM_PATH = "/fhir/CodeSystem/skip-reasons"
SIDE_EFFECT_SYSTEM_PATH = "/fhir/CodeSystem/side-effects"
PLAN_INSTRUCTION_SYSTEM_PATH = "/fhir/CodeSystem/plan-instructions"
# NIGHT_EXTENSION_PATH, and on a MedicationAdministration how the dose was logged
# (docs/fhir.md): LOGGED_OFFLINE_EXTENSION_PATH and LOGGED_TIME_ZONE_EXTENSION_PATH.
LOGGED_OFFLINE_EXTENSION_PATH = "/fhir/StructureDefinition/logged-offline"
# On the last step's dosage instruction: the length it was signed with (docs/fhir.md). Its
# boundsPeriod has no end: the dose carries on after that length (titration.step_schedule).
PLANNED_NIGHTS_EXTENSION_PATH = "/fhir/StructureDefinition/planned-nights"

OBSERVED = ("pain", "fatigue", "mood", "sleep_quality", "dream_intensity")
SCALE_DISPLAY = {
    "pain": "Pain severity 0-10",
    "fatigue": "Fatigue 0-10",
    "mood": "Mood 0-10",
    "sleep_quality": "Sleep quality 0-10",
    "dream_intensity": "Dream intensity 0-10",
}
SEVERITY_CODES = {1: ("mild", "Mild"), 2: ("moderate", "Moderate"), 3: ("severe", "Severe")}
WHEN_CODES = {titration.EVENING: "HS", titration.MORNING: "MORN"}
# When a skipped dose (no time logged) is dated, by the night's dosing time (the plan's): the
# evening window's start, or the usual morning dose time (the patient's default dose reminder).
SKIPPED_DOSE_TIMES = {titration.EVENING: time(21, 0), titration.MORNING: time(9, 0)}
HOLD, END = "hold", "end"

# The state titration gives the version in effect tonight, as a MedicationRequest status.
REQUEST_STATUS = {
    titration.ACTIVE: "active",
    titration.NOT_STARTED: "active",
    titration.ON_HOLD: "on-hold",
    titration.ENDED: "stopped",
}
CANCELLED = "cancelled"  # a version replaced before its first night: it governed none


def _system(path: str) -> str:
    return settings.SITE_URL + path


def scale_system() -> str:
    return _system(SCALE_SYSTEM_PATH)


def _id(kind: str, *parts) -> str:
    # Stable ids: the same export twice gives the same bundle entries.
    return stable_id(settings.SITE_URL, kind, *parts)


def _mg(value: Decimal) -> dict:
    return {"value": float(value), "unit": "mg", "system": UCUM, "code": "mg"}


def _iso(moment: datetime) -> str:
    return instant(moment)


def _entry(resource: dict) -> dict:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _dose_text(dose: Decimal) -> str:
    return f"{dose.normalize():f} mg"


# --- the patient ------------------------------------------------------------------------------


def patient_resource(patient) -> dict:
    identifiers = []
    if patient.record_number:
        identifiers.append(
            {
                "use": "official",
                "type": {
                    "coding": [
                        {
                            "system": IDENTIFIER_TYPE_SYSTEM,
                            "code": "MR",
                            "display": "Medical record",
                        }
                    ]
                },
                "system": f"{settings.SITE_URL}/clinic-record-numbers",
                "value": patient.record_number,
            }
        )
    identifiers.append({"system": f"{settings.SITE_URL}/patients", "value": str(patient.pk)})
    resource = {
        "resourceType": "Patient",
        "id": _id("patient", patient.pk),
        # The zone every page counts the patient's nights in (Patient.zone_name): a stored zone
        # this server does not know reads as the clinic's default there, and went out as stored.
        "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": patient.zone_name}],
        "identifier": identifiers,
        "active": patient.user.is_active,
        "name": [{"text": patient.user.name}],
    }
    if patient.phone:
        resource["telecom"] = [{"system": "phone", "value": patient.phone, "use": "mobile"}]
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    return resource


# --- plan versions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRecord:
    """One signed plan version as the export needs it: its prescription, number and values."""

    prescription_id: int
    plain: titration.PlainVersion
    ends: bool = False  # the version that ended its prescription
    signed_at: datetime | None = None
    # The number of the version (of the same prescription) that carries this version's hold
    # on from a night before it (PlanView.hold_carried_by): this request is cancelled, its
    # hold's nights held under the carrier's request.
    hold_carried_by: int | None = None
    # What the version orders, dated (PlanView.steps_as_signed): its dosage instructions.
    stretches: tuple[titration.Stretch, ...] = ()
    # The plan as it stood when the version was signed (PlanView.signed_by), which dated
    # them: what a last step's length is counted by.
    signed: tuple[titration.PlainVersion, ...] = ()


def request_statuses(versions: Sequence[titration.PlainVersion], today) -> list[str]:
    """MedicationRequest.status of each version of ONE prescription (same order).

    The version in effect today gets the plan's state today as titration gives it (active,
    on-hold, or stopped once the prescription has ended); versions replaced before today are
    completed; versions that take effect later are orders still to come (active, their
    validityPeriod starting then). A version that a later one replaced before its first
    night governed no night: cancelled, whether that night is past or to come (it went out
    as an order still to come, or as completed; the visit report marks it replaced, by the
    same rule as PlanView.superseded_between). A hold carried on by a version signed from an
    earlier night is cancelled too (its steps never applied and the carrier's request orders
    the hold's nights and the restart after them), while the report lists the hold where it
    begins: its statusReason names the carrier (VersionRecord.hold_carried_by, from
    PlanView.hold_carried_by, the rule the report reads). Only a later version of the SAME
    prescription replaces one (PlanView._superseded_by): an ending from 6 Dec took effect
    though a new prescription begins that night, and went out cancelled, "it governed no
    night", where the report and My plan show it as the ending it was.
    """
    in_effect = titration.version_in_effect(versions, today)
    statuses = []
    for version in versions:
        if titration.version_in_effect(versions, version.effective_night) != version:
            statuses.append(CANCELLED)
        elif version.effective_night > today:
            statuses.append("active")
        elif version is in_effect:
            state = titration.current_step(versions, today).status
            statuses.append(REQUEST_STATUS.get(state, "unknown"))
        else:
            statuses.append("completed")
    return statuses


def _instruction(sequence: int, text: str, bounds: dict, dosing_time: str, dose=None, code=""):
    instruction = {
        "sequence": sequence,
        "text": text,
        "timing": {
            "repeat": {
                "boundsPeriod": bounds,
                "frequency": 1,
                "period": 1,
                "periodUnit": "d",
                "when": [WHEN_CODES[dosing_time]],
            }
        },
        "route": {"text": "oral"},
    }
    if dose is not None:
        instruction["doseAndRate"] = [{"doseQuantity": _mg(dose)}]
    if code:
        instruction["additionalInstruction"] = [
            {"coding": [{"system": _system(PLAN_INSTRUCTION_SYSTEM_PATH), "code": code}]}
        ]
    return instruction


def dosage_instructions(
    stretches: Sequence[titration.Stretch], signed: Sequence[titration.PlainVersion] = ()
) -> list[dict]:
    """A version's order as instructions, one per stretch of the plan as it stood when the
    version was signed (PlanView.steps_as_signed, the steps list of the plan page and My
    plan): each step's nights at its dosing time, each hold, the ending; nights before the
    steps begin get none. Not the version's own calendar (step_schedule), which ignores its
    holds and the switches of dosing time around it: a step went out dated 5-11 Dec beside
    its own hold of 5-8 Dec, and a switch to mornings from 7 Dec "in the morning from
    6 Dec" while every page said evening on 6 Dec (found by QA). ``signed``: the plan the
    stretches were dated by (PlanView.signed_by), whose nights a last step's length counts."""
    out = []
    for stretch in stretches:
        if stretch.status not in (titration.ACTIVE, titration.ON_HOLD, titration.ENDED):
            continue  # not started yet: no dose, nothing ordered
        # A morning doser's steps last days and their dates are days, as every page says
        # (titration.counts_nights); the texts said "for 14 nights", "from the night of".
        nights = titration.counts_nights(stretch.dosing_time)
        unit, of = ("nights", "the night of") if nights else ("days", "the day of")
        bounds = {"start": stretch.first.isoformat()}
        if stretch.last is not None:
            bounds["end"] = stretch.last.isoformat()
        sequence = len(out) + 1
        if stretch.status == titration.ENDED:
            text = f"Prescription ended: no dose from {of} {stretch.first:%-d %b %Y} on."
            out.append(_instruction(sequence, text, bounds, stretch.dosing_time, code=END))
            continue
        if stretch.status == titration.ON_HOLD:
            until = "until further notice"
            if stretch.last is not None:
                until = f"to {of} {stretch.last:%-d %b %Y}"
            text = f"On hold: do not take from {of} {stretch.first:%-d %b %Y} {until}."
            out.append(_instruction(sequence, text, bounds, stretch.dosing_time, code=HOLD))
            continue
        # The nights of the step as the list gives them: the last has no end, its dose
        # carries on (an EHR reads the bounds); the length it was signed with goes in
        # PLANNED_NIGHTS_EXTENSION and the text.
        when = "in the evening" if stretch.dosing_time == titration.EVENING else "in the morning"
        if stretch.last is not None:
            length = f" for {stretch.night_count} {unit}"
        elif stretch.step_days:
            # What is left of the signed length from this row's first night, as the plan
            # page counts it (titration.stretch_runs_ahead): a step counted from before the
            # row (a hold cut its start, then a switch cut it) has only the rest. It said
            # the whole signed length from the switch night.
            left = sum(
                count for _first, count, _time in titration.stretch_runs_ahead(signed, stretch)
            )
            length = (
                f" for {left} {unit}, then continuing until the plan changes"
                if left
                else ", continuing until the plan changes"
            )
        else:
            length = ", ongoing"
        instruction = _instruction(
            sequence,
            f"Step {stretch.step_number}: {_dose_text(stretch.dose_mg)} once daily "
            f"{when}{length}, from {stretch.first:%-d %b %Y}.",
            bounds,
            stretch.dosing_time,
            dose=stretch.dose_mg,
        )
        if stretch.last is None and stretch.step_days:
            instruction["extension"] = [
                {"url": _system(PLANNED_NIGHTS_EXTENSION_PATH), "valueInteger": stretch.step_days}
            ]
        out.append(instruction)
    return out


def _request_id(record: VersionRecord) -> str:
    return _id("plan", record.prescription_id, record.plain.number)


def medication_request(
    patient_ref: str, record: VersionRecord, status: str, prior: VersionRecord | None, until
) -> dict:
    version = record.plain
    validity = {"start": version.effective_night.isoformat()}
    if until is not None:
        validity["end"] = until.isoformat()
    resource = {
        "resourceType": "MedicationRequest",
        "id": _request_id(record),
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": {"coding": [NALTREXONE], "text": "Low dose naltrexone"},
        "subject": {"reference": patient_ref},
        "authoredOn": _iso(record.signed_at)
        if record.signed_at
        else version.effective_night.isoformat(),
        "groupIdentifier": {
            "system": f"{settings.SITE_URL}/prescriptions",
            "value": str(record.prescription_id),
        },
        "identifier": [
            {
                "system": f"{settings.SITE_URL}/plan-versions",
                "value": f"{record.prescription_id}-{version.number}",
            }
        ],
        "dosageInstruction": dosage_instructions(record.stretches, record.signed),
        "dispenseRequest": {"validityPeriod": validity},
    }
    if status == "stopped":
        resource["statusReason"] = {"text": "Prescription ended by the prescriber"}
    elif status == CANCELLED and record.hold_carried_by is not None:
        # Its hold did hold its nights, under the carrier's request (its hold instruction);
        # "it governed no night" read as if the hold never happened (the report lists it).
        carrier = f"{record.prescription_id}-{record.hold_carried_by}"
        resource["statusReason"] = {
            "text": f"Replaced by version {carrier} before it took effect; version {carrier} "
            "carries its hold on, so the hold's nights were held as signed (see its hold "
            "instruction)"
        }
    elif status == CANCELLED:
        resource["statusReason"] = {
            "text": "Replaced by a later version before it took effect: it governed no night"
        }
    if prior is not None:
        resource["priorPrescription"] = {"reference": f"urn:uuid:{_request_id(prior)}"}
    return resource


def medication_requests(patient_ref: str, records: Sequence[VersionRecord], today) -> list[dict]:
    """One MedicationRequest per version, prescription by prescription, oldest first."""
    by_prescription: dict[int, list[VersionRecord]] = {}
    for record in records:
        by_prescription.setdefault(record.prescription_id, []).append(record)
    out = []
    for group in by_prescription.values():
        group.sort(key=lambda r: r.plain.number)
        statuses = request_statuses([r.plain for r in group], today)
        for index, (record, status) in enumerate(zip(group, statuses, strict=True)):
            later = [r.plain.effective_night for r in group[index + 1 :]]
            until = min(later) - timedelta(days=1) if later else None
            if until is not None and until < record.plain.effective_night:
                until = record.plain.effective_night  # replaced before its first night began
            if until is None and record.ends:
                # The ending governs its night and none after: the prescription's last request
                # ends on the night it ended (it went out open, as if still in force).
                until = record.plain.effective_night
            prior = group[index - 1] if index else None
            out.append(medication_request(patient_ref, record, status, prior, until))
    return out


# --- nights -----------------------------------------------------------------------------------


class NightWriter:
    """One patient's nights as resources, night by night.

    What every night shares is worked out once per export, not once per resource (a year is
    about 2,000 resources): the site's code-system and extension URLs, the choices' labels in
    the language active while the export is written, and the id hashes' common prefixes. The
    parts that read alike in many resources (subject, category, codes, the night's extension)
    are one object each, shared: the resources are encoded, never changed.
    """

    def __init__(self, patient_ref: str, patient, plan):
        self.patient_ref = patient_ref
        self.patient = patient
        self.plan = plan  # a plans.PlanView: each night's dosing time
        site = settings.SITE_URL
        self.night_url = site + NIGHT_EXTENSION_PATH
        self.plan_status_url = site + PLAN_STATUS_EXTENSION_PATH
        self._plan_statuses: dict[str, dict] = {}  # one extension per state, shared
        self.offline_url = site + LOGGED_OFFLINE_EXTENSION_PATH
        self.zone_url = site + LOGGED_TIME_ZONE_EXTENSION_PATH
        self.skip_system = site + SKIP_REASON_SYSTEM_PATH
        self.dreams_system = site + DREAMS_SYSTEM_PATH
        self.side_effect_system = site + SIDE_EFFECT_SYSTEM_PATH
        self.skip_labels = _labels(NightlyEntry.SkipReason)
        self.dream_labels = _labels(NightlyEntry.Dreams)
        self.effect_labels = _labels(SideEffect.Kind)
        self.dose_id = stable_ids(site, "dose")
        self.score_id = stable_ids(site, "score")
        self.side_effect_id = stable_ids(site, "side-effect")
        self.subject = {"reference": patient_ref}
        self.category = [{"coding": [{"system": OBSERVATION_CATEGORY_SYSTEM, "code": "survey"}]}]
        self.codes = {key: score_code(key) for key in OBSERVED}
        self.medication = {"coding": [NALTREXONE], "text": "Low dose naltrexone"}
        self.oral = {"text": "oral"}
        self.taken_on_hold = [{"text": str(_("Taken while the plan was on hold."))}]
        self.dreams_code = {
            "coding": [{"system": scale_system(), "code": "dreams", "display": "Dreams"}],
            "text": "Dreams",
        }

    def plan_status(self, night: date) -> dict:
        """The plan's state on ``night`` as an extension: PlanView.status_on, the one the
        CSV's plan_status, the calendar and the night page read."""
        status = self.plan.status_on(night)
        extension = self._plan_statuses.get(status)
        if extension is None:
            extension = {"url": self.plan_status_url, "valueCode": status}
            self._plan_statuses[status] = extension
        return extension

    def resources(self, entry) -> list[dict]:
        """Everything one night's entry says (side effects and extra scores prefetched)."""
        # The night and the plan's state that night, on each of its resources (shared too).
        state = self.plan_status(entry.night)
        night = [{"url": self.night_url, "valueDate": entry.night.isoformat()}, state]
        out = []
        if entry.status in ("taken", "skipped"):
            held = state["valueCode"] == titration.ON_HOLD
            out.append(self.administration(entry, night, held))
        morning = None  # when the morning was answered, worked out for the first answer
        for key in OBSERVED:
            value = getattr(entry, key)
            if value is not None:
                morning = morning or _iso(_morning(entry, self.patient))
                out.append(self.observation(entry, night, morning, self.codes[key], value, key))
        if entry.dreams:
            morning = morning or _iso(_morning(entry, self.patient))
            out.append(self.dreams_observation(entry, night, morning))
        for score in _rows(entry.extra_scores):
            key = f"scale-{score.scale_id}"
            morning = morning or _iso(_morning(entry, self.patient))
            code = score_code(key, _scale_name(score))
            out.append(self.observation(entry, night, morning, code, score.value, key))
        for effect in _rows(entry.side_effects):
            morning = morning or _iso(_morning(entry, self.patient))
            out.append(self.side_effect_event(entry, night, morning, effect))
        return out

    def administration(self, entry, night: list, held: bool = False) -> dict:
        """The night's dose, taken or skipped; ``held``: the plan was on hold that night."""
        when = entry.taken_at
        if when is None:
            # No time logged (a skip): the night's dosing time says when. A morning doser's
            # skipped day was dated 21:00 that evening.
            dosing_time = self.plan.dosing_time_on(entry.night)
            when = moment_on_night(
                entry.night,
                SKIPPED_DOSE_TIMES[dosing_time],
                logged_zone(entry, self.patient),
                dosing_time,
            )
        extension = [
            *night,
            {"url": self.offline_url, "valueBoolean": entry.logged_offline},
        ]
        if entry.time_zone:
            extension.append({"url": self.zone_url, "valueCode": entry.time_zone})
        resource = {
            "resourceType": "MedicationAdministration",
            "id": self.dose_id(entry.pk),
            "extension": extension,
            "medicationCodeableConcept": self.medication,
            "subject": self.subject,
            "effectiveDateTime": _iso(when),
        }
        if entry.status == "taken":
            resource["status"] = "completed"
            resource["dosage"] = {"route": self.oral, "dose": _mg(entry.dose_mg)}
            # Said in words too: a reader that skips this app's extensions would show an
            # ordinary dose.
            if held:
                resource["note"] = self.taken_on_hold
        else:
            labels = self.skip_labels
            resource["status"] = "not-done"
            reason = {"text": entry.skip_reason_text or labels.get(entry.skip_reason, "Skipped")}
            if entry.skip_reason:
                reason["coding"] = [
                    {
                        "system": self.skip_system,
                        "code": entry.skip_reason,
                        "display": labels.get(entry.skip_reason, entry.skip_reason),
                    }
                ]
            resource["statusReason"] = [reason]
        return resource

    def _observation(self, entry, night: list, morning: str, code: dict, key: str) -> dict:
        # Morning answers describe the night: timestamped when the morning part was saved.
        return {
            "resourceType": "Observation",
            "id": self.score_id(entry.pk, key),
            "extension": night,
            "status": "final",
            "category": self.category,
            "code": code,
            "subject": self.subject,
            "effectiveDateTime": morning,
        }

    def observation(self, entry, night: list, morning: str, code: dict, value, key: str) -> dict:
        resource = self._observation(entry, night, morning, code, key)
        resource["valueInteger"] = int(value)
        return resource

    def dreams_observation(self, entry, night: list, morning: str) -> dict:
        resource = self._observation(entry, night, morning, self.dreams_code, "dreams")
        resource["valueCodeableConcept"] = {
            "coding": [
                {
                    "system": self.dreams_system,
                    "code": entry.dreams,
                    "display": self.dream_labels.get(entry.dreams, entry.dreams),
                }
            ]
        }
        return resource

    def side_effect_event(self, entry, night: list, morning: str, effect) -> dict:
        code, display = SEVERITY_CODES[effect.severity]
        name = self.effect_labels.get(effect.kind, effect.kind)
        text = f"{name}: {effect.other_text}" if effect.other_text else name
        return {
            "resourceType": "AdverseEvent",
            "id": self.side_effect_id(entry.pk, effect.kind),
            "extension": night,
            "actuality": "actual",
            "event": {
                "coding": [{"system": self.side_effect_system, "code": effect.kind}],
                "text": text,
            },
            "subject": self.subject,
            "date": morning,
            "severity": {
                "coding": [{"system": ADVERSE_SEVERITY_SYSTEM, "code": code, "display": display}]
            },
            "suspectEntity": [{"instance": {"display": "Low dose naltrexone"}}],
        }


def _morning(entry, patient) -> datetime:
    """When the night's morning check-in was answered: as saved, else 09:00 the next day. The
    same for a morning doser: the sleep after a dose on day D ends on the morning of D+1,
    when its check-in is asked (schedule.slots_for_night, nights.checkin_night), as it is
    the morning after an evening dose on night D."""
    return entry.morning_logged_at or moment_on_night(
        entry.night + timedelta(days=1), time(9, 0), logged_zone(entry, patient), "morning"
    )


def logged_zone(entry, patient) -> ZoneInfo:
    """The zone a night's untimed parts are dated in: the one it was logged in
    (NightlyEntry.logged_tz), else (none recorded, or one this machine does not know) the
    patient's. Not always the patient's: once they moved, a skip logged in Kiritimati was
    dated 21:00 in their new zone, on another night in the zone the dose names."""
    if entry.time_zone:
        try:
            return ZoneInfo(entry.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return patient.tz


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


def night_resources(ref: str, patient, plan, entry) -> list[dict]:
    """Everything one night's entry says (side effects and extra scores prefetched)."""
    return NightWriter(ref, patient, plan).resources(entry)


def _labels(choices) -> dict[str, str]:
    """A choice's labels as plain text: the export is data, in the site's language."""
    return {value: str(label) for value, label in choices.choices}


def _rows(related):
    """A night's side effects or extra scores: a list (exports.rows.Night) or a manager."""
    return related.all() if hasattr(related, "all") else related


def _scale_name(score) -> str:
    return getattr(score, "scale_name", None) or score.scale.name


def resources(patient, plan, entries, now: datetime, start: date, end: date):
    """Every resource of the bundle, one at a time, for a plans.PlanView (entries:
    exports.rows.Night, the nights from start to end). Every prescription's versions go out,
    ended ones too; the urgent reports only of the nights from start to end."""
    person = patient_resource(patient)
    ref = f"urn:uuid:{person['id']}"
    yield person
    # A closed account's record ends on its closure night (PlanView.record_tonight): its
    # requests' statuses are as they stood then.
    today = plan.record_tonight(patient, now)
    yield from medication_requests(ref, version_records(patient, plan), today)
    writer = NightWriter(ref, patient, plan)
    for entry in entries:
        yield from writer.resources(entry)
    yield from adverse_events(ref, patient, start, end, plan)


def _envelope(now: datetime) -> dict:
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _iso(now),
    }


def version_records(patient, plan) -> list[VersionRecord]:
    """Every plan version of every prescription of the patient, from their plans.PlanView.

    The view numbers prescriptions by position (oldest first). Every version's signing time
    (its created_at) dates its MedicationRequest (``authoredOn``), older prescriptions'
    versions included: when the view's signed rows are all its versions (one prescription,
    the usual case) they give the times and the prescription's id; otherwise one query does.
    """
    if not plan.versions:
        return []
    if len(plan.rows) == len(plan.versions):
        rows = ((row.prescription_id, row.number, row.created_at) for row in plan.rows)
    else:
        rows = PlanVersion.objects.filter(prescription__patient=patient).values_list(
            "prescription_id", "number", "created_at"
        )
    signed = {(prescription_id, number): created_at for prescription_id, number, created_at in rows}
    # Numbered as plans.load numbers them: the patient's prescriptions with versions, by id.
    ids = sorted({prescription_id for prescription_id, _ in signed})
    records = []
    for version in plan.versions:
        prescription_id = ids[version.prescription_index]
        carrier = plan.hold_carried_by(version)
        records.append(
            VersionRecord(
                prescription_id=prescription_id,
                plain=version,
                ends=version.ends,
                signed_at=signed.get((prescription_id, version.number)),
                hold_carried_by=carrier.number if carrier is not None else None,
                stretches=plan.steps_as_signed(version),
                signed=plan.signed_by(version),
            )
        )
    return records


def bundle(patient, plan, entries, now: datetime, start: date, end: date) -> dict:
    """The Bundle as a dict (json.dumps-able)."""
    found = resources(patient, plan, entries, now, start, end)
    return {**_envelope(now), "entry": [_entry(r) for r in found]}


# Compact (no indent): json's C encoder, several times faster than pretty printing, which
# only Python's own encoder does. One encoder for every call (json.dumps with separators
# builds a new one each time); no check for circular references, which this module's
# resources cannot have (they share parts, never contain themselves): a sixth faster.
_COMPACT = json.JSONEncoder(separators=(",", ":"), check_circular=False)
BATCH = 100  # resources encoded per call: a list's items come out joined by "," as below


def _encode(value) -> str:
    """``_COMPACT.encode(value)``, the same text, about three times faster for a batch.

    pydantic_core's encoder writes what json's compact encoder writes for the values these
    resources hold (dicts, lists, str, int, bool, None, and doses as floats of two-place
    Decimals; it would write floats under 1e-4, which no dose is, without an exponent),
    except that it leaves characters outside printable ASCII (non-ASCII, and DEL) as they
    are, where json writes ``\\uXXXX`` escapes: those are escaped here as json escapes
    them, so the bytes never differ (tests/patients/test_exports.py compares them).
    """
    try:
        data = pydantic_core.to_json(value)
    except pydantic_core.PydanticSerializationError:  # e.g. a lone surrogate: json escapes it
        return _COMPACT.encode(value)
    if data.isascii() and b"\x7f" not in data:
        return data.decode("ascii")
    # Outside printable ASCII only inside strings (the JSON around them is ASCII).
    text = data.decode("utf-8").replace("\x7f", "\\u007f")
    return text.encode("ascii", _JSON_ESCAPES).decode("ascii")


def _escape(character: str) -> str:
    """A character as json's ensure_ascii writes it (a surrogate pair beyond U+FFFF)."""
    code = ord(character)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _json_escapes(error: UnicodeEncodeError) -> tuple[str, int]:
    # Called by str.encode for each run of non-ASCII characters; the rest stays in C.
    return "".join(map(_escape, error.object[error.start : error.end])), error.end


_JSON_ESCAPES = "ldn-journal-json-escapes"
codecs.register_error(_JSON_ESCAPES, _json_escapes)


def bundle_json(patient, plan, entries, now: datetime, start: date, end: date):
    """The same Bundle as JSON text in pieces, a batch of resources at a time, for a streamed
    download."""

    def texts():
        head = _encode(_envelope(now))
        yield head[:-1] + ',"entry":['
        batch, separator = [], ""
        for resource in resources(patient, plan, entries, now, start, end):
            batch.append(_entry(resource))
            if len(batch) == BATCH:
                yield separator + _encode(batch)[1:-1]
                batch, separator = [], ","
        if batch:
            yield separator + _encode(batch)[1:-1]
        yield "]}"

    return in_pieces(texts())
