"""The patient's pages on a 320 px phone in English, Spanish and German: none scrolls
sideways (exploratory QA at 320 px: the German morning check-in scrolled 7 px, its pain
scale's "10 Stärkster vorstellbarer Schmerz" beside "0 Kein Schmerz"; the Spanish history list
19 px, a card's "prescrita: 4,5 mg" badge; the German urgent reports 13 px, their "Von Ihrer
behandelnden Person gesehen" badge). The 390 px checks are in test_phone_layout_languages.py."""

from datetime import time, timedelta

import pytest

from ldn_journal.accounts.models import User
from patients.models import NightlyEntry
from tests.e2e.browser_support import SMALL_PHONE, pages_too_wide, recent_london, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT = "patient@example.com"

# Each element that reaches past the viewport's right edge, for the failure message.
_PAST_THE_EDGE = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.innerText.slice(0, 40)}`);
}"""


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_no_patient_page_scrolls_sideways_on_a_320_px_phone(
    evening, browser, live_server, language
):
    tonight = recent_london(time(21, 30)).date()
    last_night = tonight - timedelta(days=1)
    entry = NightlyEntry.objects.filter(patient__user__email=PATIENT).latest("night")
    context = browser.new_context(viewport=SMALL_PHONE)
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    User.objects.filter(email=PATIENT).update(language=language)
    paths = [
        "/journal/",
        "/journal/history/",
        "/journal/history/list/",
        "/journal/history/trends/",
        f"/journal/night/{tonight.isoformat()}/",
        f"/journal/night/{tonight.isoformat()}/dose/",
        f"/journal/night/{tonight.isoformat()}/skip/",
        f"/journal/night/{last_night.isoformat()}/",
        f"/journal/night/{last_night.isoformat()}/skip/",
        f"/journal/night/{last_night.isoformat()}/morning/",
        # An older night's skip page: its title names the night by its date.
        f"/journal/night/{(tonight - timedelta(days=4)).isoformat()}/skip/",
        f"/journal/entry/{entry.pk}/",
        "/journal/plan/",
        "/journal/reaction/",
        "/journal/reminders/",
        "/journal/care-team/",
        "/journal/settings/",
        "/journal/settings/close/",
        "/journal/access/",
        "/journal/export/",
        "/journal/more/",
        "/journal/offline/",
    ]
    too_wide = pages_too_wide(page, live_server, paths)
    where = {}
    for path, _ in too_wide:
        page.goto(live_server.url + path)
        where[path] = page.evaluate(_PAST_THE_EDGE)
    assert page.locator("html").get_attribute("lang") == language
    assert too_wide == [], where
    context.close()
