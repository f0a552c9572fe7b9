"""An extra scale's words at 0 and 10: offered in the patient's language (they read them),
and not kept for a scale where higher is better.

The form offered the model's English defaults ("None", "Severe") on German and Spanish
pages, and unticking "Lower is better" kept them: "Itch (0 = None, 10 = Severe; higher is
better)" was stored (found by exploratory QA)."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from patients.clinic.forms import ExtraScaleForm, default_anchors
from patients.models import SymptomScale

pytestmark = pytest.mark.django_db

DEFAULTS = {"en": ("None", "Severe"), "de": ("Keine", "Stark"), "es": ("Nada", "Intenso")}
REFUSAL = {
    "en": "With higher is better, 10 is the best: give the words for 0 and 10, for example "
    "“Worst” and “Best”.",
    "de": "Wenn höher besser ist, ist 10 der beste Wert: Geben Sie die Wörter für 0 und 10 an, "
    "zum Beispiel „Sehr schlecht“ und „Sehr gut“.",
    "es": "Si más es mejor, 10 es lo mejor: indique las palabras para el 0 y el 10, por "
    "ejemplo «Muy mal» y «Muy bien».",
}


@pytest.fixture
def speaking(clinician_a, request):
    clinician_a.language = request.param
    clinician_a.save(update_fields=["language"])
    return request.param


def _field_value(page, name):
    return unescape(re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0))


def _add(client, patient, **data):
    return client.post(reverse("clinic:add_scale", args=[patient.pk]), data)


@pytest.mark.parametrize("language", sorted(DEFAULTS))
def test_the_words_offered_at_0_and_10_are_in_the_patients_language_not_the_clinicians(
    clinician_a, clinician_client, patient_a, language
):
    # A German clinician's "Keine"/"Stark" were stored and shown on an English patient's
    # check-in: "0 means Keine, 10 means Stark" (found by QA).
    clinician_a.language = "de"
    clinician_a.save(update_fields=["language"])
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    low, high = DEFAULTS[language]
    assert f'value="{low}"' in _field_value(page, "low_anchor")
    assert f'value="{high}"' in _field_value(page, "high_anchor")


@pytest.mark.parametrize("language", ["en", "es"])
def test_higher_is_better_with_the_patients_default_words_is_refused_on_a_german_page(
    clinician_a, clinician_client, patient_a, language
):
    clinician_a.language = "de"
    clinician_a.save(update_fields=["language"])
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    low, high = DEFAULTS[language]
    response = _add(clinician_client, patient_a, name="Itch", low_anchor=low, high_anchor=high)
    assert response.status_code == 400
    assert REFUSAL["de"] in unescape(response.content.decode())
    assert not SymptomScale.objects.exists()


@pytest.mark.parametrize("language", sorted(DEFAULTS))
def test_the_default_words_are_read_in_one_place(language):
    with translation.override(language):
        form = ExtraScaleForm(patient=None)
        assert default_anchors() == DEFAULTS[language]
        assert (form["low_anchor"].initial, form["high_anchor"].initial) == DEFAULTS[language]


@pytest.mark.parametrize("speaking", sorted(DEFAULTS), indirect=True)
def test_higher_is_better_with_the_words_of_lower_is_better_is_refused_and_nothing_stored(
    clinician_client, patient_a, speaking
):
    low, high = DEFAULTS[speaking]
    response = _add(clinician_client, patient_a, name="Itch", low_anchor=low, high_anchor=high)
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert REFUSAL[speaking] in page
    assert 'value="Itch"' in page  # the name typed is kept
    assert "checked" not in _field_value(page, "lower_is_better")  # the box as posted
    assert not SymptomScale.objects.exists()


@pytest.mark.parametrize(("low", "high"), [(" none ", "SEVERE"), ("None", "  severe")])
def test_the_default_words_retyped_with_other_case_or_spaces_are_refused_too(
    clinician_client, patient_a, low, high
):
    response = _add(clinician_client, patient_a, name="Itch", low_anchor=low, high_anchor=high)
    assert response.status_code == 400
    assert not SymptomScale.objects.exists()


@pytest.mark.parametrize(
    ("low", "high"),
    [("Worst", "Best"), ("None", "Best"), ("Worst", "Severe"), ("Severe", "None")],
)
def test_higher_is_better_with_words_of_the_clinicians_own_is_stored(
    clinician_client, patient_a, low, high
):
    # The form does not judge words: only the two defaults, left as they were, are refused.
    response = _add(clinician_client, patient_a, name="Energy", low_anchor=low, high_anchor=high)
    assert response.status_code == 302
    scale = SymptomScale.objects.get()
    assert (scale.lower_is_better, scale.low_anchor, scale.high_anchor) == (False, low, high)


def test_lower_is_better_with_the_default_words_is_stored(clinician_client, patient_a):
    response = _add(
        clinician_client,
        patient_a,
        name="Itch",
        lower_is_better="on",
        low_anchor="None",
        high_anchor="Severe",
    )
    assert response.status_code == 302
    scale = SymptomScale.objects.get()
    assert (scale.lower_is_better, scale.low_anchor, scale.high_anchor) == (True, "None", "Severe")
