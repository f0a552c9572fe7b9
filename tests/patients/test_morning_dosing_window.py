"""A morning dose has a window too (issue 16): after LDN_MORNING_DOSING_WINDOW_END (14:00 local
by default) "Taken now" would misstate the time, so the card asks "When did you take it?"."""

import uuid
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from patients.rules import nights
from tests.patients.journal_support import TONIGHT, make_plan

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
TAKEN = reverse("journal:taken_now")
ASK = "When did you take it?"


@pytest.mark.parametrize(
    ("zone", "end"),
    [
        # GMT in November: 14:00 London is 14:00 UTC on the night's own date.
        ("Europe/London", datetime(2026, 11, 25, 14, 0, tzinfo=UTC)),
        # AEDT (+11): 14:00 Sydney is 03:00 UTC the same date.
        ("Australia/Sydney", datetime(2026, 11, 25, 3, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 25, 19, 0, tzinfo=UTC)),
    ],
)
def test_a_morning_nights_dosing_window_ends_at_two_in_the_afternoon_local(zone, end):
    assert nights.dosing_window_end(TONIGHT, zone, nights.MORNING) == end


def test_the_morning_window_end_is_passed_in_not_fixed():
    end = nights.dosing_window_end(TONIGHT, "Europe/London", nights.MORNING, time(11, 30))
    assert end == datetime(2026, 11, 25, 11, 30, tzinfo=UTC)


def test_the_morning_window_end_on_a_clocks_forward_day_is_still_two_local():
    # 29 March 2026: London moves to BST at 01:00 UTC; 14:00 BST is 13:00 UTC.
    end = nights.dosing_window_end(datetime(2026, 3, 29).date(), "Europe/London", nights.MORNING)
    assert end == datetime(2026, 3, 29, 13, 0, tzinfo=UTC)


def test_the_evening_window_is_not_changed_by_the_morning_end():
    end = nights.dosing_window_end(TONIGHT, "Europe/London", nights.EVENING, time(9, 0))
    assert end == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.fixture
def morning_plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a, dosing_time="morning")


ONE_SECOND_BEFORE = datetime(2026, 11, 25, 13, 59, 59, tzinfo=UTC)
AT_THE_END = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_a_morning_doser_just_before_two_gets_one_tap(patient_client, morning_plan):
    with time_machine.travel(ONE_SECOND_BEFORE, tick=False):
        page = patient_client.get(HOME).content.decode()
    assert ASK not in page
    assert reverse("journal:taken_now") in page


def test_a_morning_doser_at_two_is_asked_when_they_took_it(patient_client, morning_plan):
    with time_machine.travel(AT_THE_END, tick=False):
        page = patient_client.get(HOME).content.decode()
    assert ASK in page
    assert reverse("journal:taken_at", args=[TONIGHT]) in page


def test_taken_now_just_before_two_stores_the_time_now(patient_client, morning_plan):
    with time_machine.travel(ONE_SECOND_BEFORE, tick=False):
        patient_client.post(TAKEN, {"submission_id": str(uuid.uuid4())})
    entry = NightlyEntry.objects.get()
    assert (entry.night, entry.taken_at) == (TONIGHT, ONE_SECOND_BEFORE)


def test_taken_now_from_a_stale_page_after_two_stores_nothing(patient_client, morning_plan):
    with time_machine.travel(datetime(2026, 11, 25, 19, 30, tzinfo=UTC), tick=False):
        response = patient_client.post(TAKEN, {"submission_id": str(uuid.uuid4())}, follow=True)
    assert "Say when you took it." in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_after_two_the_chosen_morning_time_is_stored(patient_client, morning_plan):
    with time_machine.travel(datetime(2026, 11, 25, 19, 30, tzinfo=UTC), tick=False):
        patient_client.post(
            reverse("journal:taken_at", args=[TONIGHT]),
            {"submission_id": str(uuid.uuid4()), "time": "08:10"},
        )
    entry = NightlyEntry.objects.get()
    assert entry.taken_at == datetime(2026, 11, 25, 8, 10, tzinfo=UTC)


def test_the_clinic_can_move_the_morning_window_end(patient_client, morning_plan, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(16, 0)
    with time_machine.travel(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(HOME).content.decode()
    assert ASK not in page
