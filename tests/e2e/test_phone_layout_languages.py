"""The patient's pages on a phone in each language: words stay whole, text fits its control,
and each checkbox sits beside its label (issues found by an exploratory pass in German:
"Einna / hmez / eit" on the time field of tonight's card, "Mittelschwer" overflowing its
chip, checkboxes alone on a line above their labels)."""

import base64
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
  for (const box of document.querySelectorAll(".field-inline input[type=checkbox]")) {
    const label = box.closest("label")?.querySelector(".inline-label")
      ?? box.parentElement.querySelector("label");
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


# The rows of a PNG that hold a dark pixel, read by the browser (a blank page: no CSP there).
_DARK_ROWS = """async (src) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  const rows = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      if (data[i] + data[i + 1] + data[i + 2] < 300) { rows.push(y); break; }
    }
  }
  return rows;
}"""

# The link of the summary's first error: its box, and its first line of text.
_FIRST_ERROR = """() => {
  const link = document.querySelector(".error-summary li a");
  const range = document.createRange();
  range.selectNodeContents(link);
  const lines = Array.from(range.getClientRects()).filter((r) => r.width > 0);
  const box = link.getBoundingClientRect();
  return {
    left: box.left, top: box.top, height: box.height,
    lines: new Set(lines.map((r) => Math.round(r.top))).size,
    firstTop: Math.min(...lines.map((r) => r.top)),
    firstBottom: Math.min(...lines.map((r) => r.bottom)),
  };
}"""


def test_an_error_on_several_lines_has_its_bullet_beside_its_first_line(
    evening, browser, live_server
):
    """German errors run to several lines on a phone; the summary's bullet stood beside the
    last ("warum." under "Erzählen Sie uns mehr — Wenn der Grund ..."): the phone's rule made
    each link an inline block, whose baseline, where a list's bullet sits, is its last line."""
    tonight = recent_london(time(21, 30)).date()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, "patient@example.com")
    User.objects.filter(email="patient@example.com").update(language="de")
    page.goto(f"{live_server.url}/journal/night/{tonight.isoformat()}/skip/")
    page.get_by_label("Anderer Grund").check()
    page.get_by_role("button", name="Speichern: ausgelassen").click()
    page.wait_for_load_state("load")
    error = page.evaluate(_FIRST_ERROR)
    assert error["lines"] >= 3  # the case in question: a message on several lines
    # The strip left of the link, where the bullet is drawn (the list's 1.25rem indent).
    strip = page.screenshot(
        clip={"x": error["left"] - 20, "y": error["top"], "width": 18, "height": error["height"]}
    )
    blank = context.new_page()
    rows = blank.evaluate(_DARK_ROWS, "data:image/png;base64," + base64.b64encode(strip).decode())
    assert rows, "no bullet beside the error"
    first_line = (error["firstTop"] - error["top"], error["firstBottom"] - error["top"])
    assert first_line[0] <= min(rows), (rows, first_line)
    assert max(rows) <= first_line[1], (rows, first_line)
    context.close()
