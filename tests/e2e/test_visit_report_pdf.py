"""The visit report printed to PDF by Chromium: every page carries its number ("Page 2 of 3",
from the stylesheet's @page margin box) and the patient's name and identifiers (a fixed
running line), so a loose page can be matched to its chart.

The PDF's text is read with poppler's ``pdftotext`` (Debian poppler-utils, installed by
.ci/run), one page at a time.
"""

import html
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse

from ldn_journal.accounts.models import User
from patients.models import ClinicianNote, NightlyEntry, Patient
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


def words_on_pages(pdftotext, pdf_path) -> list[list[tuple[float, float, float, str]]]:
    """Each page's words as (x, top, bottom, text), from pdftotext's bounding boxes."""
    text = subprocess.run(
        [pdftotext, "-bbox", str(pdf_path), "-"], check=True, capture_output=True, text=True
    ).stdout
    word = re.compile(
        r'<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="([0-9.]+)">([^<]*)</word>'
    )
    return [
        [
            (float(x), float(top), float(bottom), html.unescape(w))
            for x, top, bottom, w in word.findall(page)
        ]
        for page in text.split("<page ")[1:]
    ]


def test_nothing_on_a_printed_page_of_the_visit_report_is_printed_over_the_patients_name(
    browser, live_server, pdftotext, tmp_path
):
    # The running line (name, record number) is fixed to the foot of every page; the page's
    # own text ran on underneath it, so the last line of page 1 and the name were printed
    # over each other (seen on the demo's Jo Williams: "▲ Dose while on hold" over the name).
    patient = max(
        Patient.objects.filter(care_team__email="clinician@example.com").select_related("user"),
        key=lambda p: NightlyEntry.objects.filter(patient=p).count(),
    )
    patient.record_number = RECORD
    patient.save()
    # Running text down to the foot of each page: a long run of care-team notes.
    author = User.objects.get(email="clinician@example.com")
    ClinicianNote.objects.bulk_create(
        ClinicianNote(patient=patient, author=author, text=f"Note {n}: " + "Slept well. " * 40)
        for n in range(40)
    )

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "clinician@example.com")
    page.goto(live_server.url + reverse("clinic:report", args=[patient.pk]) + "?notes=1")
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    running = page.locator(".report-running").inner_text().split()
    pdf = tmp_path / "visit-report.pdf"
    page.pdf(path=pdf, format="A4")
    context.close()

    pages = words_on_pages(pdftotext, pdf)
    assert len(pages) >= 2, "the report should need at least two pages"
    for number, words in enumerate(pages, start=1):
        # The running line is the lowest line holding the record number.
        _, top, bottom, _ = max((w for w in words if w[3] == RECORD), key=lambda w: w[1])
        band = [w for w in words if w[1] < bottom and w[2] > top]
        assert [w[3] for w in sorted(band)] == running, (number, sorted(band))
