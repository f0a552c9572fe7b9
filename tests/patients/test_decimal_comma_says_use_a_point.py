"""A decimal comma on an English page ("2,5" for a liquid measured in mL) was refused with
"Enter a volume between 1 and 5 mL…", though 2.5 is in range: the comma was the mistake. The
volume field now says so (doses.decimal_comma_slip); where the language writes a comma it is
read."""

import uuid
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from patients.rules.doses import decimal_comma_slip
from prescriptions.models import Formulation
from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = pytest.mark.django_db

POINT = "Use a point for decimals: 2.5."


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def liquid(patient_a, clinician_a):
    # 1 mg per mL: 1 to 5 mL is the LDN range.
    return make_plan(
        patient_a, clinician_a, formulation=Formulation.LIQUID, concentration=Decimal("1")
    )


def _post(client, dose, unit, language="en"):
    data = {
        "submission_id": str(uuid.uuid4()),
        "dose": dose,
        "unit": unit,
        "taken_at": "2026-11-25T21:30",
    }
    response = client.post(
        reverse("journal:evening", args=[TONIGHT]), data, HTTP_ACCEPT_LANGUAGE=language
    )
    return response.content.decode()


def test_a_decimal_comma_on_an_english_page_is_refused_by_saying_use_a_point(
    patient_client, liquid
):
    page = _post(patient_client, "2,5", "ml")
    assert POINT in page
    assert "Enter a volume between" not in page
    assert not NightlyEntry.objects.exists()


@pytest.mark.parametrize(
    ("text", "separator", "slip"),
    [
        ("2,5", ".", "2.5"),
        (" 1,25 ", ".", "1.25"),
        ("2,5", ",", None),
        ("2.5", ".", None),
        ("1,2,5", ".", None),
        ("2,555", ".", None),
        ("abc", ".", None),
        ("", ".", None),
    ],
)
def test_only_a_number_with_a_decimal_comma_on_a_point_page_is_a_comma_slip(text, separator, slip):
    assert decimal_comma_slip(text, separator) == slip


def test_the_same_volume_with_a_point_is_stored(patient_client, liquid):
    _post(patient_client, "2.5", "ml")
    assert NightlyEntry.objects.get().dose_mg == Decimal("2.50")


def test_a_decimal_comma_on_a_german_page_is_read_as_the_volume(patient_client, liquid):
    _post(patient_client, "2,5", "ml", language="de")
    assert NightlyEntry.objects.get().dose_mg == Decimal("2.50")


def test_a_volume_out_of_range_still_names_the_allowed_volumes(patient_client, liquid):
    page = _post(patient_client, "7.5", "ml")
    assert "Enter a volume between 1 and 5 mL" in page
    assert "Use a point" not in page
