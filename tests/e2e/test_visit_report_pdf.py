"""The visit report printed to PDF by Chromium: every page carries its number ("Page 2 of 3",
from the stylesheet's @page margin box) and the patient's name and identifiers (a fixed
running line), so a loose page can be matched to its chart.

The PDF's text is read with poppler's ``pdftotext`` (Debian poppler-utils, installed by
.ci/run), one page at a time.
"""

import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse

from ldn_journal.accounts.models import User
from patients.models import NightlyEntry, Patient
from tests.conftest import IN_CI
from tests.e2e.browser_support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD = "MRN-40417"


@pytest.fixture
def pdftotext():
    path = shutil.which("pdftotext")
    if not path:
        if IN_CI:
            pytest.fail("CI must install poppler-utils (pdftotext) for the PDF test")
        pytest.skip("needs poppler's pdftotext (apt-get install poppler-utils)")
    return path


def pdf_pages(pdftotext, pdf_path) -> list[str]:
    """The text of each page of the PDF (pdftotext ends each page with a form feed)."""
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf_path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


PAGE_NUMBER = {
    "en-GB": "Page {n} of {m}",
    "es-ES": "Página {n} de {m}",
    "de-DE": "Seite {n} von {m}",
}


@pytest.mark.parametrize("locale", PAGE_NUMBER)
def test_every_printed_page_of_the_visit_report_has_its_number_and_the_patient(
    browser, live_server, pdftotext, tmp_path, locale
):
    # The demo patient with the longest record: months of nights, several printed pages.
    patient = max(
        Patient.objects.filter(care_team__email="clinician@example.com").select_related("user"),
        key=lambda p: NightlyEntry.objects.filter(patient=p).count(),
    )
    patient.record_number = RECORD
    patient.date_of_birth = date(1971, 4, 2)
    patient.save()
    name = patient.user.display_name

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")  # the sign-in form in English
    # The report in `locale`: the clinician's own language setting (it beats the browser's).
    User.objects.filter(email="clinician@example.com").update(language=locale[:2])
    page.goto(live_server.url + reverse("clinic:report", args=[patient.pk]))
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang").startswith(locale[:2])
    page.emulate_media(media="print")
    pdf = tmp_path / "visit-report.pdf"
    page.pdf(path=pdf, format="A4")
    context.close()

    pages = pdf_pages(pdftotext, pdf)
    assert len(pages) >= 2, "the report should need at least two pages"
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        words = PAGE_NUMBER[locale].format(n=number, m=len(pages))
        assert words in flat, (number, flat[-300:])
        assert name in flat, number
        assert RECORD in flat, number
        assert "1971" in flat, number  # the date of birth, in the page's own format
        if locale == "en-GB":
            assert "Date of birth 2 Apr 1971" in flat, number
