"""The offline page and the urgent guidance the phone keeps follow the patient's settings: the
service worker kept each once and never fetched it again, so a patient whose language changed,
or whose clinician moved them to morning dosing, was shown the old words offline (the old
language, "Tonight's card") until the browser's cache was cleared."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from patients.models import NightlyEntry, Patient
from prescriptions import plans
from prescriptions.changes import dosing_time_change, save_version
from tests.e2e.browser_support import LONDON, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT = "patient@example.com"
SHELL = "ldn-shell-v1"
GUIDANCE = "ldn-urgent-guidance-v1"

_KEPT_TEXT = """([cache, path]) => caches.open(cache)
  .then((opened) => opened.match(path, { ignoreVary: true }))
  .then((kept) => (kept ? kept.text() : null))"""


def _kept_text(page, cache, path):
    return page.evaluate(_KEPT_TEXT, [cache, path])


def _wait_until_kept(page, cache, path, text, seconds=15):
    """The kept copy of `path` once it holds `text` (the worker keeps it after the page has
    loaded), else the copy as it is after `seconds`: the test's assertion says what it holds."""
    kept = None
    for _ in range(seconds * 5):
        kept = _kept_text(page, cache, path)
        if kept is not None and text in kept:
            break
        page.wait_for_timeout(200)
    return kept


def _to_german(patient, _clock):
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])


def _to_morning_dosing(patient, clock):
    """The clinician moves the patient to morning dosing from tomorrow (a switch to mornings
    starts on a day whose morning is still ahead: changes.first_switch_night), and the clock
    moves on to 09:00 that morning, when the patient's day is the morning doser's."""
    local = timezone.now().astimezone(LONDON)
    tonight = local.date() if local.hour >= 12 else local.date() - timedelta(days=1)
    tomorrow = tonight + timedelta(days=1)
    NightlyEntry.objects.filter(patient=patient, night__gte=tonight).delete()
    plan = plans.load(patient)
    latest = plan.latest
    save_version(
        prescription_id=plan.prescription.pk,
        author=plan.prescription.prescriber,
        based_on=latest.number,
        change=dosing_time_change(
            latest, dosing_time="morning", effective_night=tomorrow, reason="Sleep"
        ),
        now=timezone.now(),
    )
    clock.move_to(datetime.combine(tomorrow, time(9, 0), tzinfo=LONDON))


def _language(page):
    return page.locator("html").get_attribute("lang").split("-")[0]


def _words(language, message):
    with translation.override(language):
        return gettext(message)


ENGLISH_CARD = "This page needs a connection. Tonight's card and the urgent guidance work offline."
CHANGES = {
    # change, the language after it, the offline page's sentence after it
    "language": (_to_german, "de", ENGLISH_CARD),
    "morning dosing": (
        _to_morning_dosing,
        "en",
        "This page needs a connection. Today's card and the urgent guidance work offline.",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_kept_offline_page_and_guidance_follow_a_change_of_language_or_dosing_time(
    evening, browser, live_server, change
):
    make_change, language, card = CHANGES[change]
    patient = Patient.objects.select_related("user").get(user__email=PATIENT)
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    page.goto(f"{live_server.url}/journal/")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    before = _wait_until_kept(page, SHELL, "/journal/offline/", ENGLISH_CARD)
    assert before is not None, "the offline page was not kept"
    assert ENGLISH_CARD in before
    assert _wait_until_kept(page, GUIDANCE, "/journal/reaction/guidance/", 'lang="en"')

    make_change(patient, evening)
    # Online again, on a page that is not the offline page or the guidance.
    page.goto(f"{live_server.url}/journal/more/")
    assert _language(page) == language
    sentence = _words(language, card)
    _wait_until_kept(page, SHELL, "/journal/offline/", sentence)
    _wait_until_kept(page, GUIDANCE, "/journal/reaction/guidance/", f'lang="{language}"')

    context.set_offline(True)
    try:
        # A journal page the phone has not kept: the worker's kept offline page.
        page.goto(f"{live_server.url}/journal/plan/")
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == _words(language, "You are offline")
        assert _language(page) == language
        assert sentence in page.locator("main").inner_text()
        # The report page offline: the kept guidance, in the patient's language now.
        page.goto(f"{live_server.url}/journal/reaction/")
        assert _language(page) == language
        if change == "morning dosing":
            link = _words(language, "Back to today")
            assert page.get_by_role("link", name=link, exact=True).is_visible()
    finally:
        context.set_offline(False)
        context.close()
