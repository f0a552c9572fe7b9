"""The admin's access-log CSV is an export (patients' names, staff emails, addresses): it asks
for the password again, as the patients' exports do, and the download is itself logged.

It was handed to any signed-in admin session, however old the password, and left no row."""

import re

import pytest
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients.clinic import access_log
from tests import figures
from tests.factories import PASSWORD
from tests.security.hardening_support import REAUTH, sign_in

URL = reverse("manage:access_log")


@pytest.fixture
def a_read(clinician_a, patient_a):
    return AccessLog.objects.create(
        action="patient.view", actor=clinician_a, actor_role=clinician_a.role, patient=patient_a
    )


def test_the_access_log_csv_asks_the_admin_for_the_password_again(admin_user, a_read):
    client, _ = sign_in(admin_user.email)
    before = AccessLog.objects.filter(action="access_log.export").count()

    response = client.get(URL, {"format": "csv"})

    assert response.status_code == 302
    assert response["Location"].startswith(REAUTH)
    assert b"patient.view" not in response.content
    assert AccessLog.objects.filter(action="access_log.export").count() == before
    figures.add("hardening", "re-authentication checks")


def test_the_access_log_page_itself_asks_for_no_password(admin_user, a_read):
    client, _ = sign_in(admin_user.email)
    assert client.get(URL).status_code == 200


def test_after_re_authenticating_the_admin_downloads_the_csv_and_it_is_logged(admin_user, a_read):
    client, _ = sign_in(admin_user.email)
    prompt = client.get(URL, {"format": "csv", "action": "patient.view"})
    client.post(prompt["Location"], {"password": PASSWORD})

    response = client.get(URL, {"format": "csv", "action": "patient.view"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "patient.view" in response.content.decode("utf-8-sig")
    row = AccessLog.objects.get(action="access_log.export")
    assert (row.actor, row.patient) == (admin_user, None)
    assert row.detail["rows"] == 1
    assert row.detail["action"] == "patient.view"


def test_more_rows_than_one_csv_holds_makes_no_file_and_says_to_narrow_the_filters(
    admin_user, clinician_a, patient_a, monkeypatch
):
    """The CSV stopped at 50,000 rows without a word: the admin took it for the whole log."""
    monkeypatch.setattr(access_log, "CSV_LIMIT", 2)
    for _ in range(3):
        AccessLog.objects.create(
            action="patient.view", actor=clinician_a, actor_role=clinician_a.role, patient=patient_a
        )
    client, _ = sign_in(admin_user.email)
    prompt = client.get(URL, {"format": "csv"})
    client.post(prompt["Location"], {"password": PASSWORD})

    response = client.get(URL, {"format": "csv"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "More than 2 entries match these filters" in response.content.decode()
    assert not AccessLog.objects.filter(action="access_log.export").exists()

    AccessLog.objects.filter(pk=AccessLog.objects.filter(action="patient.view").first().pk).delete()
    exactly = client.get(URL, {"format": "csv", "action": "patient.view"})
    assert exactly["Content-Type"].startswith("text/csv")
    assert exactly.content.decode("utf-8-sig").count("patient.view") == 2


def test_a_refused_export_pages_on_through_the_log_not_to_the_download_again(
    admin_user, clinician_a, patient_a, monkeypatch
):
    """Its "Next" link carried format=csv: the next page was the same refused download."""
    monkeypatch.setattr(access_log, "CSV_LIMIT", 2)
    monkeypatch.setattr(access_log, "PAGE_SIZE", 2)
    for _ in range(3):
        AccessLog.objects.create(
            action="patient.view", actor=clinician_a, actor_role=clinician_a.role, patient=patient_a
        )
    client, _ = sign_in(admin_user.email)
    prompt = client.get(URL, {"format": "csv", "action": "patient.view"})
    client.post(prompt["Location"], {"password": PASSWORD})

    refused = client.get(URL, {"format": "csv", "action": "patient.view"})

    assert refused.status_code == 400
    assert refused.context["page"].has_next()
    links = re.findall(r'href="([^"]*page=2[^"]*)"', refused.content.decode())
    assert links == ["?action=patient.view&amp;page=2"]
    following = client.get(URL, {"action": "patient.view", "page": "2"})
    assert following.status_code == 200
    assert following["Content-Type"].startswith("text/html")
