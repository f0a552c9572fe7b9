"""The "plan changed while you were editing" refusal speaks the clinician's language."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prescriptions.changes import StalePlan
from tests.prescriptions.factories import make_prescription, steps_data

pytestmark = pytest.mark.django_db
STALE = {
    "en": "The plan changed while you were editing: nothing was saved.",
    "de": "Der Plan wurde geändert, während Sie ihn bearbeitet haben: Es wurde nichts gespeichert.",
    "es": "El plan cambió mientras usted lo editaba: no se guardó nada.",
}


@pytest.mark.parametrize("language", STALE)
def test_a_stale_plan_error_is_worded_in_the_language_active_when_raised(language):
    with translation.override(language):
        assert str(StalePlan()).startswith(STALE[language])


@pytest.mark.parametrize("language", STALE)
@time_machine.travel("2026-03-10 14:00Z", tick=False)
def test_a_stale_change_form_is_refused_in_the_clinicians_language(
    clinician_client, clinician_a, patient_a, language
):
    make_prescription(patient_a, clinician_a, date(2026, 3, 1))
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    url = reverse("clinic:plan_change", args=[patient_a.pk])
    data = {
        "effective_night": "2026-03-10",
        "start_date": "2026-03-10",
        "reason": "Dreams",
        "patient_note": "",
        **steps_data([("1.5", "")]),
    }
    assert clinician_client.post(url, {**data, "based_on": "1"}).status_code == 302
    response = clinician_client.post(url, {**data, "based_on": "1"}, follow=True)
    assert STALE[language] in response.content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Für diese Person gibt es bereits eine Verordnung"),
        ("es", "Este paciente ya tiene una prescripción"),
    ],
)
def test_a_second_open_prescription_is_refused_in_the_language_active_when_raised(
    clinician_a, patient_a, language, words
):
    make_prescription(patient_a, clinician_a, date(2026, 3, 1))
    with translation.override(language), pytest.raises(StalePlan, match=words):
        make_prescription(patient_a, clinician_a, date(2026, 3, 1))
