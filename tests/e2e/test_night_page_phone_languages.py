"""The clinician's page of one night on a phone, in each language: the logged facts keep a
column wide enough to read (an exploratory pass in Spanish at 390 px: the labels' column took
the width of "Registro de la mañana guardado", the values were left 13 px, "2,5 mg tomados"
one letter a line, and the page scrolled sideways by 45 px)."""

import pytest

from ldn_journal.accounts.models import User
from patients.models import NightlyEntry
from tests.e2e.browser_support import PHONE, sideways_scroll, sign_in, words_broken_across_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The narrowest value cell over the facts list's width.
_NARROWEST_VALUE = """(() => {
  const list = document.querySelector(".night-facts");
  const widths = Array.from(list.querySelectorAll("dd")).map((dd) => dd.clientWidth);
  return Math.min(...widths) / list.clientWidth;
})()"""


@pytest.mark.parametrize("language", ["es", "de", "en"])
def test_a_nights_logged_facts_read_on_a_phone_in_each_language(browser, live_server, language):
    User.objects.filter(email="clinician@example.com").update(language=language)
    # A night with the longest labels: a dose taken, a bedtime and a morning part saved.
    entry = (
        NightlyEntry.objects.filter(
            patient__care_team__email="clinician@example.com",
            status=NightlyEntry.Status.TAKEN,
            bedtime__isnull=False,
            morning_logged_at__isnull=False,
        )
        .order_by("-night")
        .first()
    )
    assert entry is not None, "the demo has a fully logged night"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    response = page.goto(
        f"{live_server.url}/clinic/patients/{entry.patient_id}/nights/{entry.night}/"
    )
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert sideways_scroll(page) <= 0
    # Each value has at least half the list's width (on a phone, all of it: labels above).
    assert page.evaluate(_NARROWEST_VALUE) >= 0.5
    assert words_broken_across_lines(page, ".night-facts dt, .night-facts dd") == []
