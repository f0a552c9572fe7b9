"""A night before the journal began: /journal/night/1999-01-01/ said "Nothing was logged",
while the calendar answers a month before the journal with its first month and "Your journal
starts in ...". The night page now sends such a night to the calendar of its month, which
answers by its one rule (_journal_start): the month of the first night logged or of the night
joined, whichever is earlier. Nights the calendar shows (its first month, before the night
of joining too) keep their page."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def joined_on_the_20th(patient_a, clinician_a):
    """Patient A joined on 20 Nov 2026 (tonight is 25 Nov), nothing logged before."""
    patient_a.created_at = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    patient_a.save(update_fields=["created_at"])
    make_plan(patient_a, clinician_a)
    return patient_a


def night_page(client, night):
    return client.get(reverse("journal:night", args=[night]), follow=True)


@pytest.mark.parametrize("night", [date(1999, 1, 1), date(2026, 10, 31)])
def test_a_night_before_the_journals_first_month_is_answered_by_the_calendar(
    patient_client, joined_on_the_20th, night
):
    response = night_page(patient_client, night)
    assert response.redirect_chain == [(f"{reverse('journal:history')}?month={night:%Y-%m}", 302)]
    page = response.content.decode()
    assert "Your journal starts in November 2026; here is its first month." in page
    assert "Nothing was logged" not in page


def test_a_night_of_the_first_month_before_joining_keeps_its_page(
    patient_client, joined_on_the_20th
):
    response = night_page(patient_client, date(2026, 11, 2))
    assert response.redirect_chain == []
    assert response.status_code == 200


def test_a_night_after_an_earlier_logged_night_keeps_its_page(patient_client, joined_on_the_20th):
    NightlyEntry.objects.create(
        patient=joined_on_the_20th, night=date(2026, 9, 20), status="skipped"
    )
    response = night_page(patient_client, date(2026, 9, 5))
    assert response.redirect_chain == []
    assert response.status_code == 200
    assert night_page(patient_client, date(2026, 8, 31)).redirect_chain
