"""The language of the pages: the user's setting, else the browser's, else English."""

import pytest
from django.urls import reverse

from ldn_journal.accounts.languages import recipient_language, supported_language
from tests.factories import PASSWORD
from tests.patients.journal_support import settings_data

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
SETTINGS = reverse("journal:settings")
# Sign out lives on the More page since the bottom tab bar; its text shows which language won.
MORE = reverse("journal:more")
LANGUAGE = reverse("account_language")


def test_with_no_setting_and_no_browser_language_pages_are_in_british_english(patient_client):
    page = patient_client.get(MORE).content.decode()
    assert '<html lang="en-gb">' in page
    assert "Sign out" in page


def test_accept_language_de_gives_a_german_page(patient_client):
    response = patient_client.get(MORE, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "Abmelden" in page
    assert "Sign out" not in page
    assert response["Content-Language"] == "de"


def test_accept_language_es_gives_a_spanish_sign_in_page(client):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="es-MX").content.decode()
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page


def test_a_language_the_site_does_not_speak_falls_back_to_english(patient_client):
    page = patient_client.get(HOME, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en-gb">' in page


def test_the_users_setting_beats_the_browser(patient_client, patient_a):
    patient_a.user.language = "es"
    patient_a.user.save()
    page = patient_client.get(MORE, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="es">' in page
    assert "Cerrar sesión" in page


def test_the_patient_chooses_german_in_settings_and_is_answered_in_german(
    patient_client, patient_a
):
    response = patient_client.post(SETTINGS, settings_data(language="de"), follow=True)
    patient_a.user.refresh_from_db()
    assert patient_a.user.language == "de"
    page = response.content.decode()
    assert "Ihre Einstellungen sind gespeichert." in page
    assert '<html lang="de">' in page


def test_a_clinician_sets_their_language_on_the_account_language_page(
    clinician_client, clinician_a
):
    response = clinician_client.post(LANGUAGE, {"language": "es"}, follow=True)
    clinician_a.refresh_from_db()
    assert clinician_a.language == "es"
    assert "Se ha guardado su idioma." in response.content.decode()


def test_as_my_browser_clears_the_setting(patient_client, patient_a):
    patient_a.user.language = "de"
    patient_a.user.save()
    patient_client.post(LANGUAGE, {"language": ""})
    patient_a.user.refresh_from_db()
    assert patient_a.user.language == ""
    page = patient_client.get(HOME, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page


def test_a_language_not_offered_is_refused_and_nothing_changes(patient_client, patient_a):
    response = patient_client.post(LANGUAGE, {"language": "fr"})
    assert response.status_code == 200
    assert "fr is not one of the available choices" in response.content.decode()
    patient_a.user.refresh_from_db()
    assert patient_a.user.language == ""


@pytest.mark.parametrize(
    ("code", "expected"),
    [("de-AT", "de"), ("es-419", "es"), ("en-US", "en-gb"), ("fr", ""), ("", "")],
)
def test_a_browser_language_is_mapped_to_one_the_site_speaks(code, expected):
    assert supported_language(code) == expected


def test_a_message_sent_with_no_browser_asking_is_in_the_setting_else_english(patient_a):
    assert recipient_language(patient_a.user) == "en-gb"
    patient_a.user.language = "es"
    assert recipient_language(patient_a.user) == "es"


@pytest.mark.parametrize(("language", "said"), [("de", "Erfolgreich als"), ("es", None)])
def test_the_signed_in_message_is_in_the_users_language_not_the_browsers(
    client, patient_a, language, said
):
    """Signing in, the message came in the browser's language (English on a German user's
    German page; found by exploratory testing)."""
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    response = client.post(
        reverse("account_login"),
        {"login": patient_a.user.email, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en-GB",
        follow=True,
    )
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert "Successfully signed in" not in page
    if said:
        assert said in page
