"""Signing out takes this phone's push device off the account.

A shared phone: patient A switched on reminders here and signed out; the subscription stayed
registered to A, so whoever used the phone next got A's reminders on the lock screen (health
data). Signing out now removes the device made in that sign-in (the subscription records it,
as a keyed hash of the session key) and the one whose endpoint the sign-out form names (the
page's script reads it from the browser); nobody else's device and none of A's other devices.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from patients.models import PushSubscription
from tests.factories import PASSWORD
from tests.patients.push_support import subscription_json

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/journal/reminders/push/"
SIGN_OUT = "/accounts/logout/"
PHONE = "https://fcm.googleapis.com/fcm/send/shared-phone"
LAPTOP = "https://fcm.googleapis.com/fcm/send/a-laptop"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def subscribe(client, endpoint):
    response = client.post(SUBSCRIBE, subscription_json(endpoint), content_type="application/json")
    assert response.status_code == 201


def endpoints(user):
    return set(PushSubscription.objects.filter(user=user).values_list("endpoint", flat=True))


def test_signing_out_removes_the_device_subscribed_in_that_sign_in(patient_a):
    phone, laptop = signed_in(patient_a.user), signed_in(patient_a.user)
    subscribe(phone, PHONE)
    subscribe(laptop, LAPTOP)

    response = phone.post(SIGN_OUT)  # no endpoint in the form: the page's script did not run

    assert response.status_code == 302
    assert endpoints(patient_a.user) == {LAPTOP}


def test_signing_out_removes_the_device_the_form_names_from_an_earlier_sign_in(patient_a):
    earlier = signed_in(patient_a.user)
    subscribe(earlier, PHONE)
    subscribe(signed_in(patient_a.user), LAPTOP)
    now = signed_in(patient_a.user)  # the earlier session expired; signed in again

    now.post(SIGN_OUT, {"push_endpoint": PHONE})

    assert endpoints(patient_a.user) == {LAPTOP}


def test_signing_out_never_removes_another_accounts_device(patient_a, patient_b):
    subscribe(signed_in(patient_b.user), PHONE)
    a = signed_in(patient_a.user)
    subscribe(a, LAPTOP)

    a.post(SIGN_OUT, {"push_endpoint": PHONE})

    assert endpoints(patient_a.user) == set()
    assert endpoints(patient_b.user) == {PHONE}


def test_the_sign_out_says_this_device_no_longer_gets_reminders(patient_a):
    phone = signed_in(patient_a.user)
    subscribe(phone, PHONE)

    page = phone.post(SIGN_OUT, follow=True).content.decode()

    assert "This device will no longer get your reminders." in page


def test_the_device_keeps_a_hash_of_the_sign_in_not_the_session_key(patient_a):
    phone = signed_in(patient_a.user)
    subscribe(phone, PHONE)
    key = phone.cookies[settings.SESSION_COOKIE_NAME].value

    device = PushSubscription.objects.get(user=patient_a.user)

    assert device.session_mark
    assert key not in device.session_mark


def test_the_sign_out_after_a_password_change_keeps_the_device(patient_a):
    """Changing the password signs the session out (ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE), but
    the patient is still at their phone and chose no sign-out: its reminders stay."""
    phone = signed_in(patient_a.user)
    subscribe(phone, PHONE)
    new = "a-new-Passphrase-2026"

    phone.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )

    patient_a.user.refresh_from_db()
    assert patient_a.user.check_password(new)
    assert "_auth_user_id" not in phone.session  # signed out by the change
    assert endpoints(patient_a.user) == {PHONE}


def signed_in_through_the_form(user):
    """Signed in as a person does (the list of signed-in devices records only these)."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_signing_a_phone_out_from_the_list_of_signed_in_devices_removes_its_device(patient_a):
    phone = signed_in_through_the_form(patient_a.user)
    laptop = signed_in_through_the_form(patient_a.user)
    subscribe(phone, PHONE)
    subscribe(laptop, LAPTOP)

    laptop.post(reverse("usersessions_list"))  # "Sign out of all other sessions"

    assert phone.get(reverse("journal:home")).status_code == 302  # the phone is signed out
    assert endpoints(patient_a.user) == {LAPTOP}
