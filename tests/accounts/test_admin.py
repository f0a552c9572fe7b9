"""Point 9: the Django admin is for admins only, and its login goes through allauth."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from ldn_journal.accounts import invitations
from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import AccessLog, Role, User


def test_anonymous_admin_visitors_are_sent_to_the_allauth_login(client, db):
    response = client.get("/admin/", follow=True)
    login_url = reverse("account_login")
    assert response.redirect_chain[-1][0].startswith(login_url)
    assert "next=/admin/" in response.redirect_chain[-1][0].replace("%2F", "/")


def test_the_admin_login_form_itself_is_never_shown(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admins_reach_the_django_admin(admin_client_):
    assert admin_client_.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/invitation/",
        "/admin/accounts/accesslog/",
        "/admin/patients/patient/",
    ],
)
def test_admins_see_users_profiles_care_teams_invitations_and_the_access_log(
    admin_client_, patient_a, url
):
    assert admin_client_.get(url).status_code == 200


def test_a_patients_care_team_is_edited_on_their_admin_page(admin_client_, patient_a):
    page = admin_client_.get(f"/admin/patients/patient/{patient_a.pk}/change/").content.decode()
    assert "memberships-TOTAL_FORMS" in page
    assert "Dr A" in page


@pytest.mark.parametrize("who", ["clinician_a", "patient_a"])
@pytest.mark.parametrize("url", ["/admin/", "/admin/login/", "/admin/accounts/user/"])
def test_clinicians_and_patients_get_404_in_the_django_admin(request, who, url):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    client = Client()
    client.force_login(user)
    assert client.get(url).status_code == 404


def test_the_access_log_is_read_only_in_the_admin(admin_client_, admin_user, patient_a):
    entry = record_access(None, "viewed_patient", patient=patient_a, actor=admin_user)
    assert admin_client_.get("/admin/accounts/accesslog/add/").status_code == 403
    change = admin_client_.get(f"/admin/accounts/accesslog/{entry.pk}/change/")
    assert change.status_code == 200
    assert 'name="action"' not in change.content.decode()  # shown, not editable
    delete = admin_client_.post(f"/admin/accounts/accesslog/{entry.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk).exists()


def test_the_admin_login_has_the_same_rate_limit_as_the_site(client, admin_user):
    for _ in range(5):
        client.post(
            reverse("account_login") + "?next=/admin/",
            {"login": admin_user.email, "password": "wrong-password"},
        )
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": admin_user.email, "password": "wrong-password"},
    )
    assert "Too many failed login attempts" in response.content.decode()


def test_deactivating_in_the_django_admin_ends_sessions_like_the_people_page(
    admin_client_, patient_a
):

    phone = Client()
    phone.force_login(patient_a.user)

    UserSession.objects.create(
        user=patient_a.user, session_key=phone.session.session_key, ip="127.0.0.1"
    )
    user = patient_a.user
    response = admin_client_.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert not user.is_active
    assert user.deactivated_at is not None
    assert not Session.objects.filter(session_key=phone.session.session_key).exists()
    assert AccessLog.objects.filter(action="account_deactivated", object_id=str(user.pk)).exists()


# --- Accounts are made, given roles and closed by the app's own pages, not here ---------


def test_the_django_admin_cannot_add_a_user_with_a_password(admin_client_):
    # It offered an add form with a role and a password of the admin's choosing: an account
    # with no invitation, no second factor set up and nothing in the access log.
    assert admin_client_.get("/admin/accounts/user/add/").status_code == 403
    response = admin_client_.post(
        "/admin/accounts/user/add/",
        {
            "email": "made.up@example.org",
            "role": "admin",
            "password1": "a-long-new-password-2026",
            "password2": "a-long-new-password-2026",
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="made.up@example.org").exists()
    changelist = admin_client_.get("/admin/accounts/user/").content.decode()
    assert "/admin/accounts/user/add/" not in changelist


def test_a_users_role_is_shown_but_cannot_be_changed_in_the_django_admin(admin_client_, patient_a):
    user = patient_a.user
    page = admin_client_.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="role"' not in page
    response = admin_client_.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "display_name": user.display_name,
            "role": "admin",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.is_staff) == ("patient", False)


def test_the_django_admin_cannot_delete_a_user(admin_client_, clinician_a):
    url = f"/admin/accounts/user/{clinician_a.pk}/delete/"
    assert admin_client_.get(url).status_code == 403
    assert admin_client_.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=clinician_a.pk).exists()


def test_the_django_admins_invitation_list_shows_each_state_in_words(admin_client_, clinician_a):
    invitations.invite(clinician_a, "new.patient@example.org", Role.PATIENT)
    clinician_a.is_active = False
    clinician_a.save(update_fields=["is_active"])

    page = admin_client_.get("/admin/accounts/invitation/").content.decode()

    assert "Clinician left — cannot be accepted" in page
    assert "clinician_left" not in page
