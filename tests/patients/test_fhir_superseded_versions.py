"""The FHIR export and a plan version replaced before it took effect: its MedicationRequest
is cancelled (it governed no night), as the visit report marks it replaced.

A restart signed for 10 Dec, replaced on 5 Dec by a new hold, went out as an "active" order
restarting 3 mg on 10 Dec while the plan was on hold until 14 Dec (and, after the 10th, as
"completed", as if it had governed that night), where the report said "replaced by v4
before it took effect" (found by exploratory QA).
"""

import json

import pytest
import time_machine
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest

from tests.patients.exports_support import body
from tests.patients.superseded_versions_support import superseded_rows

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(
    ("now", "statuses"),
    [
        # On hold (v4) with a restart (v5) signed for 15 Dec: v3 never restarts anything.
        ("2026-12-07T09:00:00Z", {"1": "completed", "2": "completed", "3": "cancelled"}),
        ("2026-12-21T09:00:00Z", {"1": "completed", "2": "completed", "3": "cancelled"}),
    ],
)
def test_a_version_replaced_before_its_first_night_is_a_cancelled_request(
    clinician_client, replaced_restart, now, statuses
):
    with time_machine.travel(now, tick=False):
        found = requests(clinician_client, replaced_restart)
    assert {number: found[number]["status"] for number in statuses} == statuses
    assert "before it took effect" in found["3"]["statusReason"]["text"]
    # The versions that did govern nights keep the statuses they had.
    assert found["4"]["status"] == ("on-hold" if now.startswith("2026-12-07") else "completed")
    assert found["5"]["status"] == "active"


@time_machine.travel("2026-12-21T09:00:00Z", tick=False)
def test_the_export_cancels_exactly_the_versions_the_report_shows_as_replaced(
    clinician_client, replaced_restart
):
    report = clinician_client.get(
        reverse("clinic:report", args=[replaced_restart.pk]),
        {"start": "2026-12-01", "end": "2026-12-20"},
    ).content.decode()
    replaced = {number for _night, number, *_rest in superseded_rows(report)}
    found = requests(clinician_client, replaced_restart)
    assert {n for n, r in found.items() if r["status"] == "cancelled"} == replaced == {"3"}
