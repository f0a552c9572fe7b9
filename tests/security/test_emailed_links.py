"""Finding 7: every link in an email starts with SITE_URL, whatever Host header (and port) the
request that caused it carried. A forged Host would otherwise put the attacker's server in a
password-reset link sent to a real patient."""

import re

import pytest
from django.core import mail

from tests.factories import PASSWORD

SITE_URL = "https://journal.example.org"
FORGED_HOST = "evil.example:8443"


@pytest.fixture
def forged_host_allowed(settings):
    # As behind a proxy that passes Host through, or ALLOWED_HOSTS with a wildcard.
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = SITE_URL


def links_in(message):
    return re.findall(r"https?://[^\s\"'<>]+", message.body)


def assert_links_on_the_site(message):
    links = links_in(message)
    assert links, message.body
    assert all(link.startswith(SITE_URL + "/") for link in links), links
    assert "evil.example" not in message.body


def test_a_password_reset_link_uses_site_url_not_the_request_host(
    client, patient_a, forged_host_allowed
):
    client.post(
        "/accounts/password/reset/", {"email": patient_a.user.email}, headers={"host": FORGED_HOST}
    )
    assert len(mail.outbox) == 1
    assert_links_on_the_site(mail.outbox[0])
    assert re.search(re.escape(SITE_URL) + r"/accounts/password/reset/key/\S+", mail.outbox[0].body)


def test_a_reset_asked_for_an_unknown_address_links_to_the_site_too(
    client, db, forged_host_allowed
):
    client.post(
        "/accounts/password/reset/", {"email": "nobody@example.org"}, headers={"host": FORGED_HOST}
    )
    assert len(mail.outbox) == 1
    assert_links_on_the_site(mail.outbox[0])


def test_an_email_confirmation_link_uses_site_url(client, patient_a, forged_host_allowed):
    client.post("/accounts/login/", {"login": patient_a.user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD}, headers={"host": FORGED_HOST})
    client.post(
        "/accounts/email/",
        {"action_add": "", "email": "second.address@example.org"},
        headers={"host": FORGED_HOST},
    )
    confirmations = [m for m in mail.outbox if "second.address@example.org" in m.to]
    assert len(confirmations) == 1
    assert_links_on_the_site(confirmations[0])
