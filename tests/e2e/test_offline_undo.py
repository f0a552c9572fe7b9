"""Undo on the tonight card without a connection (found by a colleague): the tap gave the
browser's own error page, since the service worker neither kept the post nor answered it.
Undo is only for a log just made (entries.can_undo), so it is not kept to be replayed later
(after its window it would be refused): the card says at once, in the page's language, that
Undo needs a connection and that the log stays, with or without the page's script."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import NightlyEntry, Patient
from tests.e2e.browser_support import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT = "patient@example.com"
NOTICE = {
    "en": "Undo needs an internet connection. Nothing was undone: what you logged stays logged.",
    "es": "Deshacer necesita conexión a internet. No se ha deshecho nada: lo que registró "
    "sigue registrado.",
    "de": "Rückgängig braucht eine Internetverbindung. Nichts wurde rückgängig gemacht: Was "
    "Sie eingetragen haben, bleibt eingetragen.",
}
UNDO = {"en": "Undo", "es": "Deshacer", "de": "Rückgängig"}


@pytest.fixture
def phone(evening, browser):
    return browser


def _tonight(patient):
    local = timezone.now().astimezone(patient.tz)
    return local.date() if local.hour >= 12 else local.date() - timedelta(days=1)


def _logged_just_now_and_kept(phone, live_server, language="en"):
    """The patient taps Taken now (online); the card with Undo is kept by the worker."""
    get_user_model().objects.filter(email=PATIENT).update(language=language)
    patient = Patient.objects.get(user__email=PATIENT)
    tonight = _tonight(patient)
    NightlyEntry.objects.filter(patient=patient, night=tonight).delete()
    context = phone.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    page.goto(f"{live_server.url}/journal/")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.locator("form[data-offline=taken_now] button").click()
    page.locator("form[data-undo]").wait_for()
    page.reload()  # the card with Undo, as the worker keeps it
    page.wait_for_load_state("networkidle")
    return patient, tonight, context, page


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_undo_offline_says_at_once_in_the_pages_language_that_it_needs_a_connection(
    phone, live_server, language
):
    patient, tonight, context, page = _logged_just_now_and_kept(phone, live_server, language)
    notice = page.locator("[data-offline-undo]")
    expect(notice).to_be_hidden()

    context.set_offline(True)
    page.get_by_role("button", name=UNDO[language], exact=True).click()
    expect(notice).to_be_visible()
    expect(notice).to_have_text(NOTICE[language])
    assert page.url == f"{live_server.url}/journal/"  # the card, not an error page
    assert page.evaluate("window.LdnOutbox.all()") == []  # not kept to be replayed
    context.set_offline(False)
    assert NightlyEntry.objects.get(patient=patient, night=tonight).is_taken
    context.close()


def test_undo_offline_without_the_pages_script_gets_the_kept_card_with_the_notice(
    phone, live_server
):
    patient, tonight, context, page = _logged_just_now_and_kept(phone, live_server)

    context.set_offline(True)
    # form.submit() fires no submit event: the post reaches the worker as a navigation, as
    # when the page's script did not load.
    page.evaluate('document.querySelector("form[data-undo]").submit()')
    page.wait_for_url("**/undo/")
    notice = page.locator("[data-offline-undo]")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(NOTICE["en"])
    expect(page.get_by_text("Logged:")).to_be_visible()
    page.wait_for_function("window.LdnOutbox !== undefined")
    assert page.evaluate("window.LdnOutbox.all()") == []
    context.set_offline(False)
    assert NightlyEntry.objects.get(patient=patient, night=tonight).is_taken
    context.close()
