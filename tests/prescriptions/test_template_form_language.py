"""The plan template form's refusals read as the plan change form's do, in the clinician's
language: the step problems come from the one checker, and a taken name is said in words."""

import html
import re

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanTemplate
from tests.prescriptions.factories import steps_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

ZERO_DAYS = {
    "en": "Step 1: 0 days is not a valid length: use 1 to 365 days.",
    "de": "Stufe 1: 0 Tage sind keine gültige Dauer: Verwenden Sie 1 bis 365 Tage.",
    "es": "Paso 1: 0 días no es una duración válida: use de 1 a 365 días.",
}
UNMEASURABLE = {
    "en": "Step 1: 1.33 mg = 1.33 mL, which cannot be measured",
    "de": "Stufe 1: 1,33 mg = 1,33 mL, das lässt sich nicht abmessen",
    "es": "Paso 1: 1,33 mg = 1,33 mL, que no se puede medir",
}
TAKEN_NAME = {
    "en": "A plan template with this name already exists: choose another name.",
    "de": "Es gibt bereits eine Planvorlage mit diesem Namen: Wählen Sie einen anderen Namen.",
    "es": "Ya existe una plantilla de plan con este nombre: elija otro nombre.",
}


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


@pytest.fixture
def post_in(clinician_client, clinician_a):
    def post(language, data):
        clinician_a.language = language
        clinician_a.save(update_fields=["language"])
        response = clinician_client.post(reverse("clinic:template_new"), data)
        assert response.status_code == 200
        return html.unescape(re.sub(r"\s+", " ", response.content.decode()))

    return post


def template_data(name="Gentle", steps=(("1.5", "14"), ("4.5", "")), **overrides):
    return {"name": name, "description": "", **steps_data(list(steps)), **overrides}


@pytest.mark.parametrize("language", ZERO_DAYS)
def test_a_step_of_zero_days_is_refused_in_the_clinicians_language(post_in, language):
    page = post_in(language, template_data(steps=[("1.5", "0"), ("4.5", "")]))
    assert ZERO_DAYS[language] in page
    assert not PlanTemplate.objects.filter(name="Gentle").exists()


@pytest.mark.parametrize("language", UNMEASURABLE)
def test_an_unmeasurable_liquid_dose_is_refused_in_the_clinicians_language(post_in, language):
    page = post_in(language, template_data(steps=[("1.33", "")], liquid_only="on"))
    assert UNMEASURABLE[language] in page
    assert not PlanTemplate.objects.filter(name="Gentle").exists()


@pytest.mark.parametrize("language", TAKEN_NAME)
def test_a_taken_template_name_is_refused_in_words_of_the_clinicians_language(post_in, language):
    PlanTemplate.objects.create(name="Gentle", steps=[{"dose_mg": "4.50", "days": None}])
    page = post_in(language, template_data())
    assert TAKEN_NAME[language] in page
    assert PlanTemplate.objects.filter(name="Gentle").count() == 1
