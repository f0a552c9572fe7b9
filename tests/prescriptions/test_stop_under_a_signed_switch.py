"""A prescription can always be ended, and a hold until resumed signed, tonight: with a switch
to morning dosing signed for a later night, the ending and the hold took the newest version's
dosing time (morning) from tonight, an evening night, and were refused with "Morning dosing
can start on ... at the earliest" (found by the property test of change sequences)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.urgent import reports as urgent
from prescriptions import plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # London, the evening of 3 Dec
TONIGHT = date(2026, 12, 3)
SWITCH = date(2026, 12, 10)


def _setup(patient, clinician):
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    switch_dosing_time(
        patient, clinician, "morning", SWITCH, signed=datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    )
    return signed_in_reauthenticated(clinician)


def _post(client, name, patient, data):
    plan = plans.load(patient)
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse(name, args=[patient.pk]),
            {"based_on": plan.latest.number, "reason": "Surgery next week", **data},
        )


def test_ending_tonight_is_signed_with_a_morning_switch_to_come(patient_a, clinician_a):
    client = _setup(patient_a, clinician_a)
    response = _post(client, "clinic:plan_end", patient_a, {"confirm": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    ended = PlanVersion.objects.filter(prescription__patient=patient_a).latest("number")
    assert ended.kind == PlanVersion.Kind.ENDED
    plan = plans.load(patient_a)
    assert plan.on(TONIGHT).status == titration.ENDED
    # Tonight and the nights before keep their evening dosing.
    assert plan.dosing_time_on(TONIGHT) == titration.EVENING


def test_a_hold_until_resumed_from_tonight_is_signed_with_a_morning_switch_to_come(
    patient_a, clinician_a
):
    client = _setup(patient_a, clinician_a)
    response = _post(
        client,
        "clinic:plan_hold",
        patient_a,
        {"hold_from": TONIGHT.isoformat(), "hold_until": "", "hold_reason": "planned_surgery"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = plans.load(patient_a)
    assert plan.on(TONIGHT).status == titration.ON_HOLD
    assert plan.dosing_time_on(TONIGHT) == titration.EVENING


def test_an_urgent_reports_hold_is_signed_with_a_morning_switch_to_come(patient_a, clinician_a):
    """The acknowledgement's hold (the safety path) was refused the same way."""
    _setup(patient_a, clinician_a)
    report = urgent_report(patient_a, NOW)
    urgent.acknowledge(report, clinician_a, "Stop for now; I will call you.", NOW, hold=True)
    plan = plans.load(patient_a)
    assert plan.on(TONIGHT).status == titration.ON_HOLD
    assert plan.held_until(TONIGHT) is None
