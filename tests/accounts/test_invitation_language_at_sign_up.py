"""An invitation that names a language (a bulk invitation's column) gives the new account
that language: the sign-up page's language (the browser's, en-gb too) was stored first and
the invitation's was never read. The sign-up page offers the language, starting at the
invitation's; a language chosen there is the person's."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ldn_journal.accounts import invitations
from ldn_journal.accounts.models import Role, User
from tests.accounts.invitations_support import link_in, sign_up

pytestmark = pytest.mark.django_db

ENGLISH = "en-GB,en;q=0.9"
GERMAN = "de-DE,de;q=0.9"
EMAIL = "new.patient@example.org"


def invited(clinician, accept_language, language=""):
    """A browser in `accept_language` that opened an invitation naming `language`."""
    invitations.invite(clinician, EMAIL, Role.PATIENT, language=language)
    browser = Client(HTTP_ACCEPT_LANGUAGE=accept_language)
    browser.get(link_in(mail.outbox[-1]))
    return browser


def new_account_language(browser, **fields):
    assert sign_up(browser, EMAIL, **fields).status_code == 302
    return User.objects.get(email=EMAIL).language


def test_a_spanish_invitation_signed_up_on_an_english_browser_gives_a_spanish_account(
    clinician_a,
):
    browser = invited(clinician_a, ENGLISH, language="es")

    assert new_account_language(browser) == "es"


def test_the_sign_up_page_offers_the_language_starting_at_the_invitations(clinician_a):
    browser = invited(clinician_a, ENGLISH, language="de")

    page = browser.get(reverse("account_signup"))
    form = page.context["form"]

    assert '<select name="language"' in page.content.decode()
    assert form["language"].value() == "de"
    assert [code for code, _ in form.fields["language"].choices] == ["en-gb", "es", "de"]


@pytest.mark.parametrize(("chosen", "stored"), [("en-gb", "en-gb"), ("de", "de")])
def test_a_language_chosen_on_the_sign_up_page_beats_the_invitations(clinician_a, chosen, stored):
    browser = invited(clinician_a, ENGLISH, language="es")

    assert new_account_language(browser, language=chosen) == stored


def test_an_invitation_without_a_language_gives_the_pages_language(clinician_a):
    browser = invited(clinician_a, GERMAN)

    assert browser.get(reverse("account_signup")).context["form"]["language"].value() == "de"
    assert new_account_language(browser) == "de"


def test_a_language_the_site_does_not_offer_is_refused_and_nothing_is_stored(clinician_a):
    browser = invited(clinician_a, ENGLISH, language="es")

    response = sign_up(browser, EMAIL, language="fr")

    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    assert not User.objects.filter(email=EMAIL).exists()
