"""The authentication backends: Django's and allauth's, reading the signed-in user with their
patient profile in one query (ldn_journal.accounts.backends)."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, authenticate
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldn_journal.accounts.backends import ModelBackend
from ldn_journal.accounts.models import Role, User
from patients.journal.entries import own_profile
from patients.models import NOT_READ, Patient, own_profile_read_with
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
OLD_PATHS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]


def test_a_sign_in_is_stamped_with_the_backend_that_reads_the_profile(client, patient_a):
    response = client.post(
        reverse("account_login"), {"login": patient_a.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY].startswith("ldn_journal.accounts.backends.")


@pytest.mark.parametrize("path", OLD_PATHS)
def test_a_session_signed_before_the_change_stays_signed_in(client, patient_a, path):
    # A session names the backend that signed it in; sessions from before these backends
    # name Django's or allauth's, which stay listed after them.
    assert path in settings.AUTHENTICATION_BACKENDS
    client.force_login(patient_a.user, backend=path)
    assert client.get(HOME).status_code == 200


def test_the_patient_profile_comes_with_the_user_in_one_query(client, patient_a):
    client.force_login(patient_a.user)
    client.get(HOME)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    profile_reads = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and '"patients_patient"' in q["sql"].split(" WHERE ")[0]
    ]
    assert len(profile_reads) == 1, profile_reads
    assert 'FROM "accounts_user" LEFT OUTER JOIN "patients_patient"' in profile_reads[0]


def test_an_account_deactivated_since_signing_in_is_no_one(client, patient_a):
    client.force_login(patient_a.user)
    User.objects.filter(pk=patient_a.user.pk).update(is_active=False)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_clinician_without_a_profile_reads_as_a_clinician(client, clinician_a):
    client.force_login(clinician_a)
    # A clinician has no journal: not found (a patient page is not theirs to see), not an
    # error about a missing profile.
    assert client.get(HOME).status_code == 404


def _user_as_a_request_reads_it(user):
    return ModelBackend().get_user(user.pk)


def test_the_profile_read_with_the_user_is_the_access_gates_answer(
    patient_a, clinician_a, admin_user
):
    # own_profile_read_with answers for the gate without a query: for every kind of user it
    # agrees with Patient.objects.visible_to (or says it was not read, and the gate is asked).
    without_profile = UserFactory(email="no.profile@example.org", role=Role.PATIENT)
    for user in (patient_a.user, without_profile, clinician_a, admin_user):
        user = _user_as_a_request_reads_it(user)
        answer = own_profile_read_with(user)
        if user.role == Role.PATIENT:
            assert answer is not NOT_READ
            assert answer == Patient.objects.visible_to(user).first()
        else:
            assert answer is NOT_READ
    assert own_profile_read_with(AnonymousUser()) is NOT_READ


def test_own_profile_is_nobody_elses(patient_a, clinician_a):
    # A clinician who sees one patient has no profile of their own: the patient they see is
    # not returned as theirs (it was, with its user set to the clinician's account, and a
    # save would have moved the profile to it).
    user = _user_as_a_request_reads_it(clinician_a)
    assert own_profile(user) is None
    patient_a.refresh_from_db()
    assert patient_a.user.email == "patient.a@example.org"
    own = own_profile(_user_as_a_request_reads_it(patient_a.user))
    assert own.pk == patient_a.pk
    assert own.user_id == patient_a.user_id


def test_a_wrong_password_is_checked_twice_at_most(patient_a, monkeypatch):
    # Django's and allauth's backends stay listed (for old sessions) but never check a
    # password these two refused: each check is a deliberately slow hash.
    checks = []
    original = User.check_password

    def counted(self, raw):
        checks.append(raw)
        return original(self, raw)

    monkeypatch.setattr(User, "check_password", counted)
    request = RequestFactory().post(reverse("account_login"))
    assert authenticate(request, email=patient_a.user.email, password="wrong") is None
    assert authenticate(request, username=patient_a.user.email, password="wrong") is None
    assert len(checks) <= 4  # two calls above, at most two checks each
    assert authenticate(request, email=patient_a.user.email, password=PASSWORD) is not None
