"""The FHIR export of an ended prescription: its last MedicationRequest (the version that
ended it) has an end, the night it ended, as every replaced version has the last night it
governed; it went out with a validityPeriod open for ever, as if still in force."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest

from patients.clinic.exports import fhir
from prescriptions import plans
from prescriptions.changes import end_change
from prescriptions.titration import PlainVersion, Step
from tests.patients.exports_support import body
from tests.patients.report_plan_changes_support import change
from tests.prescriptions.factories import make_prescription

pytestmark = pytest.mark.django_db


def requests(client, patient):
    """{(prescription order, version number): MedicationRequest} of the patient's export."""
    data = json.loads(body(client.get(reverse("clinic:export", args=[patient.pk, "fhir"]))))
    Bundle.model_validate(data)
    found = {}
    for entry in data["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "MedicationRequest":
            MedicationRequest.model_validate(resource)
            prescription, number = resource["identifier"][0]["value"].split("-")
            found[int(prescription), int(number)] = resource
    first = min(prescription for prescription, _ in found)
    return {(p - first, n): r for (p, n), r in found.items()}


def validity(resource):
    return resource["dispenseRequest"]["validityPeriod"]


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_the_ending_request_ends_on_the_night_the_prescription_ended(
    clinician_client, two_prescriptions
):
    found = requests(clinician_client, two_prescriptions)
    first = {number: r for (p, number), r in found.items() if p == 0}
    assert [validity(first[n]) for n in sorted(first)] == [
        {"start": "2026-01-01", "end": "2026-01-19"},
        {"start": "2026-01-20", "end": "2026-01-31"},
        {"start": "2026-02-01", "end": "2026-02-01"},
    ]
    assert first[3]["status"] == "stopped"
    assert first[3]["dosageInstruction"][-1]["text"].startswith("Prescription ended")
    # The second prescription is in force: its newest request stays open.
    second = [r for (p, _), r in sorted(found.items()) if p != 0]
    assert "end" not in validity(second[-1])
    assert second[-1]["status"] == "active"


def test_a_prescription_ended_with_no_new_one_has_its_last_request_ended(
    clinician_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, date(2026, 1, 1))
    change(
        patient_a,
        clinician_a,
        lambda latest: end_change(latest, tonight_night=date(2026, 2, 14), reason="No benefit"),
        date(2026, 2, 14),
    )
    with time_machine.travel("2026-03-31T09:00:00Z", tick=False):
        found = requests(clinician_client, patient_a)
    assert [validity(found[key]) for key in sorted(found)] == [
        {"start": "2026-01-01", "end": "2026-02-13"},
        {"start": "2026-02-14", "end": "2026-02-14"},
    ]
    assert found[0, 2]["status"] == "stopped"


@pytest.mark.parametrize(
    ("dosing_time", "step", "hold", "ended"),
    [
        (
            "morning",
            "Step 1: 1.5 mg once daily in the morning for 6 days, from 9 Jan 2026.",
            "On hold: do not take from the day of 5 Jan 2026 to the day of 8 Jan 2026.",
            "Prescription ended: no dose from the day of 5 Jan 2026 on.",
        ),
        (
            "evening",
            "Step 1: 1.5 mg once daily in the evening for 6 nights, from 9 Jan 2026.",
            "On hold: do not take from the night of 5 Jan 2026 to the night of 8 Jan 2026.",
            "Prescription ended: no dose from the night of 5 Jan 2026 on.",
        ),
    ],
)
def test_a_morning_dosers_instructions_say_days_as_the_pages_do(dosing_time, step, hold, ended):
    """ "once daily in the morning for 14 nights, ... from the night of" for a morning doser,
    whose steps last days (titration.counts_nights) and whose dates are days."""
    version = PlainVersion(
        number=2,
        effective_night=date(2026, 1, 5),
        start_date=date(2026, 1, 1),
        steps=(Step(Decimal("1.5"), 14), Step(Decimal("3"), None)),
        dosing_time=dosing_time,
        hold_from=date(2026, 1, 5),
        hold_until=date(2026, 1, 8),
    )
    held = fhir.dosage_instructions(_as_signed(version))
    # The hold first, then the rest of step 1 after it (9-14 Jan), as the plan page lists it.
    assert [held[0]["text"], held[1]["text"]] == [hold, step]
    ending = replace(version, hold_until=None, ends=True)
    assert fhir.dosage_instructions(_as_signed(ending))[-1]["text"] == ended


def _as_signed(version):
    return plans.PlanView(versions=(version,)).steps_as_signed(version)
