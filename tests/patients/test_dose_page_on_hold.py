"""The dose page of a night on hold says the plan is paused: it read as an ordinary night
("Tonight, Friday 4 December." and a dose field, "In mg, from 1 to 5"), while the home card
says "Paused by your clinician — do not take LDN" (read on the demo patient on hold)."""

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import NOW, TONIGHT, make_plan, sign_hold

pytestmark = pytest.mark.django_db

PAUSED = {
    "en": "Your plan is paused by your clinician: no dose is prescribed.",
    "de": "Ihr Plan ist von Ihrer behandelnden Person pausiert: Es ist keine Dosis verordnet.",
    "es": (
        "Su plan está en pausa por indicación de su profesional sanitario: no hay ninguna "
        "dosis prescrita."
    ),
}


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_dose_page_of_a_night_on_hold_says_the_plan_is_paused(
    patient_client, patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a)
    sign_hold(patient_a, clinician_a, TONIGHT, signed=NOW)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        page = patient_client.get(reverse("journal:evening", args=[TONIGHT])).text
    assert PAUSED[language] in page


def test_the_dose_page_of_an_active_night_says_its_prescribed_dose_only(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    with time_machine.travel(NOW, tick=False):
        page = patient_client.get(reverse("journal:evening", args=[TONIGHT])).text
    assert "Prescribed: 1.5 mg." in page
    assert "paused" not in page
