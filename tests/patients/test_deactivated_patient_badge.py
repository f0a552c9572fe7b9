"""After an admin deactivated a patient, the clinician's list and the patient's page looked as
ever, while the patient could not sign in and got no reminders, so missed-night flags built
up unexplained. The list row and the page header now say "Account deactivated — no
reminders, cannot sign in", in the clinician's language; the list's queries do not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldn_journal.accounts.accounts_admin import set_user_active
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("clinic:patients")
SAID = {
    "en": "Account deactivated — no reminders, cannot sign in",
    "es": "Cuenta desactivada: sin recordatorios, no puede iniciar sesión",
    "de": "Konto deaktiviert – keine Erinnerungen, Anmeldung nicht möglich",
}


def _speaking(clinician, language):
    clinician.language = language
    clinician.save(update_fields=["language"])


def _row_of(html, patient):
    """The list's row of ``patient`` (its <tr> … </tr>)."""
    link = f'href="{reverse("clinic:patient", args=[patient.pk])}"'
    start = html.index(link)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_the_list_row_of_a_deactivated_patient_says_so_and_an_active_ones_does_not(
    clinician_client, clinician_a, patient_a, language
):
    active = PatientFactory(clinicians=[clinician_a])
    set_user_active(patient_a.user, False)
    _speaking(clinician_a, language)

    html = clinician_client.get(LIST).content.decode()

    assert SAID[language] in _row_of(html, patient_a)
    assert SAID[language] not in _row_of(html, active)


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_the_page_of_a_deactivated_patient_says_so_in_its_header(
    clinician_client, clinician_a, patient_a, language
):
    set_user_active(patient_a.user, False)
    _speaking(clinician_a, language)

    html = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()

    start = html.index('<header class="stack patient-header">')
    header = html[start : html.index("</header>", start)]
    assert SAID[language] in header


def test_the_page_of_an_active_patient_has_no_such_badge(clinician_client, patient_a):
    html = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()

    assert SAID["en"] not in html


def test_a_reactivated_patient_loses_the_badge(clinician_client, patient_a):
    set_user_active(patient_a.user, False)
    set_user_active(patient_a.user, True)

    html = clinician_client.get(LIST).content.decode()

    assert SAID["en"] not in html


def _list_queries(client):
    client.get(LIST)  # rows written; the session saved
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


def test_the_list_takes_the_same_queries_for_two_or_eight_patients_some_deactivated(
    clinician_client, clinician_a
):
    first = [PatientFactory(clinicians=[clinician_a]) for _ in range(2)]
    set_user_active(first[0].user, False)
    at_two = _list_queries(clinician_client)
    more = [PatientFactory(clinicians=[clinician_a]) for _ in range(6)]
    for patient in more[:3]:
        set_user_active(patient.user, False)

    at_eight = _list_queries(clinician_client)

    # The account's state comes with the page's patients (attention.LISTED_FIELDS), not a
    # query per row.
    assert at_eight == at_two
    assert clinician_client.get(LIST).content.decode().count(SAID["en"]) == 4
