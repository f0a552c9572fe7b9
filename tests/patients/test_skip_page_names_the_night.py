"""A past night's skip page names that night in its title, in each language (exploratory
QA: the Spanish skip page of a night days ago was titled "Omitir esta noche", "skip tonight";
the German "Diese Nacht auslassen" reads the same). Tonight and last night take the home
card's words for them; an older night is named by its date. The dose page's "Skip this
night instead" no longer says tonight in Spanish or German either."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # London: tonight is Wed 25 Nov
TONIGHT, LAST_NIGHT, OLDER = date(2026, 11, 25), date(2026, 11, 24), date(2026, 11, 21)
MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a morning doser's today: 25 Nov
TONIGHT_WORDS = {"en": "Skip tonight", "es": "Omitir esta noche", "de": "Heute Abend auslassen"}
TITLES = {
    "en": {
        TONIGHT: "Skip tonight",
        LAST_NIGHT: "Skip last night’s dose",
        OLDER: "Skip the night of Saturday 21 November",
    },
    "es": {
        TONIGHT: "Omitir esta noche",
        LAST_NIGHT: "Omitir la dosis de anoche",
        OLDER: "Omitir la noche del sábado 21 de noviembre",
    },
    "de": {
        TONIGHT: "Heute Abend auslassen",
        LAST_NIGHT: "Dosis von letzter Nacht auslassen",
        OLDER: "Die Nacht vom Samstag, 21. November auslassen",
    },
}
MORNING_TITLES = {
    "en": "Skip the dose of Saturday 21 November",
    "es": "Omitir la dosis del sábado 21 de noviembre",
    "de": "Die Dosis vom Samstag, 21. November auslassen",
}


def _title(page):
    start = page.index('<h1 class="page-title">') + len('<h1 class="page-title">')
    return page[start : page.index("</h1>", start)]


def _page(client, name, night, at):
    with time_machine.travel(at, tick=False):
        response = client.get(reverse(name, args=[night]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def speaking(patient_a):
    def speak(language):
        patient_a.user.language = language
        patient_a.user.save(update_fields=["language"])

    return speak


@pytest.mark.parametrize("language", ["en", "es", "de"])
@pytest.mark.parametrize("night", [TONIGHT, LAST_NIGHT, OLDER], ids=["tonight", "last", "older"])
def test_the_skip_pages_title_names_its_night(
    patient_client, patient_a, clinician_a, speaking, language, night
):
    make_plan(patient_a, clinician_a)
    speaking(language)
    page = _page(patient_client, "journal:skip", night, NOW)
    assert _title(page) == escape(TITLES[language][night])


@pytest.mark.parametrize("language", ["en", "es", "de"])
@pytest.mark.parametrize("night", [LAST_NIGHT, OLDER], ids=["last", "older"])
def test_a_past_nights_skip_page_never_says_tonight(
    patient_client, patient_a, clinician_a, speaking, language, night
):
    make_plan(patient_a, clinician_a)
    speaking(language)
    page = _page(patient_client, "journal:skip", night, NOW)
    assert TONIGHT_WORDS[language] not in page


def test_an_older_nights_skip_page_says_its_date_once(patient_client, patient_a, clinician_a):
    """The title dates the night: the lead under it no longer repeats "The night of ..."."""
    make_plan(patient_a, clinician_a)
    page = _page(patient_client, "journal:skip", OLDER, NOW)
    assert page.count("Saturday 21 November") == 1


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_a_morning_dosers_older_skip_page_names_the_day(
    patient_client, patient_a, clinician_a, speaking, language
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    speaking(language)
    page = _page(patient_client, "journal:skip", OLDER, MORNING)
    assert _title(page) == escape(MORNING_TITLES[language])


@pytest.mark.parametrize("language", ["es", "de"])
def test_a_past_nights_dose_page_offers_to_skip_without_saying_tonight(
    patient_client, patient_a, clinician_a, speaking, language
):
    make_plan(patient_a, clinician_a)
    speaking(language)
    page = _page(patient_client, "journal:evening", OLDER, NOW)
    with translation.override(language):
        offer = gettext("Skip this night instead")
    assert escape(offer) in page
    assert {"es": "esta noche", "de": "Diese Nacht"}[language] not in offer
