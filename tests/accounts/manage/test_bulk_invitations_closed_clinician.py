"""A bulk-invitation row naming a closed clinician (by the placeholder address closing left
it, "closed-7@closed.invalid") was refused as "deactivated", as if an admin could reactivate
them (found in review): a closed account never takes a patient again. It is refused as
closed, read with the file's one look-up of its addresses (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ldn_journal.accounts import bulk_invitations, closure
from ldn_journal.accounts.models import BulkInvitationRow
from tests.accounts.manage.test_bulk_invitations import csv_bytes
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db


def _closed_clinicians(count, admin):
    closed = []
    for _ in range(count):
        clinician = ClinicianFactory()
        closure.close_account(clinician, by=admin, request=None)
        clinician.refresh_from_db()
        closed.append(clinician)
    return closed


def _rows(clinicians, start=0):
    return [
        f"p{start + n}@example.org,patient,,{clinician.email},,"
        for n, clinician in enumerate(clinicians)
    ]


def test_a_row_naming_a_closed_clinician_is_refused_as_closed_not_deactivated(admin_user):
    (closed,) = _closed_clinicians(1, admin_user)
    gone = ClinicianFactory(email="gone.doctor@example.org", is_active=False)

    batch = bulk_invitations.build_batch(admin_user, csv_bytes(_rows([closed, gone])))

    first, second = batch.rows.order_by("number")
    assert first.verdict == BulkInvitationRow.Verdict.ERROR
    assert (first.problem, second.problem) == ("clinician_closed", "clinician_inactive")
    said = bulk_invitations.problem_message(first.problem, first.problem_detail)
    assert "closed account" in said
    assert "deactivated" not in said


def test_rows_naming_closed_clinicians_make_no_query_per_row(
    admin_user, django_assert_max_num_queries
):
    few = _closed_clinicians(1, admin_user)
    with CaptureQueriesContext(connection) as captured:
        bulk_invitations.build_batch(admin_user, csv_bytes(_rows(few)))
    many = _closed_clinicians(6, admin_user)

    with django_assert_max_num_queries(len(captured)):
        batch = bulk_invitations.build_batch(admin_user, csv_bytes(_rows(many, start=10)))

    assert set(batch.rows.values_list("problem", flat=True)) == {"clinician_closed"}
