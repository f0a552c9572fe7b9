"""Point 8: `/` sends each role to its own area; any other role opening an area gets 404."""

import pytest
from django.urls import reverse

from patients.models import CareTeamMembership, Patient

AREAS = ["/journal/", "/clinic/", "/manage/", "/admin/"]
OWN_AREA = {"patient": "/journal/", "clinician": "/clinic/", "admin": "/manage/"}


@pytest.fixture
def signed_in(client, patient_a, clinician_a, admin_user):
    users = {"patient": patient_a.user, "clinician": clinician_a, "admin": admin_user}

    def as_role(role):
        client.force_login(users[role])
        return client

    return as_role


def test_anonymous_home_sends_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


@pytest.mark.parametrize("role", ["patient", "clinician", "admin"])
def test_home_sends_each_role_to_its_own_area(signed_in, role):
    response = signed_in(role).get("/")
    assert response.status_code == 302
    assert response["Location"] == OWN_AREA[role]
    assert signed_in(role).get(OWN_AREA[role]).status_code == 200


@pytest.mark.parametrize(
    ("role", "area"),
    [
        (role, area)
        for role in ("patient", "clinician", "admin")
        for area in AREAS
        if area != OWN_AREA[role] and not (role == "admin" and area == "/admin/")
    ],
)
def test_another_roles_area_answers_404(signed_in, role, area):
    assert signed_in(role).get(area).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/clinic/invite/", "/clinic/invitations/", "/manage/invite/", "/manage/invitations/"],
)
def test_a_patient_opening_any_staff_url_gets_404(signed_in, url):
    assert signed_in("patient").get(url).status_code == 404


def test_a_patient_opening_a_django_admin_page_gets_404_without_a_redirect(signed_in):
    assert signed_in("patient").get("/admin/accounts/user/").status_code == 404


@pytest.mark.parametrize("area", ["/journal/", "/clinic/", "/manage/"])
def test_anonymous_visitors_are_asked_to_sign_in_for_every_area(client, area):
    response = client.get(area)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# The clinician's landing page is the dashboard, whose own budget (constant in the number
# of patients) is tested with the dashboard; the foundation's share is 2 (session, user).
# The patient's tonight card reads the urgent pause (one query); staff navigation counts the
# open urgent reports they should act on (one query). Since issue 18/19 the clinician's list
# reads its page through the care-team index after checking whether they reach anyone beyond
# their teams (covering, emergency grant), and the banner reads their active grants (in the
# navigation's query since issue 19): 10, the dashboard's own budget
# (tests/patients/test_dashboard.py).
LANDING_BUDGET = {"patient": 7, "clinician": 10, "admin": 7}


@pytest.mark.parametrize("role", ["patient", "clinician", "admin"])
def test_home_stays_within_six_queries_for_every_role(
    signed_in, role, django_assert_max_num_queries
):
    client = signed_in(role)
    client.get(OWN_AREA[role])  # the first request settles the session bookkeeping
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", ["patient", "clinician", "admin"])
def test_each_roles_landing_page_stays_within_its_query_budget(
    signed_in, role, django_assert_max_num_queries
):
    client = signed_in(role)
    client.get(OWN_AREA[role])
    with django_assert_max_num_queries(LANDING_BUDGET[role]):
        assert client.get(OWN_AREA[role]).status_code == 200


def test_the_redirect_from_home_costs_only_the_session_and_the_user(
    signed_in, django_assert_num_queries
):
    client = signed_in("clinician")
    client.get("/clinic/")
    with django_assert_num_queries(2):
        client.get("/")


def test_clinician_list_shows_only_their_care_team(signed_in, patient_a, patient_b):
    page = signed_in("clinician").get("/clinic/").content.decode()
    assert "Patient A" in page
    assert "Patient B" not in page


def test_the_access_gate_gives_each_role_what_it_may_see(
    patient_a, patient_b, clinician_a, admin_user, inactive_user
):
    assert list(Patient.objects.visible_to(patient_a.user)) == [patient_a]
    assert list(Patient.objects.visible_to(clinician_a)) == [patient_a]
    assert set(Patient.objects.visible_to(admin_user)) == {patient_a, patient_b}
    assert not Patient.objects.visible_to(inactive_user).exists()


def test_a_clinician_on_two_teams_sees_both_patients(patient_a, patient_b, clinician_a):

    CareTeamMembership.objects.create(patient=patient_b, clinician=clinician_a)
    assert set(Patient.objects.visible_to(clinician_a)) == {patient_a, patient_b}
    assert Patient.objects.visible_to(clinician_a).count() == 2  # no duplicates from the join


def test_admin_people_list_offers_invite_and_deactivate(signed_in, patient_a):
    page = signed_in("admin").get("/manage/").content.decode()
    assert reverse("manage:invite") in page
    assert reverse("manage:set_active", args=[patient_a.user.pk]) in page
    assert "Deactivate" in page
