"""The admins' routing page of an urgent report (manage:urgent_report) named its care team and
the alerts' recipients without reading their closures: one query per closed clinician named
"Closed account" (User.name), and a closed patient's report carried no account badge, where
the clinic's page of the same report does (found in review). Each name is read with its
closure, and the patient's badge is the clinic's (includes/account_state_badge.html)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldn_journal.accounts import closure
from patients.models import CareTeamMembership, ReminderDelivery, UrgentReport
from tests.factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db

MADE_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CLOSED_AT = datetime(2026, 11, 20, 9, 10, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def report(patient_a):
    return UrgentReport.objects.create(patient=patient_a, severity="severe", created_at=MADE_AT)


def _add_closed_clinicians(count, report, admin):
    """``count`` clinicians on the report's care team, each alerted, then closed."""
    for _ in range(count):
        colleague = ClinicianFactory()
        CareTeamMembership.objects.create(patient=report.patient, clinician=colleague)
        ReminderDelivery.objects.create(
            report=report,
            recipient=colleague,
            kind=ReminderDelivery.Kind.URGENT,
            channel=ReminderDelivery.Channel.EMAIL,
            key=f"urgent:{report.pk}:{colleague.pk}",
            due_at=MADE_AT,
        )
        closure.close_account(colleague, by=admin, request=None)


def _get(client, url):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_the_routing_page_names_closed_clinicians_without_a_query_per_account(
    admin_client_, admin_user, report, django_assert_max_num_queries
):
    url = reverse("manage:urgent_report", args=[report.pk])
    _add_closed_clinicians(1, report, admin_user)
    _get(admin_client_, url)  # the session saved, the compiled queries built
    with CaptureQueriesContext(connection) as captured:
        _get(admin_client_, url)
    _add_closed_clinicians(5, report, admin_user)

    with django_assert_max_num_queries(len(captured)):
        html = _get(admin_client_, url).content.decode()

    assert html.count("Closed account") >= 12  # six on the team, six alerted
    assert "closed.invalid" not in html


def test_the_routing_page_badges_a_closed_patients_report_as_the_clinics_page_does(
    admin_client_, admin_user, report, patient_a
):
    with time_machine.travel(CLOSED_AT, tick=False):
        closure.close_account(patient_a.user, by=admin_user, request=None, now=CLOSED_AT)

    html = _get(admin_client_, reverse("manage:urgent_report", args=[report.pk])).content.decode()

    assert "Account closed on 20 Nov 2026 — the record is kept, read-only" in html
    assert "Urgent report: Closed account" in html


def test_the_routing_page_of_an_open_account_carries_no_account_badge(admin_client_, report):
    html = _get(admin_client_, reverse("manage:urgent_report", args=[report.pk])).content.decode()

    assert "Account closed" not in html
    assert "Account deactivated" not in html


def test_the_unassigned_list_names_closed_patients_without_a_query_per_report(
    admin_client_, admin_user, django_assert_max_num_queries
):
    url = reverse("manage:urgent_unassigned")

    def add(count):
        for _ in range(count):
            patient = PatientFactory()  # no clinician: the report is unassigned
            UrgentReport.objects.create(patient=patient, severity="severe", created_at=MADE_AT)
            closure.close_account(patient.user, by=admin_user, request=None)

    add(1)
    _get(admin_client_, url)
    with CaptureQueriesContext(connection) as captured:
        _get(admin_client_, url)
    add(5)

    with django_assert_max_num_queries(len(captured)):
        html = _get(admin_client_, url).content.decode()

    assert html.count("Closed account</a>") == 6
