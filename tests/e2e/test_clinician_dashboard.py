"""Browser journey at 1280×800: the demo clinician's morning round, printed to PDF.

Sorted list → top patient → chart and a flag's evidence → mark reviewed → visit report
printed on A4 and Letter (the PDFs are kept under docs/).
"""

import pytest
from playwright.sync_api import expect

from ldn_journal.demo import DEMO_PASSWORD
from patients.models import Patient
from tests.e2e.browser_support import DOCS, PHONE, SCREENSHOTS, sideways_scroll, sign_in

DESKTOP = {"width": 1280, "height": 800}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_clinician_reviews_the_top_patient_and_prints_the_visit_report(
    browser, live_server
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("clinician@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/clinic/")

    # The list: sorted by attention, the urgent report on top, the reviewed patient last.
    rows = page.locator("table.patient-table tbody tr")
    names = rows.locator("th[scope=row] a").all_inner_texts()
    assert names[0] == "Sam Taylor"
    assert names[-1] == "Pat Jones"
    assert "Urgent report" in rows.first.inner_text()
    assert rows.first.locator("svg.sparkline").count() == 1
    page.screenshot(path=SCREENSHOTS / "dashboard-list.png", full_page=True)

    # The second patient has reviewable flags; the top one's urgent flag needs an
    # acknowledgement instead. Open the top patient first, as a clinician would.
    rows.first.locator("th[scope=row] a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.trend-chart").count() == 1
    page.goto(f"{live_server.url}/clinic/")
    page.locator("table.patient-table tbody tr").nth(1).locator("th[scope=row] a").click()
    page.wait_for_load_state("networkidle")
    heading = page.locator("h1").inner_text()
    assert page.locator("svg.trend-chart").count() == 1
    evidence = page.locator("#flags details.evidence").first
    evidence.locator("summary").click()
    assert evidence.locator("time").count() >= 1
    page.screenshot(path=SCREENSHOTS / "dashboard-patient.png", full_page=True)

    page.get_by_role("button", name="Mark reviewed").click()
    page.wait_for_load_state("networkidle")
    assert "Flags marked reviewed through" in page.locator(".messages").inner_text()
    page.screenshot(path=SCREENSHOTS / "dashboard-reviewed.png")

    page.goto(f"{live_server.url}/clinic/")
    names_after = page.locator("table.patient-table tbody tr th[scope=row] a").all_inner_texts()
    assert names_after.index(heading) > names.index(heading)

    # The visit report, printed.
    page.locator("table.patient-table tbody tr th[scope=row] a", has_text=heading).click()
    page.get_by_role("button", name="Visit report").click()
    page.wait_for_load_state("networkidle")
    assert "Visit report" in page.locator("h1").inner_text()
    page.screenshot(path=SCREENSHOTS / "dashboard-report.png", full_page=True)
    page.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        page.pdf(path=DOCS / f"visit-report-{paper.lower()}.pdf", format=paper)
        assert (DOCS / f"visit-report-{paper.lower()}.pdf").stat().st_size > 10_000
    assert errors == []
    context.close()


def test_a_very_long_patient_name_never_makes_a_clinician_page_scroll_sideways(
    browser, live_server
):
    """150 letters without a space (exploratory testing: the visit report's "Back to ..."
    link made the page 1964 px wide at 1280)."""
    patient = Patient.objects.select_related("user").get(user__email="patient@example.com")
    patient.user.display_name = "W" * 150
    patient.user.save(update_fields=["display_name"])
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    wide = {}
    for path in (
        f"/clinic/patients/{patient.pk}/",
        f"/clinic/patients/{patient.pk}/report/",
        f"/clinic/patients/{patient.pk}/plan/",
        "/clinic/",
    ):
        page.goto(live_server.url + path)
        overflow = sideways_scroll(page)
        if overflow > 0:
            wide[path] = overflow
    context.close()
    assert wide == {}


def test_the_demo_list_fits_1280_without_scrolling_inside_its_table(browser, live_server):
    """The list's table fits its box at 1280 px: the "Adherence 7 / 30 nights" heading, kept
    on one line, pushed it 34 px past, so the pain sparklines were cut off behind a scroll."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    page.goto(live_server.url + "/clinic/")
    boxes = page.evaluate(
        """Array.from(document.querySelectorAll(".table-wrap"))
             .map((box) => box.scrollWidth - box.clientWidth)"""
    )
    context.close()
    assert boxes
    assert max(boxes) <= 0, boxes


def test_the_dose_chart_keeps_readable_labels_on_a_phone_and_opens_at_the_latest_night(
    browser, live_server
):
    """At 390 px the patient page's dose chart (a 660-unit viewBox, 11-unit labels) was drawn
    298 px wide: 5 px text. It now keeps 36rem and scrolls sideways in its own focusable box,
    opening at its right end (the latest nights); the page itself still does not scroll."""
    patient = Patient.objects.get(user__email="patient@example.com")
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/")
    box = page.locator(".chart-scroll")
    expect(box).to_have_count(1)
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("tabindex") == "0"
    assert box.get_attribute("aria-label") == "Dose prescribed and taken over 12 weeks"
    shown = page.evaluate(
        """() => {
            const box = document.querySelector(".chart-scroll");
            const svg = box.querySelector("svg");
            const label = svg.querySelector("text");
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return {
                labelPx: parseFloat(getComputedStyle(label).fontSize) * scale,
                svgRight: svg.getBoundingClientRect().right,
                boxRight: box.getBoundingClientRect().right,
                boxScrolls: box.scrollWidth > box.clientWidth,
            };
        }"""
    )
    overflow = sideways_scroll(page)
    context.close()
    assert shown["labelPx"] >= 9, shown
    assert shown["boxScrolls"], shown
    assert abs(shown["svgRight"] - shown["boxRight"]) <= 2, shown  # opened at the right end
    assert overflow <= 0
