"""Emails went out in English to users with no language setting who use the site in Spanish
or German (seeded and invited accounts, anyone who never opened the language setting): an
email has no browser to follow. Signing in (or asking for the account's closure) on a page
in another language than the default now keeps that language as the user's setting, once;
a language the user chose is never replaced. A password reset is written in the account's
setting, not in the language of the device that asked for it. Checked on the reminder, a
password reset and the closure notice."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from ldn_journal.accounts import closure
from ldn_journal.accounts.languages import recipient_language
from ldn_journal.accounts.models import User
from patients.models import ReminderDelivery
from patients.notifications.outbox import send_delivery
from tests.accounts.invitations_support import link_in, sign_up
from tests.factories import PASSWORD
from tests.patients.journal_support import TONIGHT, make_plan
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

SPANISH = "es-ES,es;q=0.9,en;q=0.5"


def browser(accept_language):
    return Client(HTTP_ACCEPT_LANGUAGE=accept_language)


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def stored_language(user):
    user.refresh_from_db()
    return user.language


def ask_for_a_reset(user, accept_language="en-GB"):
    browser(accept_language).post(reverse("account_reset_password"), {"email": user.email})
    [message] = mail.outbox
    return message


@pytest.mark.parametrize(("accept_language", "stored"), [(SPANISH, "es"), ("de-AT", "de")])
def test_signing_in_on_a_page_in_another_language_keeps_it_as_the_users_setting(
    patient_a, accept_language, stored
):
    sign_in(browser(accept_language), patient_a.user)

    assert stored_language(patient_a.user) == stored
    assert recipient_language(patient_a.user) == stored


@pytest.mark.parametrize("accept_language", ["en-GB", "en-US", "fr", ""])
def test_signing_in_in_the_default_language_stores_nothing_and_pages_follow_the_browser(
    patient_a, accept_language
):
    sign_in(browser(accept_language), patient_a.user)

    assert stored_language(patient_a.user) == ""


def test_after_signing_in_in_spanish_the_evening_reminder_email_is_in_spanish(
    patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    patient_a.remind_by_email = True
    patient_a.save()
    sign_in(browser(SPANISH), patient_a.user)
    delivery = ReminderDelivery.objects.create(
        recipient=patient_a.user,
        patient=patient_a,
        night=TONIGHT,
        kind="evening",
        channel="email",
        key="reminder-tonight",
        due_at=datetime.combine(TONIGHT, datetime.min.time(), UTC) + timedelta(hours=21),
    )

    with time_machine.travel(delivery.due_at, tick=False):
        assert send_delivery(delivery.pk) == ReminderDelivery.Status.SENT

    [message] = mail.outbox
    assert "Es la hora de la dosis de esta noche" in message.subject
    assert "Toque para registrar la dosis de esta noche." in message.body


def test_a_language_the_user_chose_is_kept_when_they_sign_in_in_another(patient_a):
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])

    sign_in(browser(SPANISH), patient_a.user)

    assert stored_language(patient_a.user) == "de"


def test_after_signing_in_in_spanish_a_password_reset_from_an_english_device_is_in_spanish(
    patient_a,
):
    sign_in(browser(SPANISH), patient_a.user).post(reverse("account_logout"))

    message = ask_for_a_reset(patient_a.user, "en-GB")

    assert "¡Hola" in message.body
    assert "Hello" not in message.body


def test_a_password_reset_follows_the_users_chosen_language_not_the_asking_device(patient_a):
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])

    message = ask_for_a_reset(patient_a.user, SPANISH)

    assert "Hallo" in message.body
    assert "¡Hola" not in message.body


def test_with_no_setting_a_password_reset_is_in_the_asking_devices_language(patient_a):
    message = ask_for_a_reset(patient_a.user, SPANISH)

    assert "¡Hola" in message.body
    assert stored_language(patient_a.user) == ""  # nobody signed in: nothing stored


def test_a_closure_asked_on_a_spanish_page_is_confirmed_in_spanish(
    patient_a, admin_user, django_capture_on_commit_callbacks
):
    # Signed in before this fix (nothing stored), the patient reads the site in Spanish.
    phone = browser(SPANISH)
    phone.force_login(patient_a.user)
    mark_reauthenticated(phone, patient_a.user)
    phone.post(reverse("journal:close_account"), {"confirm": "CLOSE"})
    assert stored_language(patient_a.user) == "es"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        closure.close_account(patient_a.user, by=admin_user, request=None)

    [message] = mail.outbox
    assert "Su cuenta de LDN Journal está cerrada" in message.subject


def test_an_invitation_accepted_on_a_spanish_page_stores_spanish(clinician_client):
    clinician_client.post(
        reverse("clinic:invite"), {"email": "new.patient@example.org", "role": "patient"}
    )
    spanish = browser(SPANISH)
    spanish.get(link_in(mail.outbox[-1]))

    assert sign_up(spanish, "new.patient@example.org").status_code == 302
    assert User.objects.get(email="new.patient@example.org").language == "es"
