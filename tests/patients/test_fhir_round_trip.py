"""The FHIR export round-trips: an EHR rebuilds the nights and the plan history from the Bundle.

Over every demo patient (seed_demo covers every kind of plan history: created, steps changed,
template, hold, resume, dosing time, ended, a new prescription after an ended one), every
resource validates as FHIR R4 (fhir.resources' R4B models), and what the Bundle alone says
matches the database.
"""

import dataclasses
import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient

from patients.clinic import dashboard
from patients.clinic.exports import fhir
from patients.clinic.views import record_start
from patients.models import NightlyEntry, Patient
from prescriptions import plans, titration
from prescriptions.models import PlanVersion
from tests.patients.fhir_requests_support import disagreements, requests_in, said

pytestmark = pytest.mark.django_db

RESOURCES = {
    "Patient": FhirPatient,
    "MedicationRequest": MedicationRequest,
    "MedicationAdministration": MedicationAdministration,
    "Observation": Observation,
    "AdverseEvent": AdverseEvent,
}
SCORES = ("pain", "fatigue", "mood", "sleep_quality", "dream_intensity")


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # seed_demo refuses to run with DEBUG off
    call_command("seed_demo", verbosity=0)


def _bundle(patient):
    now = timezone.now()
    entries = list(dashboard.entries_with_details().filter(patient=patient))
    plan = plans.load(patient)
    # The whole record: the default range of an export (docs/fhir.md).
    end = plan.tonight(patient.tz, now)
    return fhir.bundle(patient, plan, entries, now, record_start(patient, end, plan), end)


# --- what an EHR would do with the Bundle alone ---------------------------------------------


def _day(text):
    return date.fromisoformat(text)


def rebuild_plans(bundle):
    """{(prescription, number): (ends, status, prior, id, first night)} from MedicationRequests
    (what each orders night by night: tests/patients/fhir_requests_support.py)."""
    plans = {}
    for key, resource in requests_in(bundle).items():
        prescription, number = key.split("-")
        ends = any(said(i) == (titration.ENDED,) for i in resource["dosageInstruction"])
        plans[(int(prescription), int(number))] = (
            ends,
            resource["status"],
            resource.get("priorPrescription", {}).get("reference"),
            resource["id"],
            _day(resource["dispenseRequest"]["validityPeriod"]["start"]),
        )
    return plans


def _night(resource):
    [extension] = [e for e in resource["extension"] if e["url"].endswith("/night")]
    return _day(extension["valueDate"])


