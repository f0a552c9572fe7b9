"""An admin's page under /manage/ that shows a patient's account is a read in the access log
(DESIGN.md §4: every read of a patient's data by a clinician or admin is recorded). None of
these wrote a row; the Django admin's patient pages and /manage/'s identifiers, urgent
reports and access-log export did. A page about one account names the patient; a list
writes one row naming the patients it shows by id, as the clinician's patient list does
(dashboard.view), not a row per patient."""

import pytest
from django.urls import reverse

from ldn_journal.accounts import closure
from ldn_journal.accounts.models import AccessLog
from patients.clinic.access_log import AUDIT_ACTION_LABELS
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(admin_client_, admin_user, patient_a):
    mark_reauthenticated(admin_client_, admin_user)
    return admin_client_


def read_of(admin_client, url, action, admin_user, patient):
    """GETs the page (it must show the patient) and returns the rows it wrote as `action`."""
    page = admin_client.get(url)
    assert page.status_code == 200
    assert patient.user.name in page.text
    assert action in AUDIT_ACTION_LABELS
    return list(AccessLog.objects.filter(action=action, actor=admin_user))


@pytest.mark.parametrize(
    ("url_name", "action"),
    [
        ("manage:mfa_reset", "mfa.reset_view"),
        ("manage:close_person", "account.closure_view"),
    ],
)
def test_an_admin_opening_a_patients_account_page_is_logged_as_a_read(
    admin, admin_user, patient_a, url_name, action
):
    url = reverse(url_name, args=[patient_a.user.pk])
    [row] = read_of(admin, url, action, admin_user, patient_a)
    assert (row.patient_id, row.object_type, row.object_id) == (
        patient_a.pk,
        "user",
        str(patient_a.user.pk),
    )


def test_an_admin_opening_a_patients_closure_request_is_logged_as_a_read(
    admin, admin_user, patient_a
):
    request = closure.request_closure(patient_a.user, request=None)
    url = reverse("manage:closure_complete", args=[request.pk])
    [row] = read_of(admin, url, "account.closure_view", admin_user, patient_a)
    assert row.patient_id == patient_a.pk


@pytest.mark.parametrize(
    ("url", "action"),
    [
        (reverse("manage:people"), "people.list"),
        (reverse("manage:care_team"), "care_team.list"),
        (reverse("manage:care_team_transfer"), "care_team.transfer_form"),
    ],
)
def test_an_admins_list_of_accounts_is_one_row_naming_the_patients_on_it(
    admin, admin_user, patient_a, patient_b, url, action
):
    [row] = read_of(admin, url, action, admin_user, patient_a)
    assert row.patient_id is None
    assert sorted(row.detail["patients"]) == sorted([patient_a.pk, patient_b.pk])


def test_the_open_closure_requests_are_one_row_naming_the_patients_on_the_page(
    admin, admin_user, patient_a, patient_b
):
    closure.request_closure(patient_a.user, request=None)
    url = reverse("manage:closures")
    [row] = read_of(admin, url, "closures.list", admin_user, patient_a)
    assert row.detail == {"patients": [patient_a.pk]}


def test_a_clinicians_account_page_names_no_patient(admin, admin_user, clinician_b):
    assert admin.get(reverse("manage:mfa_reset", args=[clinician_b.pk])).status_code == 200
    [row] = AccessLog.objects.filter(action="mfa.reset_view")
    assert row.patient_id is None
