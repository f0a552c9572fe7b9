"""Hardening: re-authentication, redirects, passkeys, sessions, MFA for patients, rate limits,
password rules and logout everywhere.

(check --deploy, CSP, no-store and the session timeouts are tested in tests/accounts/.)
"""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from ldn_journal.accounts.invitations import invite
from ldn_journal.accounts.models import User
from tests import figures
from tests.factories import PASSWORD
from tests.prescriptions.factories import make_prescription
from tests.security.hardening_support import REAUTH, sign_in

# --- Re-authentication before sensitive changes --------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/accounts/email/", {"action_add": "", "email": "new.address@example.org"}),
        ("get", "/accounts/2fa/totp/activate/", None),
        ("get", "/accounts/2fa/webauthn/add/", None),
        ("get", "/accounts/2fa/recovery-codes/generate/", None),
    ],
    ids=["change email", "add TOTP", "add passkey", "new recovery codes"],
)
def test_sensitive_account_changes_ask_for_the_password_again(patient_a, method, url, data):
    client, _ = sign_in(patient_a.user.email)
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTH)
    figures.add("hardening", "re-authentication checks")


def test_after_re_authenticating_the_email_change_goes_through(patient_a):
    client, _ = sign_in(patient_a.user.email)
    response = client.post(REAUTH, {"password": PASSWORD})
    assert response.status_code == 302
    response = client.post(
        "/accounts/email/", {"action_add": "", "email": "new.address@example.org"}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith(REAUTH)
    assert patient_a.user.emailaddress_set.filter(email="new.address@example.org").exists()


# --- No open redirects --------------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "http://testserver.evil.example/",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
]


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_sign_in_with_a_hostile_next_stays_on_the_site(patient_a, next_url):
    _, response = sign_in(patient_a.user.email, next_url=next_url)
    target = urlparse(response["Location"])
    assert target.scheme == ""
    assert target.netloc == ""
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith("//")
    assert "evil" not in response["Location"]
    figures.add("hardening", "open-redirect attempts refused")


def test_sign_in_with_a_local_next_goes_there(patient_a):
    _, response = sign_in(patient_a.user.email, next_url="/journal/")
    assert response["Location"] == "/journal/"


# --- Passkeys ------------------------------------------------------------------------------


def test_the_sign_in_page_offers_a_passkey(client, db):
    assert django_settings.MFA_PASSKEY_LOGIN_ENABLED
    assert "webauthn" in django_settings.MFA_SUPPORTED_TYPES
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with a passkey" in page
    assert 'action="/accounts/2fa/webauthn/login/"' in page


def test_patients_may_add_a_passkey_too(patient_a):
    client, _ = sign_in(patient_a.user.email)
    client.post(REAUTH, {"password": PASSWORD})
    assert client.get("/accounts/2fa/webauthn/add/").status_code == 200


# --- Users see and end their own sessions -----------------------------------------------


def test_the_account_page_links_to_the_signed_in_devices(patient_a):
    client, _ = sign_in(patient_a.user.email)
    page = client.get("/accounts/email/").content.decode()
    assert 'href="/accounts/sessions/"' in page


def test_a_user_sees_their_sessions_and_can_end_the_others(patient_a, patient_b):
    phone, _ = sign_in(patient_a.user.email)
    laptop, _ = sign_in(patient_a.user.email)
    someone_else, _ = sign_in(patient_b.user.email)
    page = phone.get("/accounts/sessions/")
    assert page.status_code == 200
    assert len(page.context["sessions"]) == 2
    phone.post("/accounts/sessions/", {})
    assert phone.get("/journal/").status_code == 200
    assert laptop.get("/journal/")["Location"].startswith("/accounts/login/")
    assert someone_else.get("/journal/").status_code == 200


# --- MFA for patients when the clinic wants it ---------------------------------------------


def test_patients_need_no_second_factor_by_default(patient_client):
    assert django_settings.LDN_REQUIRE_PATIENT_MFA is False
    assert patient_client.get("/journal/").status_code == 200


