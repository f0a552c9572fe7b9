"""The plan panel's other actions under a hold whose restart is already signed: "Change steps"
and the switch of dosing time keep the plan on hold until the restart. They carried the hold
of the newest version only, which is the restart (no hold), so a change signed from tonight
lifted the hold on every night before the restart: "Not started" instead of "On hold", and a
dose on the very night a clinician had stopped LDN if the steps were set to begin tonight."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.prescriptions.factories import steps_data
from tests.prescriptions.signed_restart_support import NOW, _held_from_dec_2, _resume
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db
TONIGHT = NOW.date()  # 3 Dec: on hold since 2 Dec, restart at 3 mg signed for 10 Dec
DEC_10 = date(2026, 12, 10)


@pytest.fixture
def restart_signed(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    _resume(patient_a, clinician_a)
    return patient_a


def _post(clinician, url, data):
    with time_machine.travel(NOW, tick=False):
        response = signed_in_reauthenticated(clinician).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return plans.load(PlanVersion.objects.latest("pk").prescription.patient)


def _statuses(view, first, last):
    return {view.status_on(first + timedelta(days=n)) for n in range((last - first).days + 1)}


def test_changing_the_restarts_steps_keeps_the_plan_on_hold_until_the_restart(
    restart_signed, clinician_a
):
    view = _post(
        clinician_a,
        reverse("clinic:plan_change", args=[restart_signed.pk]),
        {
            "based_on": str(plans.load(restart_signed).latest.number),
            "effective_night": str(TONIGHT),
            "start_date": str(DEC_10),  # as the form opens: the restart's first night
            "steps_before": str(plans.load(restart_signed).latest.steps_before),  # as drawn
            "reason": "Climb on after the restart",
            "patient_note": "",
            **steps_data([("3", "14"), ("4.5", "")]),
        },
    )
    assert _statuses(view, TONIGHT, DEC_10 - timedelta(days=1)) == {"on_hold"}
    assert view.held_until(TONIGHT) == date(2026, 12, 9)
    assert view.on(DEC_10).dose_mg == D("3")
    assert view.on(date(2026, 12, 24)).dose_mg == D("4.5")


def test_switching_the_dosing_time_keeps_the_plan_on_hold_until_the_restart(
    restart_signed, clinician_a
):
    view = _post(
        clinician_a,
        reverse("clinic:plan_dosing_time", args=[restart_signed.pk]),
        {
            "based_on": str(plans.load(restart_signed).latest.number),
            "dosing_time": "morning",
            "effective_night": str(TONIGHT + timedelta(days=1)),
            "reason": "Sleeps badly",
            "patient_note": "",
        },
    )
    assert _statuses(view, TONIGHT, DEC_10 - timedelta(days=1)) == {"on_hold"}
    assert (view.on(DEC_10).dose_mg, view.on(DEC_10).dosing_time) == (D("3"), "morning")
