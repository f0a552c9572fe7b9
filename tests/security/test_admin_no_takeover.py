"""An admin cannot take over someone's account in Django's admin (found by an adversarial
pass): its user page set any user's password (admin/accounts/user/<id>/password/) and edited
their sign-in address, either of which let an admin sign in as a patient, who needs no second
factor, and read the journal logged only as the patient's own sign-in."""

import pytest

from patients.models import Patient
from tests.accounts.admin_patient_support import _posted
from tests.factories import UserFactory

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


def test_an_admin_cannot_move_a_patients_record_to_another_account(admin_client_, patient_a):
    # The Patient admin's "user" was a select of every account: saving with another one
    # moved the patient's whole journal, plan and history to that account.
    other = UserFactory(email="someone.else@example.org")
    owner = patient_a.user_id
    url = f"/admin/patients/patient/{patient_a.pk}/change/"
    page = admin_client_.get(url)
    assert 'name="user"' not in page.content.decode()
    data = _posted(page.context["adminform"].form)
    for formset in page.context["inline_admin_formsets"]:
        data.update(_posted(formset.formset.management_form))
        for form in formset.formset.forms:
            data.update(_posted(form))
    data["user"] = str(other.pk)
    response = admin_client_.post(url, data)
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.user_id == owner
    assert not Patient.objects.filter(user=other).exists()


def test_an_admin_cannot_add_a_patient_profile_in_the_django_admin(admin_client_, clinician_a):
    assert admin_client_.get("/admin/patients/patient/add/").status_code == 403
    response = admin_client_.post(
        "/admin/patients/patient/add/", {"user": str(clinician_a.pk), "time_zone": "UTC"}
    )
    assert response.status_code == 403
    assert not Patient.objects.filter(user=clinician_a).exists()