def test_with_the_patient_mfa_setting_on_patients_are_sent_to_mfa_setup(patient_client, settings):
    settings.LDN_REQUIRE_PATIENT_MFA = True
    response = patient_client.get("/journal/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


# --- Rate limits ---------------------------------------------------------------------------


def test_invitation_links_are_rate_limited_per_address(client, db):
    allowed = int(django_settings.ACCOUNT_RATE_LIMITS["invitation_accept"].split("/")[0])
    statuses = [client.get(f"/invite/guess-{n}/").status_code for n in range(allowed + 1)]
    assert statuses[:allowed] == [404] * allowed
    assert statuses[-1] == 429
    figures.add("hardening", "rate limits proven")


def test_failed_sign_ins_are_rate_limited_per_account(client, patient_a):
    def attempt(password):
        return client.post(
            "/accounts/login/", {"login": patient_a.user.email, "password": password}
        )

    for n in range(5):
        assert "Too many failed login attempts" not in attempt(f"wrong-{n}").content.decode()
    # Even the right password is refused now: guessing has to stop, not just fail.
    response = attempt(PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    figures.add("hardening", "rate limits proven")


def test_password_reset_requests_are_rate_limited_per_address(client, patient_a):
    statuses = [
        client.post("/accounts/password/reset/", {"email": patient_a.user.email}).status_code
        for _ in range(6)
    ]
    assert 429 in statuses
    figures.add("hardening", "rate limits proven")


# --- Password rules through the real sign-up form --------------------------------------------


@pytest.fixture
def invited(client, clinician_a):
    invitation = invite(clinician_a, "new.patient@example.org", "patient").invitation
    token = invitation.new_token()
    invitation.save()
    assert client.get(f"/invite/{token}/").status_code == 302
    return client


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_sign_up_refuses_weak_passwords(invited, password, message):

    response = invited.post(
        "/accounts/signup/",
        {
            "email": "new.patient@example.org",
            "display_name": "New Patient",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new.patient@example.org").exists()


def test_sign_up_accepts_a_long_uncommon_password(invited):
    response = invited.post(
        "/accounts/signup/",
        {
            "email": "new.patient@example.org",
            "display_name": "New Patient",
            "password1": "violet-harbour-lantern-42",
            "password2": "violet-harbour-lantern-42",
            "time_zone": "Europe/London",
            "time_zone_confirmed": "on",
        },
    )
    assert response.status_code == 302


# --- Logout everywhere -----------------------------------------------------------------------


def test_changing_the_password_signs_out_every_session(patient_a):
    assert django_settings.ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE
    phone, _ = sign_in(patient_a.user.email)
    laptop, _ = sign_in(patient_a.user.email)
    response = phone.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "violet-harbour-lantern-42",
            "password2": "violet-harbour-lantern-42",
        },
    )
    assert response.status_code == 302
    for client in (phone, laptop):
        assert client.get("/journal/")["Location"].startswith("/accounts/login/")


def test_deactivating_an_account_signs_out_its_sessions(patient_a, admin_user):
    phone, _ = sign_in(patient_a.user.email)
    admin = Client()
    admin.force_login(admin_user)
    admin.post(f"/manage/people/{patient_a.user.pk}/active/", {"active": "0"})
    assert phone.get("/journal/")["Location"].startswith("/accounts/login/")


# --- Re-authentication on the clinic's sensitive pages -------------------------------------


@pytest.fixture
def on_a_plan(patient_a, clinician_a):

    make_prescription(patient_a, clinician_a, start=timezone.localdate() - timedelta(days=20))
    return patient_a


@pytest.mark.parametrize(
    "path",
    ["/clinic/patients/{pk}/plan/hold/", "/clinic/patients/{pk}/plan/resume/"]
    + [f"/clinic/patients/{{pk}}/export/{fmt}/" for fmt in ("csv", "fhir")],
    ids=["hold", "resume", "export csv", "export fhir"],
)
def test_holds_and_exports_ask_the_clinician_for_the_password_again(
    on_a_plan, clinician_a, clinician_b, path
):
    url = path.format(pk=on_a_plan.pk)
    client, _ = sign_in(clinician_a.email)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(REAUTH)
        figures.add("hardening", "re-authentication checks")
    # Another team's clinician gets the 404 of a patient they cannot see, not a prompt.
    other, _ = sign_in(clinician_b.email)
    assert other.get(url).status_code == 404


def test_after_re_authenticating_the_clinician_reaches_the_hold_form(on_a_plan, clinician_a):
    client, _ = sign_in(clinician_a.email)
    url = f"/clinic/patients/{on_a_plan.pk}/plan/hold/"
    prompt = client.get(url)
    response = client.post(prompt["Location"], {"password": PASSWORD})
    assert response["Location"] == url
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("path", ["/journal/export/", "/journal/export/csv/"])
def test_a_patients_export_asks_for_the_password_again(patient_a, path):
    client, _ = sign_in(patient_a.user.email)
    response = client.get(path)
    assert response["Location"].startswith(REAUTH)
    figures.add("hardening", "re-authentication checks")
