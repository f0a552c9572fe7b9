"""The patient's pages on a phone in each language: words stay whole, text fits its control,
and each checkbox sits beside its label (issues found by an exploratory pass in German:
"Einna / hmez / eit" on the time field of tonight's card, "Mittelschwer" overflowing its
chip, checkboxes alone on a line above their labels)."""

from datetime import time, timedelta

import pytest
import time_machine

from ldn_journal.accounts.models import User
from tests.e2e.browser_support import (
    PHONE,
    recent_london,
    sideways_scroll,
    sign_in,
    words_broken_across_lines,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a reader would see as broken besides a word on two lines: a control whose text is wider
# than it, a checkbox whose label starts under it. Collapsed sections are opened first.
_LAYOUT = """(() => {
  document.querySelectorAll("main details").forEach((d) => { d.open = true; });
  const found = { overflowing: [], labelUnderBox: [] };
  for (const el of document.querySelectorAll("main label, main .btn, main button")) {
    if (el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1) {
      found.overflowing.push(el.innerText.trim());
    }
  }
  for (const box of document.querySelectorAll(".field-inline > input[type=checkbox]")) {
    const label = box.parentElement.querySelector("label");
    if (label && box.offsetParent
        && label.getBoundingClientRect().top >= box.getBoundingClientRect().bottom - 1) {
      found.labelUnderBox.push(label.innerText.trim());
    }
  }
  return found;
})()"""
TEXTS = (
    "main label, main .btn, main button, main legend, main h1, main h2, main h3, main td, main th"
)


@pytest.fixture
def past_the_window():
    """04:00 London: last night's window has closed, so the demo patient's card asks "When
    did you take it?" with its time field. Ask for it before `browser`."""
    with time_machine.travel(recent_london(time(4, 0)), tick=True) as traveller:
        yield traveller


@pytest.mark.parametrize("language", ["de", "es", "en"])
def test_the_patients_pages_fit_a_phone_in_each_language(
    past_the_window, browser, live_server, language
):
    last_night = (recent_london(time(4, 0)) - timedelta(days=1)).date()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "patient@example.com")
    User.objects.filter(email="patient@example.com").update(language=language)
    for path in (
        "/journal/",
        "/journal/settings/",
        f"/journal/night/{last_night.isoformat()}/morning/",
        f"/journal/night/{last_night.isoformat()}/dose/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate(_LAYOUT) == {"overflowing": [], "labelUnderBox": []}, path
        assert words_broken_across_lines(page, TEXTS) == [], path
        assert sideways_scroll(page) <= 0, path
    # The time field of "When did you take it?" keeps room for the time it shows.
    page.goto(f"{live_server.url}/journal/")
    field = page.locator(".when-form input[type=time]")
    assert field.is_visible()
    assert field.bounding_box()["width"] >= 120
    context.close()
