"""The email a password reset sends when no active account uses the address: no sign-up
link (accounts are made by invitation), and a deactivated account is told so."""

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

RESET = reverse("account_reset_password")


def ask_reset(client, email, language="en"):
    return client.post(RESET, {"email": email}, HTTP_ACCEPT_LANGUAGE=language)


def test_a_reset_for_an_unknown_address_says_accounts_come_by_invitation_and_offers_no_sign_up(
    client,
):
    ask_reset(client, "nobody@example.org")
    [message] = mail.outbox
    assert message.to == ["nobody@example.org"]
    assert "No LDN Journal account uses this address" in message.body
    assert "only by invitation from your clinic" in message.body
    assert "/accounts/signup/" not in message.body
    assert "sign up" not in message.body.lower()
    assert "Unknown Account" not in message.subject


def test_a_reset_for_a_deactivated_account_says_it_is_deactivated_and_to_contact_the_clinic(
    client, inactive_user
):
    ask_reset(client, inactive_user.email)
    [message] = mail.outbox
    assert message.to == [inactive_user.email]
    assert message.subject.endswith("Your LDN Journal account is deactivated")
    assert "closed or deactivated" in message.body
    assert "contact your clinic" in message.body
    assert "no record" not in message.body.lower()
    assert "/accounts/signup/" not in message.body


def test_the_reset_page_answers_alike_for_an_active_a_deactivated_and_an_unknown_address(
    client, patient_a, inactive_user
):
    answers = set()
    for email in (patient_a.user.email, inactive_user.email, "nobody@example.org"):
        response = ask_reset(client, email)
        answers.add((response.status_code, response.get("Location")))
    assert answers == {(302, reverse("account_reset_password_done"))}
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    ("language", "deactivated", "unknown"),
    [
        ("de", "deaktiviert", "nur auf Einladung"),
        ("es", "desactivada", "solo por invitación"),
    ],
)
def test_both_emails_are_in_the_readers_language(
    client, inactive_user, language, deactivated, unknown
):
    ask_reset(client, inactive_user.email, language)
    ask_reset(client, "nobody@example.org", language)
    closed, nobody = mail.outbox
    assert deactivated in closed.subject
    assert unknown in nobody.body
