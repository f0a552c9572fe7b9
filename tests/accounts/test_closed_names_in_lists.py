"""User.name of an inactive account without a display name asks whether it was closed (a
closed one reads "Closed account"): for a user not loaded by a query that read the closure
(accounts.models.closed_at_of) that was one query per name, on every list that names
accounts (found in review). Each list now reads the closure with its rows: its queries do
not grow with the closed and deactivated accounts on it."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ldn_journal.accounts import closure
from ldn_journal.accounts.models import AccessLog, Role
from patients.models import (
    CareTeamMembership,
    CareTeamRequest,
    ClinicianNote,
    FlagReview,
    UrgentReport,
)
from tests.factories import ClinicianFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _add_accounts(count, clinician, patient, admin):
    """``count`` closed patients (on ``clinician``'s team), ``count`` closed clinicians (on
    ``patient``'s team, each having read the record) and ``count`` deactivated accounts
    without a display name."""
    for _ in range(count):
        closing = PatientFactory(clinicians=[clinician])
        UrgentReport.objects.create(
            patient=closing,
            severity="severe",
            acknowledged_at=timezone.now(),
            acknowledged_by=clinician,
        )
        closure.close_account(closing.user, by=admin, request=None)
        colleague = ClinicianFactory()
        CareTeamMembership.objects.create(patient=patient, clinician=colleague)
        AccessLog.objects.create(
            actor=colleague, actor_role=Role.CLINICIAN, patient=patient, action="patient.view"
        )
        closure.close_account(colleague, by=admin, request=None)
        UserFactory(display_name="", is_active=False)


def _count(client, url):
    client.get(url)  # the session saved, the compiled queries built
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


PAGES = {
    "people": (Role.ADMIN, reverse("manage:people")),
    "care_team": (Role.ADMIN, reverse("manage:care_team")),
    "access_log": (Role.ADMIN, reverse("manage:access_log")),
    "patient_page": (Role.CLINICIAN, "patient"),
    "own_access_log": (Role.PATIENT, reverse("journal:access_log")),
    "urgent_reports": (Role.CLINICIAN, reverse("clinic:urgent_reports")),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_list_naming_closed_and_deactivated_accounts_makes_no_query_per_account(
    client, clinician_a, patient_a, admin_user, page, django_assert_max_num_queries
):
    role, url = PAGES[page]
    if url == "patient":
        url = reverse("clinic:patient", args=[patient_a.pk])
    viewer = {Role.ADMIN: admin_user, Role.CLINICIAN: clinician_a, Role.PATIENT: patient_a.user}
    client.force_login(viewer[role])
    _add_accounts(1, clinician_a, patient_a, admin_user)
    few = _count(client, url)
    _add_accounts(5, clinician_a, patient_a, admin_user)
    client.get(url)

    with django_assert_max_num_queries(few):
        response = client.get(url)

    assert "Closed account" in response.content.decode()


# --- The notes timeline -----------------------------------------------------------------------


def test_a_closed_colleagues_note_is_named_closed_account_not_by_the_placeholder_address(
    client, clinician_a, patient_a, admin_user
):
    colleague = ClinicianFactory(display_name="Dr Leaving")
    CareTeamMembership.objects.create(patient=patient_a, clinician=colleague)
    ClinicianNote.objects.create(patient=patient_a, author=colleague, text="Called the patient")
    FlagReview.objects.create(
        patient=patient_a, reviewed_by=colleague, reviewed_through=date(2026, 11, 20)
    )
    closure.close_account(colleague, by=admin_user, request=None)
    colleague.refresh_from_db()
    client.force_login(clinician_a)

    page = client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    report = client.get(
        reverse("clinic:report", args=[patient_a.pk]), {"notes": "1", "start": "2026-11-01"}
    ).content.decode()

    for html in (page, report):
        assert colleague.email not in html
        assert "Dr Leaving" not in html
    start = page.index('id="notes"')
    assert page[start:].count("· Closed account</p>") == 2
    assert "Closed account reviewed flags through" in report


# --- The admin's access log -------------------------------------------------------------------


def test_the_access_log_names_a_closed_actor_closed_account_not_by_the_placeholder_address(
    client, admin_user, patient_a, clinician_a
):
    colleague = ClinicianFactory(display_name="Dr Leaving")
    CareTeamMembership.objects.create(patient=patient_a, clinician=colleague)
    AccessLog.objects.create(
        actor=colleague, actor_role=Role.CLINICIAN, patient=patient_a, action="patient.view"
    )
    AccessLog.objects.create(
        actor=clinician_a, actor_role=Role.CLINICIAN, patient=patient_a, action="patient.view"
    )
    closure.close_account(colleague, by=admin_user, request=None)
    colleague.refresh_from_db()
    client.force_login(admin_user)

    html = client.get(reverse("manage:access_log")).content.decode()

    assert colleague.email not in html
    assert f'<td>Closed account <span class="small muted">#{colleague.pk}</span></td>' in html
    assert f"<td>{clinician_a.email}</td>" in html


def test_the_access_log_csv_names_a_closed_actor_closed_account_with_its_id(
    admin_client_, admin_user, patient_a
):
    colleague = ClinicianFactory()
    AccessLog.objects.create(
        actor=colleague, actor_role=Role.CLINICIAN, patient=patient_a, action="patient.view"
    )
    closure.close_account(colleague, by=admin_user, request=None)
    colleague.refresh_from_db()

    response = admin_client_.get(reverse("manage:access_log"), {"format": "csv"})

    body = response.content.decode()
    assert colleague.email not in body
    assert f"Closed account #{colleague.pk}" in body


# --- The admin's people and care-team pages ---------------------------------------------------
# Both showed a closed account's placeholder address ("closed-7@closed.invalid") beside its
# name (found in review): it reads "Closed account" with its id, as the access log does.


def _closed_patient_asked_by(clinician, admin):
    patient = PatientFactory()
    CareTeamRequest.objects.create(patient=patient, clinician=clinician)
    closure.close_account(patient.user, by=admin, request=None)
    patient.user.refresh_from_db()
    return patient


def test_the_people_page_names_a_closed_account_with_its_id_not_its_placeholder_address(
    admin_client_, admin_user, clinician_a
):
    colleague = ClinicianFactory()
    closure.close_account(colleague, by=admin_user, request=None)
    colleague.refresh_from_db()

    html = admin_client_.get(reverse("manage:people")).content.decode()

    assert "closed.invalid" not in html
    assert f'<td>Closed account <span class="small muted">#{colleague.pk}</span></td>' in html
    assert f"<td>{clinician_a.email}</td>" in html


def test_the_care_team_page_names_a_closed_patient_with_its_id_not_its_placeholder_address(
    admin_client_, admin_user, clinician_a, patient_a
):
    closed = _closed_patient_asked_by(clinician_a, admin_user)
    CareTeamRequest.objects.create(patient=patient_a, clinician=ClinicianFactory())

    html = admin_client_.get(reverse("manage:care_team")).content.decode()

    assert "closed.invalid" not in html
    assert f'Closed account <span class="small muted">#{closed.pk}</span>' in html
    assert f"asked to join Closed account #{closed.pk}'s care team" in html
    assert f'<span class="small muted">{patient_a.user.email}</span>' in html
    assert f"asked to join {patient_a.user.email}'s care team" in html


def test_the_care_teams_waiting_requests_name_closed_accounts_without_a_query_per_account(
    admin_client_, admin_user, clinician_a, django_assert_max_num_queries
):
    url = reverse("manage:care_team")

    def add(count):
        for _ in range(count):
            clinician = ClinicianFactory(display_name="")
            _closed_patient_asked_by(clinician, admin_user)
            closure.close_account(clinician, by=admin_user, request=None)

    add(1)
    few = _count(admin_client_, url)
    add(5)
    admin_client_.get(url)

    with django_assert_max_num_queries(few):
        html = admin_client_.get(url).content.decode()

    assert html.count("Closed account asked to join Closed account #") == 6
