"""The FHIR export and a hold carried on by a version signed before it.

A hold signed on 1 Dec for 10-12 Dec, then a steps change (or a switch of dosing time) signed
on 2 Dec from an earlier night, which carries the hold on (changes._carried_hold). The hold
held 10-12 Dec: the visit report lists it there (bfd7cf9). Its own MedicationRequest stays
cancelled (the request as a whole never governed: its steps never applied, the restart after
the hold is the carrier's, and the carrier's request orders the hold's nights), but it said
only "it governed no night", which reads as if the hold never happened. It now names the
version that carries its hold, by the rule the report reads (PlanView.hold_carried_by).
"""

import json
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest

from tests.patients.exports_support import body
from tests.patients.journal_support import make_plan, sign_hold, sign_steps, switch_dosing_time
from tests.patients.superseded_versions_support import superseded_rows

pytestmark = pytest.mark.django_db

DEC_1 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
DEC_2 = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
DEC_10, DEC_12 = date(2026, 12, 10), date(2026, 12, 12)
NOW = "2026-12-20T20:00:00Z"
RANGE = {"start": "2026-11-20", "end": "2026-12-20"}


@pytest.fixture(params=["steps change", "dosing-time switch"])
def carried_hold(request, patient_a, clinician_a):
    """1.5 mg from 1 Nov, then 3 mg; a hold for 10-12 Dec (v2), carried on by v3."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=date(2026, 11, 1))
    sign_hold(patient_a, clinician_a, DEC_10, DEC_12, signed=DEC_1)
    if request.param == "steps change":
        sign_steps(patient_a, clinician_a, date(2026, 12, 3), (("4.5", None),), signed=DEC_2)
    else:
        switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 12, 4), signed=DEC_2)
    return patient_a


def requests(client, patient):
    data = json.loads(body(client.get(reverse("clinic:export", args=[patient.pk, "fhir"]))))
    Bundle.model_validate(data)
    found = {}
    for entry in data["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "MedicationRequest":
            MedicationRequest.model_validate(resource)
            found[resource["identifier"][0]["value"].split("-")[1]] = resource
    return found


def hold_instructions(resource):
    return [
        instruction["timing"]["repeat"]["boundsPeriod"]
        for instruction in resource["dosageInstruction"]
        if instruction.get("additionalInstruction", [{}])[0].get("coding", [{}])[0].get("code")
        == "hold"
    ]


@time_machine.travel(NOW, tick=False)
def test_the_report_and_the_fhir_export_agree_that_a_carried_hold_held_its_nights(
    clinician_client, carried_hold
):
    report = clinician_client.get(
        reverse("clinic:report", args=[carried_hold.pk]), RANGE
    ).content.decode()
    table = report.split('aria-label="Plan changes"', 1)[1].split("</table>", 1)[0]
    listed = re.findall(r"<tr><td>(.*?)</td><td>v(\d+) (.*?)</td>", table)
    # The report: v2's hold began on 10 Dec and held to the 12th; v2 was not "replaced".
    assert ("10 Dec 2026", "2") in [(night, number) for night, number, _kind in listed]
    assert superseded_rows(report) == []

    found = requests(clinician_client, carried_hold)
    # FHIR: v2's request is cancelled and says which version carries its hold on ...
    assert found["2"]["status"] == "cancelled"
    reason = found["2"]["statusReason"]["text"]
    carrier = f"{found['3']['identifier'][0]['value']}"
    assert f"version {carrier} carries its hold on" in reason
    assert "governed no night" not in reason
    # ... and that version's request holds the same nights the report lists.
    assert hold_instructions(found["3"]) == [{"start": "2026-12-10", "end": "2026-12-12"}]
    assert found["3"]["status"] == "active"


@time_machine.travel(NOW, tick=False)
def test_a_version_replaced_before_its_first_night_without_a_hold_still_governed_no_night(
    clinician_client, patient_a, clinician_a
):
    """A steps change replaced before its first night carries nothing: the reason stays."""
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    sign_steps(patient_a, clinician_a, date(2026, 12, 10), (("3", None),), signed=DEC_1)
    sign_steps(patient_a, clinician_a, date(2026, 12, 5), (("1.5", 7), ("3", None)), signed=DEC_2)
    found = requests(clinician_client, patient_a)
    assert found["2"]["status"] == "cancelled"
    assert "it governed no night" in found["2"]["statusReason"]["text"]
