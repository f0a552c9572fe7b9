"""A flag review covers what the clinician could see when they made it: a night the patient
logs or changes afterwards, on or before the night reviewed through, raises its flags again.

"Mark reviewed" offers tonight by default; a severe side effect the patient then reported in
the next morning's check-in for that night was counted as reviewed, and the patient never
rose in the list (found in QA).
"""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from patients.models import FlagReview, NightlyEntry
from tests.patients.dashboard_factories import give_nights, give_plan, severe_side_effect

pytestmark = pytest.mark.django_db
BEFORE = "2026-03-31T08:00:00Z"
REVIEWED = "2026-03-31T09:00:00Z"  # 10:00 in London: the open night is still 30 March
AFTER = "2026-03-31T09:15:00Z"  # within the staff session's idle limit
TONIGHT = date(2026, 3, 30)
LIST = reverse("clinic:patients")


@pytest.fixture
def journal(patient_a, clinician_a):
    with time_machine.travel(BEFORE, tick=False):
        give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=60), steps=(("4.5", None),))
        give_nights([patient_a], TONIGHT, 40)
    return patient_a


def _review_through_tonight(client, patient):
    with time_machine.travel(REVIEWED, tick=False):
        response = client.post(
            reverse("clinic:mark_reviewed", args=[patient.pk]),
            {"reviewed_through": TONIGHT.isoformat()},
        )
    assert response.status_code == 302


def _checkin_with_a_severe_side_effect(patient, night, at):
    """As the journal saves a check-in that changes an entry: its updated_at is the moment."""
    with time_machine.travel(at, tick=False):
        entry = NightlyEntry.objects.get(patient=patient, night=night)
        severe_side_effect(entry, kind="insomnia")
        entry.updated_at = timezone.now()
        entry.save()


def _row(client, patient):
    with time_machine.travel(AFTER, tick=False):
        rows = list(client.get(LIST).context["page"])
    return rows[[row.patient.pk for row in rows].index(patient.pk)]


def _open_flags(client, patient):
    with time_machine.travel(AFTER, tick=False):
        response = client.get(reverse("clinic:patient", args=[patient.pk]))
    return [flag.kind for flag in response.context["open_flags"]]


def test_a_side_effect_reported_after_a_review_through_tonight_raises_the_patient(
    clinician_client, journal
):
    _review_through_tonight(clinician_client, journal)
    _checkin_with_a_severe_side_effect(journal, TONIGHT, AFTER)

    row = _row(clinician_client, journal)
    assert row.needs_review
    assert [flag.kind for flag in row.open_flags] == ["side_effect"]
    assert _open_flags(clinician_client, journal) == ["side_effect"]


def test_a_change_to_an_earlier_night_after_the_review_raises_its_flag_again(
    clinician_client, journal
):
    _review_through_tonight(clinician_client, journal)
    _checkin_with_a_severe_side_effect(journal, TONIGHT - timedelta(days=3), AFTER)

    assert _row(clinician_client, journal).needs_review
    assert _open_flags(clinician_client, journal) == ["side_effect"]


def test_a_side_effect_on_record_before_the_review_stays_reviewed(clinician_client, journal):
    _checkin_with_a_severe_side_effect(journal, TONIGHT, "2026-03-31T08:30:00Z")
    _review_through_tonight(clinician_client, journal)

    assert not _row(clinician_client, journal).needs_review
    assert _open_flags(clinician_client, journal) == []


def test_a_review_still_covers_the_nights_before_the_one_changed(
    clinician_client, clinician_a, journal
):
    # Reviewed at 10:00, the flag of 27 March was seen; 29 March changed afterwards.
    _checkin_with_a_severe_side_effect(journal, TONIGHT - timedelta(days=3), "2026-03-31T08:30:00Z")
    _review_through_tonight(clinician_client, journal)
    with time_machine.travel(AFTER, tick=False):
        NightlyEntry.objects.filter(patient=journal, night=TONIGHT - timedelta(days=1)).update(
            pain=5, updated_at=timezone.now()
        )
        response = clinician_client.get(reverse("clinic:patient", args=[journal.pk]))
    assert response.context["page_data"].reviewed_through == TONIGHT - timedelta(days=2)
    assert [flag.kind for flag in response.context["open_flags"]] == []
    assert FlagReview.objects.get(patient=journal).reviewed_through == TONIGHT


def _page_text(client, patient):
    with time_machine.travel(AFTER, tick=False):
        page = client.get(reverse("clinic:patient", args=[patient.pk])).text
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_patient_page_says_why_the_review_covers_less_than_it_named(clinician_client, journal):
    """The page said "Reviewed through 29 Mar 2026." above its own timeline's "Marked flags
    reviewed through 30 Mar 2026" (read on the demo clinician's patient page)."""
    _review_through_tonight(clinician_client, journal)
    _checkin_with_a_severe_side_effect(journal, TONIGHT, AFTER)
    text = _page_text(clinician_client, journal)
    assert (
        "Reviewed through 29 Mar 2026. The latest review named 30 Mar 2026; a night up to it "
        "was logged or changed after the review, so it covers the nights before it."
    ) in text


def test_a_review_that_covers_what_it_named_says_no_more(clinician_client, journal):
    _review_through_tonight(clinician_client, journal)
    text = _page_text(clinician_client, journal)
    assert "Reviewed through 30 Mar 2026." in text
    assert "The latest review named" not in text


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("de", "Geprüft bis 29. Mär 2026. Die letzte Prüfung nannte den 30. Mär 2026;"),
        ("es", "Revisado hasta el 29 mar 2026. La última revisión indicaba el 30 mar 2026;"),
    ],
)
def test_why_the_review_covers_less_is_said_in_german_and_spanish(
    clinician_client, clinician_a, journal, language, says
):
    _review_through_tonight(clinician_client, journal)
    _checkin_with_a_severe_side_effect(journal, TONIGHT, AFTER)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    assert says in _page_text(clinician_client, journal)


def test_a_night_changed_after_the_night_reviewed_through_leaves_the_review_as_named(
    clinician_client, journal
):
    """Only a night up to the one reviewed through takes the review back: a later night
    changed after it (29 March, the review naming 27 March) covered 28 March too, whose
    flags nobody saw (the night before the first changed night was taken, whatever it was)."""
    named = TONIGHT - timedelta(days=3)
    with time_machine.travel(REVIEWED, tick=False):
        response = clinician_client.post(
            reverse("clinic:mark_reviewed", args=[journal.pk]),
            {"reviewed_through": named.isoformat()},
        )
    assert response.status_code == 302
    with time_machine.travel(AFTER, tick=False):
        NightlyEntry.objects.filter(patient=journal, night=TONIGHT - timedelta(days=1)).update(
            pain=5, updated_at=timezone.now()
        )
        response = clinician_client.get(reverse("clinic:patient", args=[journal.pk]))
    assert response.context["page_data"].reviewed_through == named
    assert _row(clinician_client, journal).reviewed_through == named
