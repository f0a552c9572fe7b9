"""The home card during a dated hold said "do not take LDN until Wed 9 Dec", where 9 Dec is
the hold's LAST night without LDN (PlanView.held_until): read as a restart on the 9th. It now
says the last held night is included, as the plan page's "Until the night of …" does; for a
morning doser the day, not the night."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.reminder_support import give_plan

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # Thu 3 Dec, 20:00 in London
LAST_HELD = date(2026, 12, 9)  # Wed 9 Dec


def _card(client, patient, clinician, dosing_time, language="en"):
    give_plan(
        patient,
        clinician=clinician,
        dosing_time=dosing_time,
        start=date(2026, 11, 1),
        hold_from=date(2026, 12, 1),
        hold_until=LAST_HELD,
    )
    with time_machine.travel(NOW, tick=False):
        response = client.get(HOME, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_an_evening_dosers_card_includes_the_last_held_night(
    patient_client, patient_a, clinician_a
):
    card = _card(patient_client, patient_a, clinician_a, "evening")
    assert "do not take LDN</strong> up to and including the night of Wed 9 Dec." in card
    assert "</strong> until Wed 9 Dec" not in card


def test_a_morning_dosers_card_says_the_day(patient_client, patient_a, clinician_a):
    card = _card(patient_client, patient_a, clinician_a, "morning")
    assert "do not take LDN</strong> up to and including Wed 9 Dec." in card
    assert "night of" not in card.split("do not take LDN</strong>", 1)[1].split(".")[0]


def test_the_card_reads_right_in_german(patient_client, patient_a, clinician_a):
    card = _card(patient_client, patient_a, clinician_a, "evening", "de")
    assert "</strong> bis einschließlich der Nacht vom Mi, 9. Dez." in card


def test_the_card_reads_right_in_spanish_for_a_morning_doser(
    patient_client, patient_a, clinician_a
):
    card = _card(patient_client, patient_a, clinician_a, "morning", "es")
    assert "</strong> hasta el mié 9 dic inclusive." in card
