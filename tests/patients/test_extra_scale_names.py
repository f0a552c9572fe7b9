"""An extra scale may not take the name of a scale the morning check-in already asks."""

import pytest
from django.urls import reverse

from patients.clinic.forms import ExtraScaleForm
from patients.models import SymptomScale

pytestmark = pytest.mark.django_db


def scale_form(patient, name):
    data = {"name": name, "lower_is_better": "on", "low_anchor": "None", "high_anchor": "Severe"}
    return ExtraScaleForm(data, patient=patient)


@pytest.mark.parametrize(
    "name",
    [
        "Pain",
        "pain",
        "  FATIGUE ",
        "Mood",
        "Sleep",
        "sleep   quality",
        "Dreams",
        "Dream intensity",
        "Schmerz",
        "Erschöpfung",
        "schlafqualität",
        "Dolor",
        "Cansancio",
        "estado de animo",
        "Calidad del sueño",
    ],
)
def test_an_extra_scale_named_like_a_standard_scale_is_refused(patient_a, name):
    form = scale_form(patient_a, name)
    assert not form.is_valid()
    assert "already asks about" in form.errors["name"][0]


@pytest.mark.parametrize("name", ["Brain fog", "Painful joints", "Sleepiness", "Nausea"])
def test_an_extra_scale_with_a_name_of_its_own_is_accepted(patient_a, name):
    assert scale_form(patient_a, name).is_valid()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "The morning check-in already asks about “pain” for every patient"),
        ("de", "Der Morgeneintrag fragt bereits jede Person nach „pain“"),
        ("es", "El registro de la mañana ya pregunta por «pain» a todos los pacientes"),
    ],
)
def test_the_clinic_page_refuses_a_standard_name_and_says_why_in_the_readers_language(
    clinician_client, clinician_a, patient_a, language, words
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    url = reverse("clinic:add_scale", args=[patient_a.pk])
    data = {"name": "pain", "lower_is_better": "on", "low_anchor": "0", "high_anchor": "10"}
    # The patient page again with the error beside the name (a refused form keeps what was
    # typed: test_patient_page_forms.py).
    response = clinician_client.post(url, data)
    assert response.status_code == 400
    assert words in response.text
    assert patient_a.extra_scales.count() == 0


@pytest.mark.parametrize("name", ["Brain fog", "brain FOG", "Bráin fog", "  Brain   fog "])
def test_a_second_scale_that_reads_as_the_patients_own_is_refused_with_its_name(patient_a, name):
    # Accents made a new scale ("Bráin fog" beside "Brain fog"), as they do not for the
    # standard names (found by exploratory QA).
    SymptomScale.objects.create(patient=patient_a, name="Brain fog")
    form = scale_form(patient_a, name)
    assert not form.is_valid()
    assert form.errors["name"] == ["This patient already has a scale called “Brain fog”."]
    assert SymptomScale.objects.filter(patient=patient_a).count() == 1


def test_a_double_tap_that_saves_the_same_scale_twice_answers_the_form_not_a_500(
    clinician_client, patient_a, monkeypatch
):
    """Two identical posts at once: both passed the form's check, and the second save hit
    the database's unique name (a 500). The one that loses is answered with the form's own
    error beside the name, and one scale is stored."""
    checked = ExtraScaleForm.is_valid

    def checked_then_the_other_request_saves(form):
        valid = checked(form)
        if valid and not SymptomScale.objects.filter(patient=patient_a).exists():
            SymptomScale.objects.create(patient=patient_a, name="Brain fog")
        return valid

    monkeypatch.setattr(ExtraScaleForm, "is_valid", checked_then_the_other_request_saves)
    data = {"name": "Brain fog", "lower_is_better": "on", "low_anchor": "0", "high_anchor": "10"}
    response = clinician_client.post(reverse("clinic:add_scale", args=[patient_a.pk]), data)
    assert response.status_code == 400
    assert "This patient already has a scale called “Brain fog”." in response.text
    assert SymptomScale.objects.filter(patient=patient_a).count() == 1


@pytest.mark.parametrize("name", ["Knee; left", "Pain=left", "a=b; c=d"])
def test_a_scale_name_with_the_exports_separators_is_refused(clinician_client, patient_a, name):
    """The CSV export writes a night's extra scores as "name=value; name=value": a name
    with "=" or ";" made the cell ambiguous to read back (found by QA, h3)."""
    data = {"name": name, "lower_is_better": "on", "low_anchor": "None", "high_anchor": "Severe"}
    response = clinician_client.post(reverse("clinic:add_scale", args=[patient_a.pk]), data)
    assert response.status_code == 400
    assert "cannot contain “=” or “;”" in response.text
    assert not SymptomScale.objects.filter(patient=patient_a).exists()
