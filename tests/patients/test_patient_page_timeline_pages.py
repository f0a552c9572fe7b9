"""The patient page's notes and reviews come a page at a time, newest first: it rendered every
note and review a patient ever had on each view (a patient with 2,000 notes had them all)."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.clinic import dashboard
from patients.models import ClinicianNote, FlagReview
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
PER_PAGE = dashboard.TIMELINE_PER_PAGE


def _notes(patient, author, count):
    """``count`` notes, "note 0" the oldest, a minute apart."""
    start = timezone.now() - timedelta(days=30)
    notes = ClinicianNote.objects.bulk_create(
        ClinicianNote(patient=patient, author=author, text=f"note {i}") for i in range(count)
    )
    for i, note in enumerate(notes):
        note.created_at = start + timedelta(minutes=i)
    ClinicianNote.objects.bulk_update(notes, ["created_at"])


def _shown(html):
    return re.findall(r'<p class="note-text">note (\d+)</p>', html)


def _page(client, patient, **params):
    return client.get(reverse("clinic:patient", args=[patient.pk]), params)


def _queries(client, patient, **params):
    _page(client, patient, **params)
    with CaptureQueriesContext(connection) as queries:
        response = _page(client, patient, **params)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=40))
    give_nights([patient_a], TONIGHT, 10)
    return patient_a


@time_machine.travel(NOW, tick=False)
def test_the_patient_page_shows_the_newest_page_of_notes_and_links_to_older(
    clinician_client, clinician_a, journal
):
    _notes(journal, clinician_a, PER_PAGE * 2 + 5)
    html = _page(clinician_client, journal).text
    newest = PER_PAGE * 2 + 4
    assert _shown(html) == [str(i) for i in range(newest, newest - PER_PAGE, -1)]
    assert "?notes_page=2#notes" in html
    assert "Older notes and reviews" in html
    assert "Page 1 of 3" in html


@time_machine.travel(NOW, tick=False)
def test_older_pages_follow_on_without_a_gap_or_a_repeat(clinician_client, clinician_a, journal):
    _notes(journal, clinician_a, PER_PAGE * 2 + 5)
    seen = []
    for number in (1, 2, 3):
        seen += _shown(_page(clinician_client, journal, notes_page=number).text)
    assert seen == [str(i) for i in range(PER_PAGE * 2 + 4, -1, -1)]
    last = _page(clinician_client, journal, notes_page=3).text
    assert "Newer notes and reviews" in last
    assert "Older notes and reviews" not in last


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("asked", "shown_page"),
    [("0", 1), ("-3", 1), ("abc", 1), ("", 1), ("99", 3), ("9" * 40, 3), ("1e5", 1)],
)
def test_a_page_number_that_is_not_one_or_past_the_end_answers_a_page(
    clinician_client, clinician_a, journal, asked, shown_page
):
    _notes(journal, clinician_a, PER_PAGE * 2 + 5)
    response = _page(clinician_client, journal, notes_page=asked)
    assert response.status_code == 200
    assert f"Page {shown_page} of 3" in response.text
    assert _shown(response.text)


@time_machine.travel(NOW, tick=False)
def test_reviews_and_notes_share_the_pages_and_a_short_timeline_has_no_pager(
    clinician_client, clinician_a, journal
):
    _notes(journal, clinician_a, 3)
    FlagReview.objects.create(
        patient=journal, reviewed_through=TONIGHT, reviewed_by=clinician_a, note="looked"
    )
    html = _page(clinician_client, journal).text
    assert _shown(html) == ["2", "1", "0"]
    assert "Marked flags reviewed through" in html
    assert "notes_page=" not in html


@time_machine.travel(NOW, tick=False)
def test_the_page_reads_the_same_number_of_queries_for_3_or_2000_notes(
    clinician_client, clinician_a, journal, settings
):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    _notes(journal, clinician_a, 3)
    few = _queries(clinician_client, journal)
    _notes(journal, clinician_a, 1997)
    many = _queries(clinician_client, journal)
    assert few == many
    assert len(_shown(_page(clinician_client, journal).text)) == PER_PAGE


@time_machine.travel(NOW, tick=False)
def test_the_visit_report_still_lists_every_note_of_its_range(
    clinician_client, clinician_a, journal
):
    _notes(journal, clinician_a, PER_PAGE + 5)
    html = clinician_client.get(
        reverse("clinic:report", args=[journal.pk]), {"notes": "1", "start": "2026-02-01"}
    ).text
    assert all(f"note {i}" in html for i in range(PER_PAGE + 5))
