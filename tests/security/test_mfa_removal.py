"""Finding 5: removing the last second factor in one session must not leave the user's other
sessions exempt from the staff MFA requirement (they had passed the check before)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.security.reauth import mark_reauthenticated, signed_in

SETUP_URL = reverse("mfa_activate_totp")


@pytest.fixture
def staff_mfa_required(settings):
    settings.LDN_REQUIRE_STAFF_MFA = True


def test_removing_the_last_factor_sends_the_other_sessions_to_setup_too(
    clinician_a, patient_a, staff_mfa_required
):
    TOTP.activate(clinician_a, generate_totp_secret())
    laptop, tablet = signed_in(clinician_a), signed_in(clinician_a)
    assert tablet.get("/clinic/").status_code == 200  # the tablet passed the check

    mark_reauthenticated(laptop, clinician_a)
    response = laptop.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=clinician_a).exists()

    response = tablet.get(f"/clinic/patients/{patient_a.pk}/")
    assert response.status_code == 302
    assert response["Location"] == SETUP_URL


def test_a_session_that_removed_its_factor_is_sent_to_setup(
    clinician_a, patient_a, staff_mfa_required
):
    TOTP.activate(clinician_a, generate_totp_secret())
    laptop = signed_in(clinician_a)
    assert laptop.get("/clinic/").status_code == 200
    mark_reauthenticated(laptop, clinician_a)
    laptop.post(reverse("mfa_deactivate_totp"))
    assert laptop.get("/clinic/")["Location"] == SETUP_URL
