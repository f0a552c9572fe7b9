"""Doses in the patient's language: "4,5" where the language writes a decimal comma, and only
there; doses shown with that comma."""

import uuid
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = pytest.mark.django_db

EVENING = reverse("journal:evening", args=[TONIGHT])


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a, steps=(("4.5", None),))


def log_dose(client, dose, language):
    data = {"submission_id": str(uuid.uuid4()), "dose": dose, "taken_at": "2026-11-25T21:30"}
    return client.post(EVENING, data, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize("language", ["de", "es"])
def test_4_comma_5_is_accepted_in_german_and_spanish_and_stored_as_4_5(
    patient_client, plan, language
):
    log_dose(patient_client, "4,5", language)
    assert NightlyEntry.objects.get().dose_mg == Decimal("4.50")


@pytest.mark.parametrize("language", ["de", "es"])
def test_a_decimal_point_is_still_accepted_where_the_language_uses_a_comma(
    patient_client, plan, language
):
    log_dose(patient_client, "4.5", language)
    assert NightlyEntry.objects.get().dose_mg == Decimal("4.50")


def test_4_comma_5_is_refused_in_english_with_what_is_allowed_and_nothing_stored(
    patient_client, plan
):
    response = log_dose(patient_client, "4,5", "en")
    page = response.content.decode()
    # The comma named as the mistake: a comma region's phone keypad offers only "," (QA).
    assert "Use a point for decimals: 4.5." in page
    assert not NightlyEntry.objects.exists()


def test_the_refusal_in_german_names_the_range_with_decimal_commas(patient_client, plan):
    page = log_dose(patient_client, "15", "de").content.decode()
    assert "Geben Sie eine Dosis zwischen 1 und 5 mg ein" in page
    assert "(zum Beispiel 1,5)" in page
    assert not NightlyEntry.objects.exists()


@pytest.mark.parametrize("language", ["de", "es"])
def test_tonights_dose_is_shown_and_filled_in_with_a_decimal_comma(patient_client, plan, language):
    home = patient_client.get(reverse("journal:home"), HTTP_ACCEPT_LANGUAGE=language)
    assert '<p class="dose-figure">4,5<span' in home.content.decode()
    form = patient_client.get(EVENING, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'value="4,5"' in form


def test_in_english_the_dose_keeps_its_decimal_point(patient_client, plan):
    home = patient_client.get(reverse("journal:home")).content.decode()
    assert '<p class="dose-figure">4.5<span' in home
