"""An admin inviting an address that already has an account is told which role it has and
where to manage it; a clinician still gets the one neutral answer (issue 15)."""

import html

import pytest
from django.urls import reverse

from ldn_journal.accounts.models import Invitation, Role
from tests.accounts.invitation_existing_account_support import SAME_ROLE

pytestmark = pytest.mark.django_db


def invite_as_admin(client, email, role=Role.CLINICIAN):
    response = client.post(reverse("manage:invite"), {"email": email, "role": role})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", SAME_ROLE)
def test_an_admin_inviting_a_clinician_who_has_that_account_is_told_so_not_another_role(
    admin_client_, admin_user, clinician_b, language
):
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    page = invite_as_admin(admin_client_, clinician_b.email)
    assert SAME_ROLE[language] in page
    assert "another role" not in page
    assert "Ask an admin" not in page
    assert f'href="/manage/?q={clinician_b.email.replace("@", "%40")}"' in page
    assert not Invitation.objects.exists()


def test_an_admin_inviting_a_patients_address_as_a_clinician_is_told_its_actual_role(
    admin_client_, patient_a
):
    page = invite_as_admin(admin_client_, patient_a.user.email)
    assert (
        "This address already has an account with the role “Patient”, so it cannot be "
        "invited as “Clinician”: an account has one role." in page
    )
    patient_a.user.refresh_from_db()
    assert patient_a.user.role == Role.PATIENT


def test_an_admin_inviting_a_deactivated_clinician_is_told_to_reactivate_the_account(
    admin_client_, clinician_b
):
    clinician_b.is_active = False
    clinician_b.save(update_fields=["is_active"])
    page = invite_as_admin(admin_client_, clinician_b.email)
    assert "but it is deactivated: reactivate it under People instead of inviting it." in page


def test_a_clinician_inviting_a_clinicians_address_still_gets_the_neutral_answer(
    clinician_client, clinician_b
):
    response = clinician_client.post(
        reverse("clinic:invite"), {"email": clinician_b.email, "role": Role.PATIENT}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "Thank you. If" in page
    assert "already has an account with the role" not in page
    assert "/manage/?q=" not in page
    assert not Invitation.objects.exists()
