"""The evening form's time errors were one sentence with the field's label put first
("%(what)s cannot be in the future: it is now %(now)s."): Spanish and German lost the label's
article ("Hora de acostarse no puede ...", "Schlafenszeit darf nicht ...") and Spanish read
"ahora son las sáb 5 dic, 18:23". Each time field now has its own whole sentences in each
language, the moment in parentheses."""

import uuid

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = pytest.mark.django_db

FUTURE = "2026-11-25T23:30"  # NOW is 22:00 in London
BEFORE_THE_NIGHT = "2026-11-25T11:00"  # the night began at noon


def _refused(client, patient, language, **times):
    patient.user.language = language
    patient.user.save()
    data = {"submission_id": str(uuid.uuid4()), "dose": "1.5", "taken_at": "2026-11-25T21:30"}
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("journal:evening", args=[TONIGHT]), data | times)
    assert response.status_code == 200
    assert not NightlyEntry.objects.exists()
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("language", "field", "said"),
    [
        ("es", "taken_at", "La hora de la toma no puede estar en el futuro (ahora: "),
        ("es", "bedtime", "La hora de acostarse no puede estar en el futuro (ahora: "),
        ("de", "taken_at", "Die Einnahmezeit darf nicht in der Zukunft liegen (jetzt: "),
        ("de", "bedtime", "Die Schlafenszeit darf nicht in der Zukunft liegen (jetzt: "),
        ("en", "taken_at", "The time taken cannot be in the future: it is now "),
        ("en", "bedtime", "Bedtime cannot be in the future: it is now "),
    ],
)
def test_a_time_in_the_future_is_refused_in_a_whole_sentence_of_the_field(
    patient_client, patient_a, clinician_a, language, field, said
):
    make_plan(patient_a, clinician_a)

    [error] = _refused(patient_client, patient_a, language, **{field: FUTURE})[field]

    assert error.startswith(said), error
    assert "son las" not in error
    assert error.endswith("22:00)." if language != "en" else "22:00."), error


@pytest.mark.parametrize(
    ("language", "field", "said"),
    [
        ("es", "taken_at", "La hora de la toma debe estar dentro de esta noche: de "),
        ("es", "bedtime", "La hora de acostarse debe estar dentro de esta noche: de "),
        ("de", "taken_at", "Die Einnahmezeit muss in dieser Nacht liegen: von "),
        ("de", "bedtime", "Die Schlafenszeit muss in dieser Nacht liegen: von "),
    ],
)
def test_a_time_outside_the_night_is_refused_in_a_whole_sentence_of_the_field(
    patient_client, patient_a, clinician_a, language, field, said
):
    make_plan(patient_a, clinician_a)

    [error] = _refused(patient_client, patient_a, language, **{field: BEFORE_THE_NIGHT})[field]

    assert error.startswith(said), error


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("es", "La hora de la toma debe estar dentro de este día: de "),
        ("de", "Die Einnahmezeit muss an diesem Tag liegen: von "),
    ],
)
def test_a_morning_dosers_time_taken_outside_the_day_is_refused_in_a_whole_sentence(
    patient_client, patient_a, clinician_a, language, said
):
    # A morning doser's form has no bedtime (journal.forms.EveningForm).
    make_plan(patient_a, clinician_a, dosing_time="morning")

    errors = _refused(patient_client, patient_a, language, taken_at="2026-11-24T22:00")

    assert errors["taken_at"][0].startswith(said), errors
