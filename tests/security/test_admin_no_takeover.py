"""An admin cannot take over someone's account in Django's admin (found by an adversarial
pass): its user page set any user's password (admin/accounts/user/<id>/password/) and edited
their sign-in address, either of which let an admin sign in as a patient, who needs no second
factor, and read the journal logged only as the patient's own sign-in."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_admin_cannot_set_a_patients_password_in_the_django_admin(admin_client_, patient_a):
    user = patient_a.user
    url = f"/admin/accounts/user/{user.pk}/password/"
    assert admin_client_.get(url).status_code == 404
    response = admin_client_.post(
        url, {"password1": "a-new-long-password-2026", "password2": "a-new-long-password-2026"}
    )
    assert response.status_code == 404
    user.refresh_from_db()
    assert not user.check_password("a-new-long-password-2026")


def test_an_admin_cannot_change_a_patients_sign_in_address_in_the_django_admin(
    admin_client_, patient_a
):
    user = patient_a.user
    response = admin_client_.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": "taken.over@example.org",
            "display_name": user.display_name,
            "role": user.role,
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "patient.a@example.org"
