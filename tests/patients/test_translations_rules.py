"""The pure rules' sentences in Spanish and German: flag explanations and their evidence, plan
errors, safety warnings, suggestions and the dose-level caution (patients.rules.wording
phrases, translated when shown), with no English sentence left on the page.

The same detector as tests/patients/test_translations.py: every English msgid's runs of three
words, and any sentence the English page shows, must be gone from the translated page.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from patients import wording
from patients.models import NightlyEntry, SideEffect
from patients.rules import wording as rules_wording
from prescriptions.models import Formulation, PlanVersion
from tests.factories import PatientFactory
from tests.patients.journal_support import NOW, TONIGHT, make_plan
from tests.patients.translations_support import LANGUAGES, english_left, render_in, visible_texts
from tests.patients.urgent_support import urgent_report
from tests.prescriptions.factories import steps_data

pytestmark = pytest.mark.django_db

PLAN_START = date(2026, 11, 1)
STEP_UP = date(2026, 11, 15)  # 1.5 mg for 14 nights, then 3 mg


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _at(night, hour):
    return datetime.combine(night, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


@pytest.fixture
def flagged(patient_a, clinician_a):
    """Nights that raise a flag of nearly every kind and the vivid-dreams suggestion: a step up
    to 3 mg on 15 Nov, vivid dreams after it, a severe headache, a dose that differs from the
    plan, one taken at 17:00, worse pain, the last two nights missed; and a quiet patient
    (no entry for 10 nights) with an open urgent report."""
    patient_a.user.display_name = "Quokka"
    patient_a.user.save()
    prescription = make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)))
    for night in (PLAN_START + timedelta(days=n) for n in range(22)):  # 1 to 22 Nov
        dose = Decimal("1.5") if night < STEP_UP else Decimal("3")
        values = {"pain": 2}
        if night >= date(2026, 11, 18):
            values = {"pain": 7, "dreams": "vivid", "dream_intensity": 8}
        if night == date(2026, 11, 21):
            dose = Decimal("2.5")
        hour = 17 if night == date(2026, 11, 22) else 22
        entry = NightlyEntry.objects.create(
            patient=patient_a,
            night=night,
            status="taken",
            dose_mg=dose,
            prescribed_mg=dose,
            taken_at=_at(night, hour),
            evening_logged_at=_at(night, hour),
            time_zone="Europe/London",
            **values,
        )
        if night == date(2026, 11, 18):
            SideEffect.objects.create(entry=entry, kind="headache", severity=3)
    NightlyEntry.objects.create(
        patient=patient_a,
        night=date(2026, 11, 23),
        status="skipped",
        skip_reason="forgot",
        evening_logged_at=_at(date(2026, 11, 23), 22),
        time_zone="Europe/London",
    )
    quiet = PatientFactory(user__display_name="Wombat", clinicians=[clinician_a])
    make_plan(quiet, clinician_a)
    NightlyEntry.objects.create(
        patient=quiet,
        night=TONIGHT - timedelta(days=10),
        status="taken",
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        time_zone="Europe/London",
    )
    # On the other patient: no suggestion is raised while a report is open (suggestions
    # wait for the care team's answer), and the vivid-dreams one is read here.
    urgent_report(
        quiet,
        NOW - timedelta(hours=1),
        symptoms=["vomiting"],
        since="few_hours",
        severity="moderate",
    )
    return patient_a, quiet, prescription


def _text(client, url, language, method="get", data=None):
    """What a person reads on the page, as one string."""
    return " ".join(visible_texts(render_in(client, url, language, method, data)))


def _left(client, url, language, method="get", data=None):
    translated = render_in(client, url, language, method, data)
    assert f'<html lang="{language}">' in translated
    return english_left(translated, render_in(client, url, "en", method, data))


def test_the_fixture_raises_the_flags_and_the_suggestion_it_promises(clinician_client, flagged):
    patient, quiet, _ = flagged
    page = _text(clinician_client, reverse("clinic:patient", args=[patient.pk]), "en")
    for english in (
        "Severe headache on 1 night",
        "Pain worse: last 7 nights",
        "2 nights in a row without a taken dose (1 skipped, 1 not logged)",
        "Dose differed from the plan on",
        "Evening dose outside 21:00–03:00 on 1 night",
        "skipped (I forgot)",
        "Consider returning to the previous dose (1.5 mg)",
        "Vivid dreams or nightmares of intensity 6 or more",
        "Only 7 nights at 3 mg: read with care",
    ):
        assert english in page, english
    quiet_page = _text(clinician_client, reverse("clinic:patient", args=[quiet.pk]), "en")
    assert "No entry for 10 nights (last entry 15 Nov" in quiet_page
    assert "Open urgent report (moderate)" in quiet_page


@pytest.mark.parametrize("language", LANGUAGES)
def test_flags_evidence_suggestions_and_dose_levels_leave_no_english(
    clinician_client, flagged, language
):
    patient, quiet, _ = flagged
    left = {}
    for url in (
        reverse("clinic:patients"),
        reverse("clinic:patient", args=[patient.pk]),
        reverse("clinic:patient", args=[quiet.pk]),
        reverse("clinic:report", args=[patient.pk]),
        reverse("clinic:plan", args=[patient.pk]),
        reverse("clinic:plan_change", args=[patient.pk]) + "?suggestion=vivid_dreams",
    ):
        if found := _left(clinician_client, url, language):
            left[url] = found
    assert left == {}


def _change(steps, reason="Review"):
    return {
        "based_on": "1",
        "effective_night": str(TONIGHT),
        "start_date": str(TONIGHT),
        "reason": reason,
        "patient_note": "",
        **steps_data(steps),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plan_validation_error_is_translated(clinician_client, flagged, language):
    patient, _, _ = flagged
    url = reverse("clinic:plan_change", args=[patient.pk])
    data = _change([("2", "5"), ("3", "")])  # 2 mg is no capsule strength; whole numbers
    english = _text(clinician_client, url, "en", "post", data)
    assert "Step 1: 2 mg is not an available capsule strength (1.5, 3, 4.5 mg)." in english
    assert _left(clinician_client, url, language, "post", data) == []
    page = _text(clinician_client, url, language, "post", data)
    assert "1,5; 3; 4,5 mg" in page  # the decimal comma, and no ambiguous list
    assert not PlanVersion.objects.filter(number=2).exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_safety_warning_is_translated(clinician_client, flagged, language):
    patient, _, prescription = flagged
    prescription.formulation = Formulation.OTHER  # any dose is a valid step
    prescription.save()
    url = reverse("clinic:plan_change", args=[patient.pk])
    data = _change([("5", "")])  # 3 mg tonight: +2 mg overnight, above the 4.5 mg maximum
    english = _text(clinician_client, url, "en", "post", data)
    assert "is an increase of 2 mg, more than 1.5 mg in one step" in english
    assert "above the clinic's maximum of 4.5 mg" in english
    assert _left(clinician_client, url, language, "post", data) == []
    assert not PlanVersion.objects.filter(number=2).exists()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "5 mg la noche del 25 nov 2026 tras 3 mg la noche anterior"),
        ("de", "5 mg in der Nacht vom 25. Nov 2026 nach 3 mg in der Nacht davor"),
    ],
)
def test_a_confirmed_warning_is_stored_in_the_signer_s_language(
    clinician_client, flagged, language, expected
):
    patient, _, prescription = flagged
    prescription.formulation = Formulation.OTHER
    prescription.save()
    url = reverse("clinic:plan_change", args=[patient.pk])
    data = {**_change([("5", "")]), "confirm_increase": "on"}
    response = clinician_client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    stored = PlanVersion.objects.get(prescription=prescription, number=2)
    assert expected in stored.confirmed_safety_warning


def test_a_phrase_survives_being_stored_and_read_back():
    day = date(2026, 11, 20)
    phrase = rules_wording.ngettext_lazy(
        "%(count)s night at %(dose)s on %(day)s (%(what)s)",
        "%(count)s nights at %(dose)s on %(day)s (%(what)s)",
        3,
        dose=Decimal("1.50"),
        day=day,
        what=rules_wording.Label("Headache", lower=True),
    )
    again = rules_wording.Phrase.from_state(phrase.to_state())
    assert again == phrase == "3 nights at 1.50 on 20 Nov (headache)"
    assert (again.msgid, again.plural, again.count, again.params) == (
        phrase.msgid,
        phrase.plural,
        phrase.count,
        phrase.params,
    )
    with translation.override("de"):
        assert wording.translate(again) == wording.translate(phrase)
    assert rules_wording.Phrase.from_state("stored before phrases") == "stored before phrases"


@pytest.mark.parametrize(
    ("label", "english", "spanish"),
    [
        ("I forgot", "I forgot", "se me olvidó"),
        ("Out of medication", "out of medication", "sin medicación"),
        ("CRPS flare", "CRPS flare", "CRPS flare"),
    ],
)
def test_a_label_inside_a_sentence_keeps_the_pronoun_i_and_abbreviations(label, english, spanish):
    assert rules_wording.english(rules_wording.Label(label, lower=True)) == english
    with translation.override("es"):
        assert wording.translate(rules_wording.Label(label, lower=True)) == spanish
