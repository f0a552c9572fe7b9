"""A closed clinician never comes back: it can take no patient, cover nobody, join no care
team. The transfer form offered it as the clinician to receive the patients, by its
placeholder address ("closed-7@closed.invalid"), and the coverage form as covering or away
(found in review). It is offered by no clinician picker, and refused when posted anyway."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldn_journal.accounts import closure
from ldn_journal.accounts.models import AccessLog
from patients.models import CareTeamMembership, Coverage, UrgentReport
from tests.factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db

TRANSFER_URL = reverse("manage:care_team_transfer")


@pytest.fixture
def closed_clinician(admin_user):
    clinician = ClinicianFactory(display_name="Dr Gone")
    closure.close_account(clinician, by=admin_user, request=None)
    clinician.refresh_from_db()
    return clinician


def _options(html, name):
    """The <select name=``name``> of ``html``, up to its end."""
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)]


@pytest.mark.parametrize(
    ("url", "pickers"),
    [
        (TRANSFER_URL, ["target"]),
        (reverse("manage:coverage_new"), ["covering", "covered"]),
        (reverse("manage:care_team"), ["clinician"]),
    ],
)
def test_no_clinician_picker_offers_a_closed_clinician(
    admin_client_, clinician_a, closed_clinician, url, pickers
):
    html = admin_client_.get(url).content.decode()

    assert closed_clinician.email not in html
    for name in pickers:
        select = _options(html, name)
        assert f'value="{clinician_a.pk}"' in select
        assert f'value="{closed_clinician.pk}"' not in select


def test_the_transfer_form_names_a_closed_clinician_it_moves_patients_from_closed_account(
    admin_client_, closed_clinician
):
    html = admin_client_.get(TRANSFER_URL).content.decode()

    source = _options(html, "source")
    assert f'value="{closed_clinician.pk}">Closed account</option>' in source
    assert closed_clinician.email not in html


def test_a_transfer_to_a_closed_clinician_posted_anyway_is_refused_and_moves_nobody(
    admin_client_, clinician_a, patient_a, closed_clinician
):
    response = admin_client_.post(
        TRANSFER_URL,
        {"source": clinician_a.pk, "target": closed_clinician.pk, "note": "Handover"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert set(
        CareTeamMembership.objects.filter(patient=patient_a).values_list("clinician", flat=True)
    ) == {clinician_a.pk}
    assert not AccessLog.objects.filter(action="care_team.transfer").exists()


def test_a_coverage_by_a_closed_clinician_posted_anyway_is_refused_and_stores_nothing(
    admin_client_, clinician_a, closed_clinician
):
    response = admin_client_.post(
        reverse("manage:coverage_new"),
        {
            "covering": closed_clinician.pk,
            "covered": clinician_a.pk,
            "first_day": "2030-03-02",
            "last_day": "2030-03-03",
            "reason": "Annual leave",
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Coverage.objects.exists()


def test_the_transfer_form_makes_no_query_per_closed_clinician(
    admin_client_, admin_user, django_assert_max_num_queries
):
    def close_one():
        clinician = ClinicianFactory(display_name="")
        PatientFactory(clinicians=[clinician, ClinicianFactory()])
        closure.close_account(clinician, by=admin_user, request=None)

    close_one()
    admin_client_.get(TRANSFER_URL)
    with CaptureQueriesContext(connection) as few:
        admin_client_.get(TRANSFER_URL)
    for _ in range(5):
        close_one()

    with django_assert_max_num_queries(len(few)):
        html = admin_client_.get(TRANSFER_URL).content.decode()
    assert html.count(">Closed account</option>") == 6


def test_assigning_a_closed_clinician_to_an_urgent_report_is_refused_as_closed_not_deactivated(
    admin_client_, patient_a, closed_clinician
):
    report = UrgentReport.objects.create(patient=patient_a, severity="severe")

    response = admin_client_.post(
        reverse("manage:urgent_assign", args=[report.pk]), {"clinician": closed_clinician.pk}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "a closed account never joins a care team again" in html
    assert "reactivate" not in html
    assert not CareTeamMembership.objects.filter(clinician=closed_clinician).exists()
