"""Undoing a flag review a second time (a double tap, or a teammate after a colleague) says it
was already undone, by whom and when, and changes nothing: it answered with no word at all."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients.models import CareTeamMembership, FlagReview
from tests.conftest import _client_for
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db
TONIGHT = date(2026, 3, 30)


@pytest.fixture
def review(patient_a, clinician_a):
    return FlagReview.objects.create(
        patient=patient_a,
        reviewed_through=TONIGHT,
        reviewed_by=clinician_a,
        at=datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
    )


def _undo(client, review):
    return client.post(
        reverse("clinic:undo_review", args=[review.patient_id, review.pk]), follow=True
    )


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_a_second_undo_by_a_teammate_says_who_undid_it_and_changes_nothing(
    clinician_client, clinician_a, patient_a, review
):
    teammate = ClinicianFactory(email="dr.c@example.org", display_name="Dr C")
    CareTeamMembership.objects.create(patient=patient_a, clinician=teammate)
    assert "Review undone" in _undo(clinician_client, review).text
    review.refresh_from_db()
    first_undone_at = review.undone_at

    with time_machine.travel("2026-03-31T10:00:00Z", tick=False):
        response = _undo(_client_for(Client(), teammate), review)
    assert response.status_code == 200
    assert "This review was already undone by Dr A on 31 Mar 2026, 10:00: nothing changed." in (
        response.text
    )
    assert "Review undone" not in response.text
    review.refresh_from_db()
    assert (review.undone_by, review.undone_at) == (clinician_a, first_undone_at)
    assert AccessLog.objects.filter(action="flags.review_undo", patient=patient_a).count() == 1


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_a_double_tap_on_undo_says_the_second_time_that_it_was_already_undone(
    clinician_client, review
):
    _undo(clinician_client, review)
    response = _undo(clinician_client, review)
    assert "already undone by Dr A" in response.text


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_undoing_an_older_review_says_the_later_one_still_stands(
    clinician_client, clinician_a, patient_a, review
):
    with time_machine.travel("2026-03-31T09:05:00Z", tick=False):
        FlagReview.objects.create(
            patient=patient_a, reviewed_through=date(2026, 3, 29), reviewed_by=clinician_a
        )
        response = _undo(clinician_client, review)
    assert "The later review through 29 Mar 2026 still stands" in response.text
    assert "those flags raise the patient again" not in response.text


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
@pytest.mark.parametrize("language", ["de", "es"])
def test_the_undo_messages_are_translated(clinician_client, clinician_a, review, language):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    _undo(clinician_client, review)
    again = _undo(clinician_client, review).text
    assert {"de": "bereits von Dr A", "es": "Dr A ya deshizo"}[language] in again
