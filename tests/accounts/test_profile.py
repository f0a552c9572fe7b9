"""Points 3, 6, 7: one role per user, the patient profile, and the access log."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import RequestFactory
from django.urls import reverse

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import AccessLog, Role, User
from patients.models import Patient
from tests.accounts.conftest import sign_in
from tests.factories import UserFactory


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "europe/london ", "GMT+25", "", "x" * 70])
def test_an_unknown_time_zone_name_is_refused_by_patient_validation(zone):
    patient = Patient(user=User(email="tz@example.org"), time_zone=zone)
    with pytest.raises(ValidationError) as error:
        patient.full_clean(exclude=["user"])
    assert "time_zone" in error.value.message_dict


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Lord_Howe"])
def test_iana_time_zone_names_are_accepted(zone):
    Patient(user=User(email="tz@example.org"), time_zone=zone).full_clean(exclude=["user"])


def test_a_new_patient_gets_the_default_time_zone(settings, db):
    patient = Patient.objects.create(user=UserFactory())
    assert patient.time_zone == settings.LDN_DEFAULT_PATIENT_TIME_ZONE
    assert patient.tz.key == settings.LDN_DEFAULT_PATIENT_TIME_ZONE


def test_email_is_the_login_and_is_unique_whatever_its_case(db):
    User.objects.create_user("Someone@Example.org", "pw-0123456789")
    assert User.objects.get().email == "someone@example.org"
    with pytest.raises(IntegrityError):
        User.objects.create_user("SOMEONE@example.org", "pw-0123456789")


def test_a_user_has_exactly_one_valid_role(db):
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(role=Role.CLINICIAN)
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=user.pk).update(role="superhero")


def test_only_admins_are_django_staff(db):
    assert UserFactory(role=Role.ADMIN).is_staff
    assert not UserFactory(role=Role.CLINICIAN).is_staff
    assert not UserFactory(role=Role.PATIENT).is_superuser


def test_the_access_log_records_who_which_patient_what_when_request_and_ip(clinician_a, patient_a):
    request = RequestFactory().get("/clinic/", REMOTE_ADDR="203.0.113.9")
    request.user = clinician_a
    request.request_id = "a" * 32
    entry = record_access(request, "viewed_patient", patient=patient_a, obj=patient_a)
    entry = AccessLog.objects.get(pk=entry.pk)
    assert entry.actor == clinician_a
    assert entry.actor_role == Role.CLINICIAN
    assert entry.patient == patient_a
    assert entry.action == "viewed_patient"
    assert (entry.object_type, entry.object_id) == ("patient", str(patient_a.pk))
    assert entry.request_id == "a" * 32
    assert entry.ip == "203.0.113.9"
    assert entry.at is not None


def test_signing_in_is_recorded_in_the_access_log(client, patient_a):

    sign_in(client, patient_a.user.email)
    entry = AccessLog.objects.get(action="login")
    assert entry.actor == patient_a.user
    assert len(entry.request_id) == 32


@pytest.mark.parametrize("extra", [0, 1, 200])
def test_an_email_address_longer_than_254_characters_is_refused_not_a_500(
    patient_client, patient_a, extra
):
    """allauth's add-email form has no length limit: 255 characters was a DataError (500)."""
    address = "a" * (254 - len("@example.org") + extra) + "@example.org"
    response = patient_client.post(reverse("account_email"), {"action_add": "", "email": address})
    if extra == 0:
        assert len(address) == 254
        assert response.status_code in (200, 302)
        assert patient_a.user.emailaddress_set.filter(email=address).exists()
    else:
        assert response.status_code == 200
        # 255 characters: our limit; far longer ones may fail Django's own address check.
        assert (
            "Enter an email address of at most 254 characters." in response.text
            or "Enter a valid email address." in response.text
        )
        if extra == 1:
            assert "Enter an email address of at most 254 characters." in response.text
        assert not patient_a.user.emailaddress_set.filter(email=address).exists()
