"""The admin's People page: its search and role filter take any query string without a 500."""

import pytest
from django.urls import reverse

from ldn_journal.accounts import views
from tests.factories import PatientFactory


def test_the_search_finds_by_name_or_email_and_the_role_filter_narrows(
    admin_client_, clinician_a, patient_a
):
    url = reverse("manage:people")
    found = admin_client_.get(url, {"q": clinician_a.email})
    assert found.status_code == 200
    assert clinician_a.email in found.text
    assert patient_a.user.email not in found.text
    patients = admin_client_.get(url, {"role": "patient"})
    assert patient_a.user.email in patients.text
    assert clinician_a.email not in patients.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        # A NUL character reached PostgreSQL and was a 500.
        ({"q": "a\x00b"}, "Null characters are not allowed."),
        ({"q": "x" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"role": "superuser"}, "Select a valid choice. superuser is not one of the"),
    ],
)
def test_a_filter_that_cannot_be_used_is_dropped_with_its_message(
    admin_client_, clinician_a, patient_a, params, message
):
    page = admin_client_.get(reverse("manage:people"), params)
    assert page.status_code == 200
    assert message in page.text
    # Everyone is listed: the filter that could not be used is not applied.
    assert clinician_a.email in page.text
    assert patient_a.user.email in page.text


def test_the_next_page_link_keeps_the_search_and_role(
    admin_client_, clinician_a, patient_a, monkeypatch
):
    # Page 2 of a filtered list was page 2 of everyone (found by exploratory QA).
    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 1)
    PatientFactory(user__email="second.patient@example.org")

    page = admin_client_.get(reverse("manage:people"), {"q": "example.org", "role": "patient"})

    assert page.context["page"].paginator.num_pages == 2
    assert "?q=example.org&amp;role=patient&amp;page=2" in page.text
