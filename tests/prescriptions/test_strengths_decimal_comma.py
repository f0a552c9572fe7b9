"""Capsule strengths typed the local way: a decimal comma in de and es, with ";" or spaces
between strengths there, and commas between them in English."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prescriptions.forms import PrescriptionForm, local_strengths
from prescriptions.models import Prescription
from prescriptions.titration import Step
from tests.prescriptions.factories import steps_data

pytestmark = pytest.mark.django_db
STANDARD = [Decimal("1.5"), Decimal("3.0"), Decimal("4.5")]


def strengths_of(language, text):
    with translation.override(language):
        form = PrescriptionForm(
            {"formulation": "capsule", "strengths_text": text, "instructions": ""}
        )
        form.is_valid()
        return form.cleaned_data.get("strengths"), form.errors.get("strengths_text")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "1,5; 3,0; 4,5"),
        ("de", "1,5, 3,0, 4,5"),
        ("de", "1,5; 3; 4,5"),
        ("de", "1,5 3 4,5"),
        ("es", "1,5; 3; 4,5"),
        ("es", "1.5; 3.0; 4.5"),
        ("en", "1.5, 3.0, 4.5"),
        ("en", "1.5,3,4.5"),
    ],
)
def test_strengths_written_the_local_way_are_read(language, text):
    strengths, errors = strengths_of(language, text)
    assert errors is None
    assert strengths == STANDARD


@pytest.mark.parametrize(
    ("language", "example"),
    [("en", "1.5, 3.0, 4.5"), ("de", "1,5; 3,0; 4,5"), ("es", "1,5; 3,0; 4,5")],
)
def test_the_default_and_the_help_are_in_the_languages_format_and_read_back(language, example):
    with translation.override(language):
        form = PrescriptionForm()
        field = form["strengths_text"]
        assert field.initial == example
        assert example in str(field.help_text)
    assert strengths_of(language, example) == (STANDARD, None)


@pytest.mark.parametrize(
    ("language", "words", "example"),
    [
        ("en", "“1.5.3” is not a capsule strength.", "1.5"),
        ("de", "„1.5.3“ ist keine Kapselstärke.", "1,5"),
        ("es", "«1.5.3» no es una concentración de cápsula.", "1,5"),
    ],
)
def test_a_refused_strength_is_named_and_the_examples_given_are_accepted(language, words, example):
    _strengths, errors = strengths_of(language, "1.5.3")
    assert errors[0].startswith(words)
    # Every example the message offers is one the field accepts in that language.
    assert f"{example})" in errors[0]
    assert strengths_of(language, example) == ([Decimal(example.replace(",", "."))], None)


@time_machine.travel("2026-03-10 14:00Z", tick=False)
def test_a_german_clinician_creates_a_prescription_with_decimal_comma_strengths(
    clinician_client, clinician_a, patient_a
):
    clinician_a.language = "de"
    clinician_a.save(update_fields=["language"])
    data = {
        "based_on": "0",
        "formulation": "capsule",
        "strengths_text": "1,5; 3; 4,5",
        "concentration_mg_per_ml": "",
        "dosing_time": "evening",
        "start_date": "2026-03-10",
        "instructions": "",
        "reason": "Start",
        "patient_note": "",
        **steps_data([("1,5", "14"), ("3", "14"), ("4,5", "")]),
    }
    response = clinician_client.post(reverse("clinic:prescription_new", args=[patient_a.pk]), data)
    assert response.status_code == 302
    assert Prescription.objects.get().strengths == ["1.50", "3.00", "4.50"]


@pytest.mark.parametrize(
    ("language", "listed"),
    [("en", "1.5, 3, 4.5"), ("de", "1,5; 3; 4,5"), ("es", "1,5; 3; 4,5")],
)
def test_the_plan_error_lists_the_strengths_as_the_strengths_field_separates_them(language, listed):
    prescription = Prescription(formulation="capsule", strengths=["1.5", "3", "4.5"])
    with translation.override(language):
        [error] = prescription.validate_steps([Step(Decimal("2"), None)])
        field_default = local_strengths(["1.5", "3", "4.5"])
    assert field_default == listed
    assert f"({listed} mg)" in error
