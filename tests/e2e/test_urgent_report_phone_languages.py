"""The clinician's urgent report on a phone in each language: nothing reaches past the
screen. In German the report card and the Alerts table reached ~399 px at 390 px (document
scrollWidth 393): the report's grid items grew to the Alerts table's width instead of
letting it scroll inside its own wrapper (found in QA on the demo's report)."""

import pytest

from ldn_journal.accounts.models import User
from patients.models import UrgentReport
from tests.e2e.browser_support import PHONE, sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements that reach past the viewport's right edge, other than what scrolls inside a
# .table-wrap; and tables that are not inside one.
_PAST_THE_EDGE = """(() => {
  const edge = document.documentElement.clientWidth + 0.5;
  const past = [];
  for (const el of document.querySelectorAll("main *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > edge && !el.parentElement.closest(".table-wrap")) {
      past.push(`${el.tagName}.${el.className} ${Math.round(box.right)}`);
    }
  }
  const loose = Array.from(document.querySelectorAll("main table"))
    .filter((table) => !table.closest(".table-wrap")).length;
  return { past, loose };
})()"""


@pytest.mark.parametrize("language", ["de", "en", "es"])
def test_the_urgent_report_fits_a_phone_in_each_language(browser, live_server, language):
    report = UrgentReport.objects.filter(deliveries__isnull=False).order_by("pk").first()
    assert report is not None, "the demo has an urgent report with alerts"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    User.objects.filter(email="clinician@example.com").update(language=language)
    response = page.goto(f"{live_server.url}/clinic/reports/{report.pk}/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#alerts-title").is_visible()
    assert page.evaluate(_PAST_THE_EDGE) == {"past": [], "loose": 0}
    assert sideways_scroll(page) <= 0
    context.close()