def rebuild_nights(bundle):
    """{night: {field: value}} from administrations, observations and adverse events."""
    nights = defaultdict(lambda: {"side_effects": {}, "extra": {}})
    for entry in bundle["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind == "MedicationAdministration":
            night = nights[_night(resource)]
            logged = {e["url"].rsplit("/", 1)[1]: e for e in resource["extension"]}
            night["logged_offline"] = logged["logged-offline"]["valueBoolean"]
            night["time_zone"] = logged.get("logged-time-zone", {}).get("valueCode", "")
            if resource["status"] == "completed":
                night["status"] = "taken"
                value = Decimal(str(resource["dosage"]["dose"]["value"]))
                night["dose_mg"] = value.quantize(Decimal("0.01"))
            else:
                assert resource["status"] == "not-done"
                night["status"] = "skipped"
                reason = resource["statusReason"][0]
                night["skip_reason"] = reason.get("coding", [{}])[0].get("code", "")
        elif kind == "Observation":
            night = nights[_night(resource)]
            code = resource["code"]["coding"][0]["code"]
            if code == "72514-3":
                night["pain"] = resource["valueInteger"]
            elif code == "dreams":
                night["dreams"] = resource["valueCodeableConcept"]["coding"][0]["code"]
            elif code.startswith("scale-"):
                night["extra"][int(code.removeprefix("scale-"))] = resource["valueInteger"]
            else:
                night[code] = resource["valueInteger"]
        elif kind == "AdverseEvent" and resource["event"]["coding"][0]["system"].endswith(
            "/side-effects"  # an urgent report's names its night too, but is no side effect
        ):
            severity = resource["severity"]["coding"][0]["code"]
            kind_code = resource["event"]["coding"][0]["code"]
            nights[_night(resource)]["side_effects"][kind_code] = severity
    return nights


def _stored_night(entry):
    severity = {1: "mild", 2: "moderate", 3: "severe"}
    stored = {
        "side_effects": {e.kind: severity[e.severity] for e in entry.side_effects.all()},
        "extra": {s.scale_id: s.value for s in entry.extra_scores.all()},
    }
    if entry.status:
        stored["status"] = entry.status
        stored["logged_offline"] = entry.logged_offline
        stored["time_zone"] = entry.time_zone
    if entry.status == "taken":
        stored["dose_mg"] = entry.dose_mg
    if entry.status == "skipped":
        stored["skip_reason"] = entry.skip_reason
    for key in SCORES:
        if getattr(entry, key) is not None:
            stored[key] = getattr(entry, key)
    if entry.dreams:
        stored["dreams"] = entry.dreams
    return stored


def _demo_patients():
    return list(Patient.objects.select_related("user").order_by("user__email"))


# --- the tests ---------------------------------------------------------------------------------


def test_the_demo_covers_every_kind_of_plan_history(demo):
    kinds = set(PlanVersion.objects.values_list("kind", flat=True))
    assert kinds >= {"created", "changed", "hold", "resume", "dosing_time", "ended"}
    assert PlanVersion.objects.filter(template__isnull=False).exists()


def test_every_resource_of_every_demo_patient_validates_as_r4(demo):
    for patient in _demo_patients():
        bundle = _bundle(patient)
        Bundle.model_validate(bundle)
        for entry in bundle["entry"]:
            resource = entry["resource"]
            RESOURCES[resource["resourceType"]].model_validate(resource)


def test_the_plan_history_rebuilt_from_the_bundle_matches_every_stored_version(demo):
    for patient in _demo_patients():
        rebuilt = rebuild_plans(_bundle(patient))
        stored = {
            (record.prescription_id, record.plain.number): record
            for record in fhir.version_records(patient, plans.load(patient))
        }
        assert set(rebuilt) == set(stored), patient.user.email
        for key, record in stored.items():
            ends, _status, _prior, _id, first_night = rebuilt[key]
            assert (ends, first_night) == (record.ends, record.plain.effective_night), (
                patient.user.email,
                key,
            )


def test_every_request_is_authored_at_its_version_s_signing_time(demo):
    """Older prescriptions' versions too: an EHR dates a plan change by its signature, not
    by the night it took effect (they once fell back to their first night)."""
    for patient in _demo_patients():
        authored = {}
        for entry in _bundle(patient)["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] == "MedicationRequest":
                prescription, number = resource["identifier"][0]["value"].split("-")
                authored[(int(prescription), int(number))] = datetime.fromisoformat(
                    resource["authoredOn"]
                )
        signed = {
            (version.prescription_id, version.number): version.created_at
            for version in PlanVersion.objects.filter(prescription__patient=patient)
        }
        assert authored == signed, patient.user.email
    older = PlanVersion.objects.exclude(
        prescription__in=[p.prescriptions.order_by("-pk").first() for p in _demo_patients()]
    )
    assert older.exists()  # the demo has versions of older prescriptions to judge


def test_the_versions_from_the_plan_are_those_read_on_their_own(demo, django_assert_num_queries):
    # The export takes the versions' signing times from the plan it loaded when the plan has
    # them all (one prescription), and reads them otherwise: the same records either way.
    several = 0
    for patient in _demo_patients():
        plan = plans.load(patient)
        one_prescription = len({v.prescription_index for v in plan.versions}) <= 1
        several += not one_prescription
        with django_assert_num_queries(0 if one_prescription else 1):
            records = fhir.version_records(patient, plan)
        assert records == fhir.version_records(patient, dataclasses.replace(plan, rows=()))
    assert several  # the demo has a patient with an ended and a new prescription


def test_every_demo_request_says_what_the_plan_says_on_every_night_it_dates(demo):
    """Dose, dosing time, step number, hold and ending: on the nights a request governed as
    every page reads the plan, on the others as the plan stood when it was signed."""
    for patient in _demo_patients():
        found = requests_in(_bundle(patient))
        until = timezone.localdate() + timedelta(days=60)
        assert disagreements(found, plans.load(patient), until) == [], patient.user.email


def test_a_hold_the_demo_signs_keeps_the_numbers_of_the_steps_it_holds(demo):
    """The demo's Jo Williams: restarted at step 2 of 3, then put on hold (patients/clinic/
    demo.py); the hold numbered the same steps "Step 1/2" where the restart said "Step 2/3"
    (found by QA). Every version that keeps its predecessor's steps keeps their numbers."""
    versions = PlanVersion.objects.order_by("prescription_id", "number").prefetch_related("steps")
    kept = 0
    for earlier, later in itertools.pairwise(versions):
        if earlier.prescription_id != later.prescription_id:
            continue
        plain, next_plain = earlier.as_plain(), later.as_plain()
        if (plain.start_date, plain.steps) == (next_plain.start_date, next_plain.steps):
            kept += 1
            assert next_plain.steps_before == plain.steps_before, (later.pk, later.kind)
    assert kept


def test_each_prescription_has_one_current_request_and_the_rest_completed_or_stopped(demo):
    statuses = {}
    for patient in _demo_patients():
        rebuilt = rebuild_plans(_bundle(patient))
        by_prescription = defaultdict(list)
        for (prescription, number), (ends, status, prior, rid, _first) in sorted(rebuilt.items()):
            by_prescription[prescription].append((number, ends, status, prior, rid))
        for versions in by_prescription.values():
            *older, last = versions
            assert all(status == "completed" for _, _, status, _, _ in older)
            statuses[patient.user.email, len(statuses)] = last[2]
            if last[1]:
                assert last[2] == "stopped"
            # priorPrescription chains each version to the one it replaced.
            for previous, current in itertools.pairwise(versions):
                assert current[3] == f"urn:uuid:{previous[4]}"
            assert versions[0][3] is None
    assert {"active", "on-hold", "stopped"} <= set(statuses.values())


def test_a_hold_request_says_so_in_its_dosage_text(demo):
    patient = Patient.objects.get(user__email="patient8@example.com")
    requests = [
        e["resource"]
        for e in _bundle(patient)["entry"]
        if e["resource"]["resourceType"] == "MedicationRequest"
    ]
    held = requests[-1]
    assert held["status"] == "on-hold"
    assert held["dosageInstruction"][-1]["text"].startswith("On hold: do not take from")
    assert "doseAndRate" not in held["dosageInstruction"][-1]


def test_the_nights_rebuilt_from_the_bundle_match_every_stored_entry(demo):
    for patient in _demo_patients():
        rebuilt = rebuild_nights(_bundle(patient))
        entries = dashboard.entries_with_details().filter(patient=patient)
        stored = {entry.night: _stored_night(entry) for entry in entries}
        assert stored, patient.user.email
        assert {night: dict(values) for night, values in rebuilt.items()} == stored, (
            patient.user.email
        )


def test_skipped_nights_are_not_done_administrations_with_their_reason(demo):
    entry = NightlyEntry.objects.filter(status="skipped").exclude(skip_reason="").first()
    bundle = _bundle(entry.patient)
    [skipped] = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
        and _night(e["resource"]) == entry.night
    ]
    assert skipped["status"] == "not-done"
    assert skipped["statusReason"][0]["coding"][0]["code"] == entry.skip_reason


def test_the_patient_resource_carries_the_identifiers(demo):
    patient = Patient.objects.get(user__email="patient@example.com")
    patient.record_number, patient.phone = "MRN-00417", "+44 20 7946 0958"
    patient.date_of_birth = date(1971, 4, 2)
    person = fhir.patient_resource(patient)
    FhirPatient.model_validate(person)
    assert person["identifier"][0]["value"] == "MRN-00417"
    assert person["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    assert person["birthDate"] == "1971-04-02"
    assert person["telecom"] == [{"system": "phone", "value": "+44 20 7946 0958", "use": "mobile"}]


def test_the_demo_has_nights_logged_offline_and_online_for_the_round_trip(demo):
    assert set(NightlyEntry.objects.values_list("logged_offline", flat=True)) == {True, False}


def test_a_night_logged_offline_in_another_zone_reads_back_from_the_bundle(demo):
    entry = NightlyEntry.objects.filter(status="taken").order_by("night").first()
    entry.logged_offline, entry.time_zone = True, "America/New_York"
    entry.save()
    other = NightlyEntry.objects.filter(patient=entry.patient, status="taken").order_by("night")[1]
    other.logged_offline, other.time_zone = False, ""  # logged before the zone was kept
    other.save()
    rebuilt = rebuild_nights(_bundle(entry.patient))
    assert (rebuilt[entry.night]["logged_offline"], rebuilt[entry.night]["time_zone"]) == (
        True,
        "America/New_York",
    )
    assert (rebuilt[other.night]["logged_offline"], rebuilt[other.night]["time_zone"]) == (
        False,
        "",
    )


def test_the_last_steps_bounds_have_no_end_and_its_signed_length_is_kept():
    """An EHR acts on the bounds: the last step's dose carries on (titration), so its period
    has no end; the 14 nights it was signed with travel in the planned-nights extension."""
    version = titration.PlainVersion(
        number=1,
        effective_night=date(2026, 1, 1),
        start_date=date(2026, 1, 1),
        steps=(
            titration.Step(Decimal("1.5"), 14),
            titration.Step(Decimal("3"), 14),
        ),
    )
    first, last = fhir.dosage_instructions(
        plans.PlanView(versions=(version,)).steps_as_signed(version)
    )
    assert first["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-01-01", "end": "2026-01-14"}
    assert "extension" not in first
    assert last["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-01-15"}
    [planned] = last["extension"]
    assert planned["url"].endswith("/fhir/StructureDefinition/planned-nights")
    assert planned["valueInteger"] == 14
    assert "then continuing" in last["text"]
