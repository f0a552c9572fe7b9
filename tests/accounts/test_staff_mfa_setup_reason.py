"""Staff who must still set up a second factor are told why they are asked for their
password again (found by exploratory QA: "Confirm Access" right after signing in, with no
word on two-factor)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.accounts.conftest import sign_in
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

REASON = {
    "en": "Two-factor authentication is required for clinic staff",
    "de": "Die Zwei-Faktor-Authentifizierung ist für das Praxisteam Pflicht",
    "es": "La autenticación en dos pasos es obligatoria para el personal de la clínica",
}


def first_page_after_signing_in(client, email, language="en"):
    sign_in(client, email, HTTP_ACCEPT_LANGUAGE=language)
    response = client.get("/", follow=True, HTTP_ACCEPT_LANGUAGE=language)
    return response.redirect_chain[-1][0], response.content.decode()


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_staff_without_mfa_are_told_why_they_confirm_their_password(
    client, clinician_a, staff_mfa_required, language
):
    where, page = first_page_after_signing_in(client, clinician_a.email, language)
    assert where.startswith(reverse("account_reauthenticate"))
    assert REASON[language] in page


def test_the_reauthenticate_page_gives_no_such_reason_to_a_patient(patient_a, staff_mfa_required):
    page = signed_in(patient_a.user).get(reverse("mfa_activate_totp"), follow=True)
    assert 'name="password"' in page.content.decode()
    assert REASON["en"] not in page.content.decode()


def test_staff_who_have_mfa_are_given_no_such_reason(clinician_a, staff_mfa_required):
    TOTP.activate(clinician_a, generate_totp_secret())
    page = signed_in(clinician_a).get(reverse("mfa_activate_totp"), follow=True)
    assert REASON["en"] not in page.content.decode()
