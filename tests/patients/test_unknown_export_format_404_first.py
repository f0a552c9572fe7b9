"""An unknown export format (/clinic/patients/<pk>/export/xml/) asked for the password again
and only then answered 404: the URL admits only the formats there are
(exports.formats.ExportFormatConverter), so any other is a 404 before any view or password
prompt runs, for the clinician and for the patient's own export."""

import pytest
from django.urls import reverse

from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

REAUTHENTICATE = reverse("account_reauthenticate")


@pytest.mark.parametrize("fmt", ["xml", "pdf", "CSV", "csvx", "fhir.json"])
def test_a_clinician_asking_an_unknown_format_gets_404_before_the_password_prompt(
    clinician_a, patient_a, fmt
):
    client = signed_in(clinician_a)  # not re-authenticated: a known format asks for it

    response = client.get(f"/clinic/patients/{patient_a.pk}/export/{fmt}/")

    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["xml", "pdf"])
def test_a_patient_asking_an_unknown_format_gets_404_before_the_password_prompt(patient_a, fmt):
    client = signed_in(patient_a.user)

    assert client.get(f"/journal/export/{fmt}/").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_a_known_format_still_asks_for_the_password_first(clinician_a, patient_a, fmt):
    client = signed_in(clinician_a)

    response = client.get(reverse("clinic:export", args=[patient_a.pk, fmt]))

    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)


def test_the_patients_own_known_format_still_asks_for_the_password_first(patient_a):
    client = signed_in(patient_a.user)

    response = client.get(reverse("journal:export_format", args=["csv"]))

    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
