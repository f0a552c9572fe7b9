"""Exploratory QA: the messages said on signing out were in the leaving user's language on a
sign-in page in the browser's. A German user on an English browser read "Sie haben sich
abgemeldet." on the English sign-in page, a Spanish clinician signed out when idle read why
in Spanish there, and a password change (which signs out) said "Password successfully
changed" in the user's language. Nobody is signed in on that page: the browser's language."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

ENGLISH = "en-GB,en;q=0.9"


def with_language(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def signed_in_on(accept_language, user):
    client = Client(HTTP_ACCEPT_LANGUAGE=accept_language)
    client.force_login(user)
    return client


def page_language_and_messages(response):
    page = response.content.decode()
    language = re.search(r'<html lang="([^"]+)"', page).group(1)
    said = re.findall(r'class="message[^"]*">(.*?)</p>', page, re.S)
    return language, [html.unescape(message.strip()) for message in said]


def test_signing_out_says_so_in_the_sign_in_pages_language_not_the_users(patient_a):
    client = signed_in_on(ENGLISH, with_language(patient_a.user, "de"))

    response = client.post(reverse("account_logout"), follow=True)

    assert page_language_and_messages(response) == ("en-gb", ["You have signed out."])


def test_signing_out_on_a_german_browser_says_so_in_german(patient_a):
    client = signed_in_on("de-DE", with_language(patient_a.user, "es"))

    response = client.post(reverse("account_logout"), follow=True)

    assert page_language_and_messages(response) == ("de", ["Sie haben sich abgemeldet."])


def test_a_staff_member_signed_out_when_idle_is_told_why_in_the_sign_in_pages_language(
    clinician_a,
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = Client(HTTP_ACCEPT_LANGUAGE=ENGLISH)
        with_language(clinician_a, "es")
        # Without "remember me": the session row outlives the idle time, to say why.
        client.post(reverse("account_login"), {"login": clinician_a.email, "password": PASSWORD})
        client.get("/clinic/")
        clock.shift(timedelta(minutes=45))

        response = client.get("/clinic/", follow=True)

    language, said = page_language_and_messages(response)
    assert language == "en-gb"
    assert said == [
        "For your patients' safety you were signed out after 30 minutes without activity. "
        "Sign in again."
    ]


def test_a_password_change_that_signs_out_says_so_in_the_sign_in_pages_language(patient_a):
    client = signed_in_on(ENGLISH, with_language(patient_a.user, "de"))
    mark_reauthenticated(client, patient_a.user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-pass-2026!", "password2": "a-new-pass-2026!"},
        follow=True,
    )

    language, said = page_language_and_messages(response)
    assert language == "en-gb"
    assert "Password successfully changed." in said
    assert not [message for message in said if "Passwort" in message or "abgemeldet" in message]


def test_signing_in_still_greets_the_user_in_their_own_language(patient_a):
    client = Client(HTTP_ACCEPT_LANGUAGE=ENGLISH)
    with_language(patient_a.user, "de")

    response = client.post(
        reverse("account_login"),
        {"login": patient_a.user.email, "password": PASSWORD},
        follow=True,
    )

    language, said = page_language_and_messages(response)
    assert language == "de"
    assert any(message.startswith("Erfolgreich als") for message in said)
