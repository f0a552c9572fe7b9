"""A bulk-invitation row whose address has an account says what the single invitation says
(invitations.existing_account_message): same role, deactivated, or its actual role; it said
"another role, or is not a patient's" for every one of them."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts import bulk_invitations
from ldn_journal.accounts.models import BulkInvitation, BulkInvitationRow
from tests.accounts.invitation_existing_account_support import SAME_ROLE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,role,name,clinician,country,language"


def csv_bytes(lines):
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def judged(admin, line):
    return bulk_invitations.build_batch(admin, csv_bytes([line])).rows.get()


@pytest.mark.parametrize("language", SAME_ROLE)
def test_the_preview_tells_an_admin_a_clinician_row_already_has_that_account_in_their_language(
    admin_client_, admin_user, clinician_b, language
):
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    admin_client_.post(
        reverse("manage:bulk_invitations"),
        {
            "file": SimpleUploadedFile(
                "people.csv", csv_bytes([f"{clinician_b.email},clinician,,,,"]), "text/csv"
            )
        },
    )
    batch = BulkInvitation.objects.get()

    page = html.unescape(
        admin_client_.get(reverse("manage:bulk_invitation", args=[batch.pk])).content.decode()
    )

    assert SAME_ROLE[language] in page
    assert "another role" not in page
    assert batch.rows.get().verdict == BulkInvitationRow.Verdict.ERROR


def test_a_row_for_a_patients_address_as_a_clinician_names_the_accounts_actual_role(
    admin_user, patient_a
):
    text = bulk_invitations.problem_text(
        judged(admin_user, f"{patient_a.user.email},clinician,,,,")
    )
    assert text.startswith(
        "This address already has an account with the role “Patient”, so it cannot be "
        "invited as “Clinician”: an account has one role."
    )


def test_a_row_for_a_deactivated_patient_as_a_patient_says_to_reactivate_the_account(
    admin_user, clinician_a, inactive_user
):
    text = bulk_invitations.problem_text(
        judged(admin_user, f"{inactive_user.email},patient,,{clinician_a.email},,")
    )
    assert text == (
        "This address already has an account with the role “Patient”, but it is deactivated: "
        "reactivate it under People instead of inviting it."
    )


def test_a_row_that_failed_because_an_account_appeared_since_the_preview_says_which(
    admin_user,
):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(["late@example.org,admin,,,,"]))
    UserFactory(email="late@example.org", role="admin")  # made meanwhile
    bulk_invitations.start_sending(batch, request=None)

    bulk_invitations.send_batch(batch.pk)

    failed = batch.rows.get()
    assert failed.status == BulkInvitationRow.Status.FAILED
    with translation.override("de"):
        assert bulk_invitations.problem_text(failed).startswith(
            "Diese Adresse hat bereits ein Konto mit der Rolle „Administrator"
        )
