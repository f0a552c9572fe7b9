"""German account pages and emails say "Sie": allauth's own German says "du", and our
catalog (LOCALE_PATHS, which Django reads before the apps' catalogs) overrides every such
string (found by exploratory QA: "Wir haben Dir eine E-Mail geschickt", "Du erhältst diese
E-Mail")."""

import gettext
import re
from pathlib import Path

import allauth
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

INFORMAL = re.compile(r"\b(Du|du|Dir|dir|Dich|dich|Dein\w*|dein\w*)\b")
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}
ALLAUTH_GERMAN = Path(allauth.__file__).parent / "locale/de/LC_MESSAGES/django.mo"


def informal_words(html):
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    return INFORMAL.findall(text)


def german_page(client, url, **kwargs):
    response = client.get(url, follow=True, **GERMAN, **kwargs)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert '<html lang="de">' in page, url
    return page


def allauth_informal_msgids():
    with ALLAUTH_GERMAN.open("rb") as file:
        catalog = gettext.GNUTranslations(file)._catalog
    return sorted(
        key if isinstance(key, str) else key[0]
        for key, text in catalog.items()
        if key and INFORMAL.search(text)
    )


def test_allauth_says_du_so_this_check_has_something_to_check():
    reset_done = (
        "We have sent you an email. If you have not received it please check your spam "
        "folder. Otherwise contact us if you do not receive it in a few minutes."
    )
    assert reset_done in allauth_informal_msgids()


@pytest.mark.parametrize("msgid", allauth_informal_msgids())
def test_every_allauth_string_that_says_du_says_sie_in_our_german(msgid):
    with translation.override("de"):
        german = translation.gettext(msgid)
    assert german != msgid, "not translated"
    assert not INFORMAL.search(german), german


@pytest.mark.parametrize(
    "url",
    [
        reverse("account_login"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        "/accounts/password/reset/key/1-not-a-key/",
        "/accounts/confirm-email/not-a-key/",
    ],
)
def test_german_sign_in_and_reset_pages_say_sie(client, url):
    assert informal_words(german_page(client, url)) == []


@pytest.mark.parametrize(
    "name",
    [
        "account_logout",
        "account_change_password",
        "account_email",
        "mfa_index",
        "mfa_activate_totp",
        "usersessions_list",
    ],
)
def test_german_account_pages_of_a_signed_in_user_say_sie(patient_a, name):
    page = german_page(signed_in_reauthenticated(patient_a.user), reverse(name))
    assert informal_words(page) == []


def test_the_german_reauthenticate_page_says_sie(patient_a):
    page = german_page(signed_in(patient_a.user), reverse("mfa_activate_totp"))
    assert 'name="password"' in page  # the prompt, not the page behind it
    assert informal_words(page) == []


def test_a_german_password_change_with_two_different_passwords_says_sie(patient_a):
    response = signed_in_reauthenticated(patient_a.user).post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-pass-2026", "password2": "another-2026"},
        **GERMAN,
    )
    page = response.content.decode()
    assert "Sie müssen zweimal dasselbe Passwort eingeben." in page
    assert informal_words(page) == []


def test_signing_out_in_german_says_sie(patient_a):
    response = signed_in(patient_a.user).post(reverse("account_logout"), follow=True, **GERMAN)
    page = response.content.decode()
    assert "Sie haben sich abgemeldet." in page
    assert informal_words(page) == []


@pytest.mark.parametrize("whose", ["patient", "nobody"])
def test_the_german_password_reset_emails_say_sie(client, patient_a, whose):
    email = patient_a.user.email if whose == "patient" else "nobody@example.org"
    client.post(reverse("account_reset_password"), {"email": email}, **GERMAN)
    [message] = mail.outbox
    assert "Sie" in message.body
    assert informal_words(message.subject + "\n" + message.body) == []
