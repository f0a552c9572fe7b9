"""Browser acceptance for the clinician's workspace, at 1280×800 and 390×844 (the patient
list also at an 820×1180 tablet).

Every clinician page over the demo: no horizontal page scroll (measured as
document.documentElement.scrollWidth <= clientWidth); the dose-by-level panel on the demo
patient with three dose levels; a flag's evidence link opening that night. Screenshots go to
docs/screenshots/ under `make screenshots`.
"""

import re

import pytest
from playwright.sync_api import expect

from ldn_journal.accounts.models import User
from patients.models import Patient, UrgentReport
from prescriptions.models import PlanTemplate, PlanVersion
from tests.e2e.browser_support import (
    DEMO_PASSWORD,
    PHONE,
    SCREENSHOTS,
    pages_too_wide,
    sideways_scroll,
    sign_in,
    words_broken_across_lines,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def clinician_pages():
    """Every page the demo clinician can open, with one example of each per-patient page."""
    clinician = User.objects.get(email="clinician@example.com")
    pages = [
        "/clinic/",
        "/clinic/?review=on",
        "/clinic/invite/",
        "/clinic/invitations/",
        "/clinic/settings/",
        "/clinic/reports/",
        "/clinic/templates/",
        "/clinic/templates/new/",
        f"/clinic/templates/{PlanTemplate.objects.order_by('pk').first().pk}/",
    ]
    for patient in Patient.objects.filter(care_team=clinician).order_by("pk"):
        base = f"/clinic/patients/{patient.pk}/"
        pages += [base, f"{base}report/", f"{base}plan/", f"{base}identifiers/"]
    first = Patient.objects.filter(care_team=clinician).order_by("pk").first()
    base = f"/clinic/patients/{first.pk}/"
    entry = first.entries.order_by("-night").first()
    version = PlanVersion.objects.filter(prescription__patient=first).first()
    pages += [
        f"{base}?month=2026-01#calendar",
        f"{base}nights/{entry.night.isoformat()}/",
        f"{base}entries/{entry.pk}/history/",
        f"{base}plan/change/",
        f"{base}plan/dosing-time/",
        f"{base}plan/templates/",
        f"{base}plan/versions/{version.pk}/",
        f"{base}plan/hold/",  # asks for the password again: that page must fit too
    ]
    for report in UrgentReport.objects.filter(patient__care_team=clinician)[:2]:
        pages.append(f"/clinic/reports/{report.pk}/")
    return pages


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_no_clinician_page_scrolls_sideways(browser, live_server, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    pages = clinician_pages()
    assert len(pages) > 30
    assert pages_too_wide(page, live_server, pages) == []
    for name, path in (
        ("clinic-list", "/clinic/"),
        ("clinic-patient", next(p for p in pages if re.fullmatch(r"/clinic/patients/\d+/", p))),
        ("clinic-report", next(p for p in pages if p.endswith("/report/"))),
    ):
        page.goto(live_server.url + path)
        page.screenshot(path=SCREENSHOTS / f"{name}-{viewport}.png", full_page=True)
    context.close()


def _confirm_password(page):
    if page.locator("h1").inner_text() == "Confirm Access":
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("load")


def plan_forms_and_account_pages():
    """The plan forms behind the password (hold, end, resume, new, a template applied), the
    emergency-access form for a patient of another team, and the clinician's account pages."""
    clinician = User.objects.get(email="clinician@example.com")
    team = Patient.objects.filter(care_team=clinician).order_by("pk")
    first = team.first()
    base = f"/clinic/patients/{first.pk}/"
    template = PlanTemplate.objects.order_by("pk").first()
    outsider = Patient.objects.exclude(care_team=clinician).order_by("pk").first()
    return [
        f"{base}plan/hold/",
        f"{base}plan/end/",
        f"{base}plan/templates/{template.pk}/apply/",
        *(f"/clinic/patients/{patient.pk}/plan/resume/" for patient in team),
        *(f"/clinic/patients/{patient.pk}/plan/new/" for patient in team),
        f"/clinic/patients/{outsider.pk}/emergency-access/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/sessions/",
        "/accounts/language/",
    ]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_plan_forms_behind_the_password_and_the_account_pages_fit(
    browser, live_server, viewport
):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    too_wide, forms = [], 0
    for path in plan_forms_and_account_pages():
        response = page.goto(live_server.url + path)
        assert response.status < 400, path
        _confirm_password(page)  # the first plan form asks for it; the rest then open
        forms += page.locator("main form").count() > 0
        if (overflow := sideways_scroll(page)) > 0:
            too_wide.append((page.url, overflow))
    assert forms >= 10
    assert too_wide == [], too_wide
    page.goto(live_server.url + plan_forms_and_account_pages()[0])
    expect(page.locator("h1")).not_to_have_text("Confirm Access")
    context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_dose_by_level_panel_shows_pats_three_dose_levels(browser, live_server, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pat = Patient.objects.get(user__email="patient@example.com")
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    page.goto(f"{live_server.url}/clinic/patients/{pat.pk}/")
    panel = page.locator("#dose-levels")
    doses = panel.locator("tbody th[scope=row]").all_inner_texts()
    assert [d.split()[0] + " mg" for d in doses] == ["1.5 mg", "3 mg", "4.5 mg"]
    assert "baseline" in doses[0]
    assert panel.locator("tbody tr").nth(2).locator("td").first.inner_text().strip().isdigit()
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=SCREENSHOTS / f"clinic-dose-levels-{viewport}.png")
    assert sideways_scroll(page) <= 0
    context.close()


# The first row's flags cell as laid out (the cell holding the badges, wherever its column
# is): its box, the viewport's width, and the visible box of the table's wrapper, which
# scrolls sideways inside itself when the table is wider than the page gives it.
_FIRST_FLAGS_CELL = """() => {
  const cell = document.querySelector("table.patient-table tbody tr td:has(.flag-badges)");
  const box = cell.getBoundingClientRect();
  const wrap = cell.closest(".table-wrap").getBoundingClientRect();
  return {left: box.left, right: box.right, viewport: window.innerWidth,
          wrapLeft: wrap.left, wrapRight: wrap.right, text: cell.innerText.trim()};
}"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_first_patients_flags_are_in_view_on_a_tablet_without_scrolling(
    browser, live_server, language
):
    """At 820×1180 the list sat in the phone's 40rem column and its table scrolled inside its
    box: the flags, the column a clinician reads first, were cut off at the right edge."""
    User.objects.filter(email="clinician@example.com").update(language=language)
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    page.goto(f"{live_server.url}/clinic/")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language
    cell = page.evaluate(_FIRST_FLAGS_CELL)
    assert cell["text"]  # the first patient, most in need of attention, has flags
    assert cell["left"] >= max(0, cell["wrapLeft"]), cell
    assert cell["right"] <= min(cell["viewport"], cell["wrapRight"]), cell
    assert sideways_scroll(page) <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"clinic-list-tablet-{language}.png")
    context.close()


# How far the patient list's table scrolls inside its box, and each element of it whose
# content is wider than its own box (the caption is read aloud, not shown).
_LIST_OVERFLOW = """() => {
  const wrap = document.querySelector(".patient-table-wrap");
  const spilled = Array.from(wrap.querySelectorAll("*"))
    .filter((el) => el.clientWidth > 0 && !el.closest(".visually-hidden"))
    .filter((el) => el.scrollWidth > el.clientWidth + 0.5)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${el.innerText.trim()}"`);
  return {scrolls: wrap.scrollWidth - wrap.clientWidth, spilled};
}"""


WORSENING = {"de": "Verschlechterung", "es": "Empeoramiento"}


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_patient_list_fits_a_tablet_from_768_px_with_every_word_whole(
    browser, live_server, language
):
    """German's "Verschlechterung" (Worsening) is one word: its badge set the flags column at
    178 px, and from 768 to 820 px the table scrolled inside its box (17 px at 820, 69 at 768;
    Spanish 48 px at 768), the pain sparklines cut off at its right edge."""
    User.objects.filter(email="clinician@example.com").update(language=language)
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    found = {}
    for width in (768, 800, 820):
        page.set_viewport_size({"width": width, "height": 1024})
        page.goto(f"{live_server.url}/clinic/")
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == language
        expect(page.locator(".patient-table")).to_contain_text(WORSENING[language])
        measured = page.evaluate(_LIST_OVERFLOW)
        broken = words_broken_across_lines(page, ".patient-table td, .patient-table th")
        if measured["scrolls"] > 0 or measured["spilled"] or broken:
            found[width] = {**measured, "broken": broken}
    context.close()
    assert found == {}


# The on-hold badges of the list's dose column, each as where its "‖" mark stands and where
# each line of its words does (found by the characters, so the mark is found whether it has
# a box of its own or not).
_HOLD_BADGES = """() => Array.from(
  document.querySelectorAll(".patient-table td > .badge")
).map((badge) => {
  const mark = [], words = [];
  const walker = document.createTreeWalker(badge, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      if (/\\s/.test(node.data[i])) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      (node.data[i] === "\u2016" ? mark : words).push(
        {left: box.left, right: box.right, top: box.top, bottom: box.bottom});
    }
  }
  return {text: badge.innerText.trim(), mark, words};
})"""


@pytest.mark.parametrize("language", ["de", "es", "en"])
def test_the_lists_on_hold_badge_keeps_its_mark_beside_its_word_on_a_tablet(
    browser, live_server, language
):
    """At 768-1023 px the list's badges may wrap (the table fits with every word whole), and
    the German dose column's "‖ Pausiert" put its "‖" on a line of its own above the word.
    The mark stands left of every letter of its words and level with them."""
    User.objects.filter(email="clinician@example.com").update(language=language)
    assert Patient.objects.filter(user__email="patient3@example.com").exists()
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    found = {}
    for width in (768, 800, 820, 900, 1023):
        page.set_viewport_size({"width": width, "height": 1024})
        page.goto(f"{live_server.url}/clinic/")
        page.wait_for_load_state("load")
        badges = page.evaluate(_HOLD_BADGES)
        assert badges, "the demo's patient on hold has a badge in the dose column"
        for badge in badges:
            (mark,) = badge["mark"]
            top = min(letter["top"] for letter in badge["words"])
            bottom = max(letter["bottom"] for letter in badge["words"])
            beside = all(mark["right"] <= letter["left"] + 0.5 for letter in badge["words"])
            level = top <= (mark["top"] + mark["bottom"]) / 2 <= bottom
            if not (beside and level):
                found[width] = badge["text"]
    context.close()
    assert found == {}


def test_a_flags_evidence_link_opens_that_night(browser, live_server):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    # Chris (liquid micro-titration) has a dose deviation among the demo's flags.
    chris = Patient.objects.get(user__email="patient4@example.com")
    page.goto(f"{live_server.url}/clinic/patients/{chris.pk}/")
    evidence = page.locator("#flags details.evidence").first
    evidence.locator("summary").click()
    item = evidence.locator("li").first
    values = item.inner_text()
    link = item.locator("a")
    night = link.locator("time").get_attribute("datetime")
    link.click()
    page.wait_for_load_state("networkidle")
    assert re.search(rf"/nights/{night}/$", page.url)
    assert page.locator("h1").inner_text().startswith("Night of ")
    assert ":" in values  # the values that raised the flag are shown beside the night
    page.screenshot(path=SCREENSHOTS / "clinic-night-phone.png", full_page=True)
    context.close()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_visit_report_and_patient_page_tables_keep_their_words_whole_on_a_phone(
    browser, live_server, language
):
    """At 390 px the visit report's tables scroll inside their boxes instead of squeezing a
    column below its longest word: the German urgent table broke "Herzrasen" (racing heart)
    as "Herz / rase / n" while the page let long words wrap anywhere."""
    clinician = User.objects.get(email="clinician@example.com")
    report = UrgentReport.objects.filter(
        patient__care_team=clinician, symptoms__contains=["racing_heart"]
    ).first()
    assert report is not None  # the demo's acknowledged report, in the report's range
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    User.objects.filter(pk=clinician.pk).update(language=language)
    base = f"{live_server.url}/clinic/patients/{report.patient_id}/"
    for path in (f"{base}report/", base):
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == language
        if path.endswith("/report/"):
            expect(page.locator(".report-table").last).to_contain_text(
                "Herzrasen" if language == "de" else "Racing heart"
            )
        assert words_broken_across_lines(page, "main td, main th") == [], path
        assert sideways_scroll(page) <= 0, path
    context.close()
