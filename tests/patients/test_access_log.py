"""The access log in use: one row per staff read; admins see all; patients see who looked."""

import csv
import io

import pytest
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "args", "action"),
    [
        ("clinic:patient", [], "patient.view"),
        ("clinic:report", [], "report.view"),
        ("clinic:export", ["csv"], "export.csv"),
        ("clinic:export", ["fhir"], "export.fhir"),
    ],
)
def test_every_clinician_read_of_a_patient_writes_exactly_one_row(
    clinician_client, clinician_a, patient_a, name, args, action
):
    response = clinician_client.get(reverse(name, args=[patient_a.pk, *args]))
    assert response.status_code == 200
    rows = AccessLog.objects.filter(patient=patient_a)
    assert [(r.action, r.actor, r.actor_role) for r in rows] == [(action, clinician_a, "clinician")]


def test_the_admin_sees_the_whole_log_filters_it_and_downloads_it(
    client, clinician_a, admin_user, patient_a, patient_b
):
    client.force_login(clinician_a)
    client.get(reverse("clinic:patient", args=[patient_a.pk]))
    client.force_login(admin_user)
    mark_reauthenticated(client, admin_user)  # the CSV asks for the password again
    admin_client_ = client
    url = reverse("manage:access_log")
    response = admin_client_.get(url)
    assert response.status_code == 200
    assert "patient.view" in response.text
    assert len(admin_client_.get(url, {"patient": "patient.b"}).context["page"]) == 0
    assert len(admin_client_.get(url, {"user": "clinician.a"}).context["page"]) >= 1
    download = admin_client_.get(url, {"format": "csv", "patient": "Patient A"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][0] == "at"
    assert rows[1][5] == "patient.view"


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-13-45"},
        {"start": "2026-03-10", "end": "2026-03-01"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "999999"},
    ],
)
def test_bad_admin_filters_answer_with_a_page_not_an_error(admin_client_, params):
    assert admin_client_.get(reverse("manage:access_log"), params).status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        {"start": "2026-12-05", "end": "2026-12-01"},
        {"start": "2026-13-45"},
        {"action": "no.such.action"},
    ],
)
def test_a_filter_that_is_not_valid_is_never_exported(
    client, clinician_a, admin_user, patient_a, patient_b, bad
):
    """It downloaded as CSV every row of every patient (exploratory testing): an admin asking
    for one patient got the whole clinic's log. The page says what is wrong (and filters
    nothing, tests/accounts/manage/test_audit_viewer.py); the CSV is not sent."""
    for patient in (patient_a, patient_b):
        client.force_login(clinician_a)
        client.get(reverse("clinic:patient", args=[patient.pk]))
    client.force_login(admin_user)
    mark_reauthenticated(client, admin_user)
    url = reverse("manage:access_log")
    page = client.get(url, {"patient": "Patient A", **bad})
    assert page.status_code == 200
    assert page.context["form"].errors
    download = client.get(url, {"format": "csv", "patient": "Patient A", **bad})
    assert download.status_code == 400  # refused, with the page saying why
    assert download.context["form"].errors
    assert "text/html" in download["Content-Type"]
    assert "Content-Disposition" not in download
    assert not AccessLog.objects.filter(action="access_log.export").exists()
    # The same filter, valid, still exports the one patient's rows.
    good = client.get(url, {"format": "csv", "patient": "Patient A"})
    rows = list(csv.reader(io.StringIO(good.content.decode("utf-8-sig"))))[1:]
    assert rows
    assert {row[4] for row in rows} == {"Patient A"}


def test_only_admins_reach_the_whole_log(clinician_client, patient_client):
    assert clinician_client.get(reverse("manage:access_log")).status_code == 404


def test_a_patient_sees_who_viewed_their_data_and_nobody_elses(
    client, clinician_client, patient_a, patient_b
):
    clinician_client.get(reverse("clinic:patient", args=[patient_a.pk]))
    client.force_login(patient_a.user)
    response = client.get(reverse("journal:access_log"))
    assert response.status_code == 200
    assert "Dr A" in response.text
    assert "Opened your journal" in response.text
    client.force_login(patient_b.user)
    assert "Dr A" not in client.get(reverse("journal:access_log")).text


def test_a_patient_exports_their_own_data(patient_client, patient_a):
    response = patient_client.get(reverse("journal:export_format", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert patient_client.get(reverse("journal:export")).status_code == 200
    assert patient_client.get("/journal/export/xml/").status_code == 404


def test_a_clinician_of_another_team_leaves_no_row_that_reveals_the_patient(
    clinician_client, patient_b
):
    for name, args in [("clinic:patient", []), ("clinic:export", ["csv"])]:
        assert clinician_client.get(reverse(name, args=[patient_b.pk, *args])).status_code == 404
    assert not AccessLog.objects.filter(patient=patient_b).exists()
    assert not AccessLog.objects.filter(object_id=str(patient_b.pk)).exists()
