"""The patient's home card and My plan say an ending as the clinician's plan panel does
(caa9b44, d4d066e): "Your clinician ended your LDN prescription. No dose from the night of
6 Dec 2026 on." My plan said "Your clinician ended it on Sunday 6 December 2026" of an ending
signed on the 5th: 6 December is the first night WITHOUT a dose, read as the day it was
signed or the last night on LDN. Both pages read one include (prescriptions/patient/_ended.html)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import titration
from prescriptions.changes import end_change
from tests.patients.journal_support import sign_change, visible_text
from tests.prescriptions.factories import make_prescription

pytestmark = pytest.mark.django_db

FIRST_WITHOUT = date(2026, 12, 6)
SIGNED = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # Saturday, late: no dose from Sunday's night
LATER = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
PAGES = [reverse("journal:home"), reverse("journal:plan")]


def end_prescription(patient, clinician, dosing_time=titration.EVENING):
    make_prescription(patient, clinician, date(2026, 10, 1), dosing_time=dosing_time)
    sign_change(
        patient,
        clinician,
        lambda plan: end_change(
            plan.latest,
            tonight_night=FIRST_WITHOUT,
            reason="No benefit",
            versions=tuple(plan.versions),
        ),
        SIGNED,
    )


def read(client, page):
    with time_machine.travel(LATER, tick=False):
        response = client.get(page)
    assert response.status_code == 200
    return visible_text(response.content.decode())


@pytest.mark.parametrize("page", PAGES)
def test_the_patient_reads_the_ending_by_its_first_night_without_a_dose(
    patient_client, patient_a, clinician_a, page
):
    end_prescription(patient_a, clinician_a)
    text = read(patient_client, page)
    assert (
        "Your clinician ended your LDN prescription. No dose from the night of 6 Dec 2026 on. "
        "Do not take LDN unless they prescribe it again."
    ) in text
    assert "ended it on" not in text
    assert "prescription on" not in text


@pytest.mark.parametrize("page", PAGES)
def test_a_morning_dosers_ending_is_said_in_days(patient_client, patient_a, clinician_a, page):
    end_prescription(patient_a, clinician_a, dosing_time=titration.MORNING)
    text = read(patient_client, page)
    assert "No dose from the day of 6 Dec 2026 on." in text
    assert "night of 6 Dec" not in text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "de",
            "Ihre behandelnde Person hat Ihre LDN-Verordnung beendet. "
            "Keine Dosis mehr ab der Nacht vom 6. Dez 2026.",
        ),
        (
            "es",
            "Su profesional sanitario finalizó su prescripción de LDN. "
            "Ninguna dosis desde la noche del 6 dic 2026.",
        ),
    ],
)
@pytest.mark.parametrize("page", PAGES)
def test_the_ending_reads_in_german_and_spanish(
    patient_client, patient_a, clinician_a, page, language, said
):
    end_prescription(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    assert said in read(patient_client, page)
