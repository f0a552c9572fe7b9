"""Templates listed for a patient say why one cannot be used instead of offering it (found
by QA): a liquid-only template offered "Use this template" to a capsule patient, and the
plan form then refused it. Both read PlanTemplate.refusal_for."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import Formulation, PlanTemplate
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def _templates():
    liquid = PlanTemplate.objects.create(
        name="Fine liquid climb",
        liquid_only=True,
        steps=[{"dose_mg": "0.5", "days": 14}, {"dose_mg": "1", "days": None}],
    )
    capsule = PlanTemplate.objects.create(
        name="Capsule climb", steps=[{"dose_mg": "1.5", "days": 14}, {"dose_mg": "3", "days": None}]
    )
    return liquid, capsule


def _page(client, patient):
    with time_machine.travel(NOW, tick=False):
        return client.get(
            reverse("clinic:plan_template_choose", args=[patient.pk])
        ).content.decode()


def _apply_url(patient, template):
    return reverse("clinic:plan_template_apply", args=[patient.pk, template.pk])


def test_a_liquid_only_template_says_why_instead_of_offering_itself_to_a_capsule_patient(
    patient_a, clinician_a
):
    liquid, capsule = _templates()
    make_plan(patient_a, clinician_a)
    html = _page(signed_in_reauthenticated(clinician_a), patient_a)
    assert _apply_url(patient_a, liquid) not in html
    assert "“Fine liquid climb” is for liquid prescriptions only" in html
    assert _apply_url(patient_a, capsule) in html


def test_a_liquid_patient_is_offered_the_liquid_only_template(patient_a, clinician_a):
    liquid, _capsule = _templates()
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1", 14), ("2", None)),
        formulation=Formulation.LIQUID,
        concentration="1.00",
    )
    html = _page(signed_in_reauthenticated(clinician_a), patient_a)
    assert _apply_url(patient_a, liquid) in html
    assert "is for liquid prescriptions only" not in html
