"""A steps change never changes a night's dosing time.

With a switch to morning dosing signed for 10 Dec, a steps change from an earlier night took
the newest version's dosing time (the switch's): every night from its first was a morning
dose, the switch brought forward with nothing said. Started from tonight it was refused with
"Morning dosing can start on … at the earliest", which named no switch. It is now refused
with the switch's date and the ways to keep it, and nothing is stored; a steps change from
the switch's night on keeps the mornings.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import switch_dosing_time
from tests.prescriptions.factories import plan_steps
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC_4 = date(2026, 12, 4)
DEC_10 = date(2026, 12, 10)
REFUSED = (
    "A switch to morning dosing is signed from 10 Dec 2026, and a steps change that starts "
    "before it would undo it."
)


@pytest.fixture
def patient(patient_on_2mg, clinician):
    patient = patient_on_2mg
    switch_dosing_time(patient, clinician, titration.MORNING, DEC_10, signed=NOW)
    return patient


def _post(client, patient, first_night, dose="3"):
    plan = plans.load(patient)
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_change", args=[patient.pk]),
            {
                "based_on": str(plan.latest.number),
                "reason": "Review",
                "patient_note": "",
                "effective_night": str(first_night),
                "start_date": str(first_night),
                "steps-TOTAL_FORMS": "1",
                "steps-INITIAL_FORMS": "0",
                "steps-MIN_NUM_FORMS": "0",
                "steps-MAX_NUM_FORMS": "1000",
                "steps-0-dose_mg": dose,
                "steps-0-days": "",
            },
        )


@pytest.fixture
def client(clinician):
    client = Client()
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    return client


@pytest.mark.parametrize("first_night", [date(2026, 12, 2), DEC_4])
def test_a_steps_change_before_a_signed_switch_is_refused_naming_it(client, patient, first_night):
    response = _post(client, patient, first_night)
    text = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert REFUSED in text
    assert "at the earliest" not in text
    assert PlanVersion.objects.filter(prescription__patient=patient).count() == 2
    plan = plans.load(patient)
    assert plan.dosing_time_on(DEC_4) == titration.EVENING
    assert plan.dosing_time_on(DEC_10) == titration.MORNING


def test_a_steps_change_from_the_switch_on_keeps_the_mornings(client, patient):
    response = _post(client, patient, DEC_10)
    assert response.status_code == 302
    plan = plans.load(patient)
    assert plan.latest.number == 3
    assert plan.dosing_time_on(date(2026, 12, 9)) == titration.EVENING
    assert plan.dosing_time_on(DEC_10) == titration.MORNING
    assert plan.dose_on(DEC_10) == Decimal("3")


def test_the_save_refuses_a_change_that_brings_the_switch_forward(patient, clinician):
    """A caller that builds the change from the newest version alone (no ``versions``) got
    the switch's mornings from the change's first night: the save refuses it too."""
    plan = plans.load(patient)
    change = changes.steps_change(
        plan.latest,
        effective_night=DEC_4,
        start_date=DEC_4,
        steps=plan_steps((("3", None),)),
        reason="Review",
    )
    assert change.dosing_time == titration.MORNING
    with pytest.raises(changes.PlanChangeError, match="A switch to morning dosing is signed"):
        changes.save_version(
            prescription_id=plan.prescription.pk,
            author=clinician,
            based_on=plan.latest.number,
            change=change,
            now=NOW,
        )
    assert PlanVersion.objects.filter(prescription__patient=patient).count() == 2


def test_a_steps_change_takes_the_dosing_time_of_its_first_night(patient):
    plan = plans.load(patient)
    for night, expected in ((DEC_4, titration.EVENING), (DEC_10, titration.MORNING)):
        change = changes.steps_change(
            plan.latest,
            effective_night=night,
            start_date=night,
            steps=plan_steps((("3", None),)),
            reason="Review",
            versions=tuple(plan.versions),
        )
        assert change.dosing_time == expected


def test_the_way_round_the_message_gives_works(client, patient, clinician):
    """Switch back from the switch's night, sign the steps change, then the switch again."""
    switch_dosing_time(patient, clinician, titration.EVENING, DEC_10, signed=NOW)
    assert _post(client, patient, DEC_4).status_code == 302
    switch_dosing_time(patient, clinician, titration.MORNING, DEC_10, signed=NOW)
    plan = plans.load(patient)
    assert plan.dose_on(DEC_4) == Decimal("3")
    assert plan.dosing_time_on(DEC_4) == titration.EVENING
    assert plan.dosing_time_on(DEC_10) == titration.MORNING
    assert plan.dose_on(DEC_10) == Decimal("3")
