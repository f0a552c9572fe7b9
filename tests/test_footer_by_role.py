"""The footer speaks to its reader: "your clinician decides every dose" to patients only.
Clinicians and admins read it on every page, where it spoke of "your clinician" to the
clinician themselves (found in QA); they, and a visitor not signed in, read that every
change of dose is made and signed by a clinician. The footer is rendered once per language
and role ({% once role=user.role %}), so a patient's page never shows the staff's words."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

PATIENTS = {
    "en": "LDN Journal records and reminds; your clinician decides every dose.",
    "de": (
        "LDN Journal dokumentiert und erinnert; über jede Dosis entscheidet Ihre behandelnde "
        "Person."
    ),
    "es": "LDN Journal registra y recuerda; su profesional sanitario decide cada dosis.",
}
STAFF = {
    "en": (
        "LDN Journal records and reminds; every change of dose is made and signed by a clinician."
    ),
    "de": (
        "LDN Journal dokumentiert und erinnert; jede Dosisänderung nimmt eine behandelnde Person "
        "vor und signiert sie."
    ),
    "es": (
        "LDN Journal registra y recuerda; cada cambio de dosis lo hace y lo firma un "
        "profesional sanitario."
    ),
}


def _footer(client, url, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    footer = re.search(r"<footer.*?</footer>", response.content.decode(), re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", footer)).strip()


@pytest.mark.parametrize("language", sorted(PATIENTS))
def test_each_role_reads_its_own_footer(patient_a, clinician_a, admin_user, language):
    # Staff first: the footer kept for them must not be the one a patient then reads.
    readers = [
        (signed_in(clinician_a), reverse("clinic:patients"), STAFF),
        (signed_in(admin_user), reverse("manage:people"), STAFF),
        (Client(), reverse("account_login"), STAFF),
        (signed_in(patient_a.user), reverse("journal:home"), PATIENTS),
    ]
    for client, url, says in readers:
        assert _footer(client, url, language) == says[language], url
