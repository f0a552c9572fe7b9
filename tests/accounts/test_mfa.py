"""Point 4: staff must set up a second factor before they reach any patient data."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_removed
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.urls import reverse

from tests.accounts.conftest import sign_in
from tests.factories import PASSWORD
from tests.security.reauth import mark_reauthenticated

SETUP_URL = reverse("mfa_activate_totp")
PATIENT_DATA_PAGES = {
    "clinician": ["/", "/clinic/", "/clinic/invite/", "/clinic/invitations/"],
    "admin": ["/", "/manage/", "/manage/invite/", "/manage/invitations/", "/admin/"],
}


def open_setup_page(client):
    """allauth asks for the password again before a factor is added; confirm it."""
    response = client.get(SETUP_URL)
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert response.status_code == 200
    return response


def current_code(secret):
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def staff(clinician_a, admin_user):
    return {"clinician": clinician_a, "admin": admin_user}


def test_staff_mfa_is_off_in_development_and_on_in_production_by_default():
    # The demo (DEBUG on) signs in with a password alone; tests/test_settings.py checks the
    # production default in a fresh process.
    assert settings.LDN_REQUIRE_STAFF_MFA is False


@pytest.mark.parametrize(
    ("role", "url"), [(role, url) for role, urls in PATIENT_DATA_PAGES.items() for url in urls]
)
def test_staff_without_mfa_are_sent_to_totp_setup_from_every_page(
    client, staff, staff_mfa_required, role, url
):
    client.force_login(staff[role])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == SETUP_URL


def test_staff_without_mfa_see_no_patient_names(client, clinician_a, patient_a, staff_mfa_required):
    client.force_login(clinician_a)
    response = client.get("/clinic/", follow=True)
    assert "Patient A" not in response.content.decode()


def test_staff_without_mfa_may_still_reach_their_account_pages_and_sign_out(
    client, clinician_a, staff_mfa_required
):
    client.force_login(clinician_a)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200


def test_patients_are_not_forced_to_set_up_mfa(patient_client, staff_mfa_required):
    assert patient_client.get("/journal/").status_code == 200


def test_patients_may_enable_mfa_themselves(patient_client):
    page = patient_client.get(reverse("mfa_index")).content.decode()
    assert SETUP_URL in page


def test_staff_with_totp_reach_patient_data(client, clinician_a, patient_a, staff_mfa_required):
    TOTP.activate(clinician_a, generate_totp_secret())
    client.force_login(clinician_a)
    response = client.get("/clinic/")
    assert response.status_code == 200
    assert "Patient A" in response.content.decode()


def test_setting_up_totp_through_the_real_form_lets_staff_through_with_recovery_codes(
    client, clinician_a, patient_a, staff_mfa_required
):
    sign_in(client, clinician_a.email)
    assert client.get("/clinic/")["Location"] == SETUP_URL
    page = open_setup_page(client)
    secret = page.context["form"].secret
    response = client.post(SETUP_URL, {"code": current_code(secret)})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Authenticator.objects.filter(user=clinician_a, type="totp").exists()
    assert Authenticator.objects.filter(user=clinician_a, type="recovery_codes").exists()
    assert client.get("/clinic/").status_code == 200


def test_a_wrong_setup_code_is_refused_and_nothing_is_stored(
    client, clinician_a, staff_mfa_required
):
    sign_in(client, clinician_a.email)
    open_setup_page(client)
    response = client.post(SETUP_URL, {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not Authenticator.objects.filter(user=clinician_a).exists()


def test_after_setting_up_totp_login_asks_for_the_code(client, clinician_a, staff_mfa_required):
    secret = generate_totp_secret()
    TOTP.activate(clinician_a, secret)
    response = sign_in(client, clinician_a.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/clinic/").status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get("/clinic/").status_code == 200


def test_removing_the_last_factor_sends_staff_back_to_setup(
    client, clinician_a, staff_mfa_required
):
    TOTP.activate(clinician_a, generate_totp_secret())
    client.force_login(clinician_a)
    assert client.get("/clinic/").status_code == 200
    Authenticator.objects.filter(user=clinician_a).delete()

    # allauth sends this signal from its deactivate view; the cached check must drop.
    request = type("R", (), {"session": client.session, "META": {}, "user": clinician_a})()
    authenticator_removed.send(
        sender=Authenticator, request=request, user=clinician_a, authenticator=Authenticator()
    )
    request.session.save()
    assert client.get("/clinic/")["Location"] == SETUP_URL


def test_django_admin_login_also_asks_for_the_second_factor(client, admin_user, staff_mfa_required):
    secret = generate_totp_secret()
    TOTP.activate(admin_user, secret)
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(response["Location"], {"login": admin_user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_passkeys_are_offered_on_the_login_page(client, db):
    assert "webauthn" in settings.MFA_SUPPORTED_TYPES
    assert settings.MFA_PASSKEY_LOGIN_ENABLED
    page = client.get(reverse("account_login")).content.decode()
    assert 'id="passkey_login"' in page


def test_passkeys_can_be_added_from_the_mfa_page(patient_client):
    page = patient_client.get(reverse("mfa_index")).content.decode()
    assert reverse("mfa_add_webauthn") in page


@pytest.mark.parametrize("credential", ['{"id": 1}', '{"rawId": 5, "response": []}', "[]"])
def test_a_malformed_passkey_is_refused_not_a_500(client, patient_a, credential):
    """fido2 raises KeyError for a credential without rawId, which allauth did not catch:
    the passkey sign-in page, reachable signed out, answered 500 (found by an exploratory
    pass)."""
    client.raise_request_exception = False
    signed_out = client.post(reverse("mfa_login_webauthn"), {"credential": credential})
    assert signed_out.status_code < 500
    client.force_login(patient_a.user)
    mark_reauthenticated(client, patient_a.user)
    adding = client.post(reverse("mfa_add_webauthn"), {"name": "Phone", "credential": credential})
    assert adding.status_code < 500
