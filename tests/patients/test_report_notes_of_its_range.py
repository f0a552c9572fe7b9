"""The visit report shows only the notes and flag reviews written in its range; with no note
there it says so (it said nothing when a review, but no note, lay in the range)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from patients.clinic import dashboard
from patients.models import ClinicianNote, FlagReview
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
MARCH = {"start": "2026-03-01", "end": "2026-03-30", "notes": "1"}


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=90))
    give_nights([patient_a], TONIGHT, 90, dose="1.5")
    return patient_a


def note(patient, author, text, at):
    ClinicianNote.objects.create(patient=patient, author=author, text=text, created_at=at)


def review(patient, author, through, at, note_text=""):
    FlagReview.objects.create(
        patient=patient, reviewed_by=author, reviewed_through=through, note=note_text, at=at
    )


def report_page(client, patient, params=MARCH):
    return client.get(reverse("clinic:report", args=[patient.pk]), params).text


@time_machine.travel(NOW, tick=False)
def test_only_the_notes_and_reviews_written_in_the_range_are_shown(
    clinician_client, clinician_a, journal
):
    note(journal, clinician_a, "January note", datetime(2026, 1, 10, 10, tzinfo=UTC))
    note(journal, clinician_a, "March note", datetime(2026, 3, 10, 10, tzinfo=UTC))
    review(journal, clinician_a, date(2026, 1, 20), datetime(2026, 1, 21, 10, tzinfo=UTC))
    review(journal, clinician_a, date(2026, 3, 12), datetime(2026, 3, 13, 10, tzinfo=UTC))
    page = report_page(clinician_client, journal)
    assert "March note" in page
    assert "January note" not in page
    assert "reviewed flags through 12 Mar 2026" in page
    assert "reviewed flags through 20 Jan 2026" not in page
    assert "No notes in this period." not in page


@time_machine.travel(NOW, tick=False)
def test_a_range_with_a_review_but_no_note_says_there_are_no_notes(
    clinician_client, clinician_a, journal
):
    note(journal, clinician_a, "January note", datetime(2026, 1, 10, 10, tzinfo=UTC))
    review(journal, clinician_a, date(2026, 3, 12), datetime(2026, 3, 13, 10, tzinfo=UTC))
    page = report_page(clinician_client, journal)
    assert "January note" not in page
    assert "No notes in this period." in page


@time_machine.travel(NOW, tick=False)
def test_a_range_with_nothing_written_says_there_are_no_notes(clinician_client, journal):
    assert "No notes in this period." in report_page(clinician_client, journal)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "words"),
    [("de", "Keine Notizen in diesem Zeitraum."), ("es", "Sin notas en este periodo.")],
)
def test_no_notes_is_said_in_the_clinicians_language(
    clinician_client, clinician_a, journal, language, words
):
    review(journal, clinician_a, date(2026, 3, 12), datetime(2026, 3, 13, 10, tzinfo=UTC))
    clinician_a.language = language
    clinician_a.save()
    with translation.override(language):
        assert words in report_page(clinician_client, journal)


@time_machine.travel(NOW, tick=False)
def test_the_report_reads_only_the_notes_and_reviews_of_its_range(
    clinician_client, clinician_a, journal, monkeypatch
):
    """It read the patient's whole timeline (every note ever written) and kept its range's."""
    note(journal, clinician_a, "January note", datetime(2026, 1, 10, 10, tzinfo=UTC))
    note(journal, clinician_a, "March note", datetime(2026, 3, 10, 10, tzinfo=UTC))
    read = []
    real = dashboard.timeline_between

    def spy(patient, since, before):
        items = real(patient, since, before)
        read.extend(item["body"] for item in items)
        return items

    monkeypatch.setattr(dashboard, "timeline", lambda patient: pytest.fail("whole timeline"))
    monkeypatch.setattr(dashboard, "timeline_between", spy)
    assert "March note" in report_page(clinician_client, journal)
    assert read == ["March note"]


def test_timeline_between_keeps_notes_and_reviews_from_since_to_before(clinician_a, patient_a):
    inside = datetime(2026, 3, 10, 10, tzinfo=UTC)
    note(patient_a, clinician_a, "before", inside - timedelta(days=30))
    note(patient_a, clinician_a, "at since", inside)
    review(patient_a, clinician_a, date(2026, 3, 11), inside + timedelta(days=1), "reviewed")
    note(patient_a, clinician_a, "at before", inside + timedelta(days=2))
    items = dashboard.timeline_between(patient_a, inside, inside + timedelta(days=2))
    assert [(item["item"], item["body"]) for item in items] == [
        ("review", "reviewed"),
        ("note", "at since"),
    ]


def test_timeline_between_is_the_orm_querys_items_in_the_same_order(clinician_a, patient_a):
    """On PostgreSQL the range is cut from the timeline's SQL compiled once per process: the
    same items, values and order as the ORM query it was compiled from."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for day in range(0, 40, 3):
        at = start + timedelta(days=day, hours=day % 5)
        note(patient_a, clinician_a, f"note {day}", at)
        if day % 2:
            review(patient_a, clinician_a, date(2026, 3, 1) + timedelta(days=day), at, f"r{day}")
    since, before = start + timedelta(days=5), start + timedelta(days=30)
    items = dashboard.timeline_between(patient_a, since, before)
    expected = list(dashboard._timeline_query(patient_a.pk, since, before))
    assert items == expected
    assert len(items) == 12  # 8 notes (days 6 to 27) and 4 reviews (days 9, 15, 21, 27)
