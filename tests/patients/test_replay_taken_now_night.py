"""The one tap names the night its card was for, and the server judges the tap against that
night. A Taken now kept by the service worker (the page's script had not caught the offline
post) named no night: tapped on a card kept since the night before and sent the next day, it
was filed as the next night's dose, at the moment of the tap. It is now refused with the
reason, and the phone keeps it until the patient dismisses it."""

import html
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry, Submission
from tests.patients.journal_support import TONIGHT, make_plan

pytestmark = pytest.mark.django_db

REPLAY = {"HTTP_X_LDN_REPLAY": "1"}
TAKEN = reverse("journal:taken_now")
PAST_WINDOW = (
    "It is past the night's dosing window, so the time now would be wrong. Say when you took it."
)
# London in November is UTC. The card for the night of the 25th (1.5 mg), kept on the phone.
NEXT_EVENING = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)  # the tap, on that kept card
AFTER_MIDNIGHT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # still the 25th's window
NEXT_MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SENT = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
CARD_NIGHT = TONIGHT.isoformat()


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


def replay_tap(client, acted_at, night=CARD_NIGHT, submission_id=None):
    with time_machine.travel(SENT, tick=False):
        return client.post(
            TAKEN,
            {
                "submission_id": submission_id or str(uuid.uuid4()),
                "night": night,
                "acted_at": acted_at.isoformat(),
            },
            **REPLAY,
        )


def test_a_kept_tap_for_a_night_sent_after_that_nights_window_is_refused_with_the_reason(
    patient_client, plan
):
    submission_id = str(uuid.uuid4())
    response = replay_tap(patient_client, NEXT_EVENING, submission_id=submission_id)
    assert response.status_code == 409
    assert response.json() == {"ok": False, "message": PAST_WINDOW}
    # Not the next night's dose either: nothing stored, so it stays on the phone.
    assert not NightlyEntry.objects.exists()
    assert not Submission.objects.filter(pk=submission_id).exists()


def test_a_kept_tap_made_after_midnight_within_the_cards_window_is_that_nights_dose(
    patient_client, plan
):
    response = replay_tap(patient_client, AFTER_MIDNIGHT)
    assert response.json()["ok"] is True
    entry = NightlyEntry.objects.get()
    assert (entry.night, entry.taken_at) == (TONIGHT, AFTER_MIDNIGHT)
    assert entry.logged_offline


def test_a_kept_tap_for_a_night_its_moment_has_not_reached_is_refused(patient_client, plan):
    # Tapped at 09:00 on the 26th on a card for the night of the 26th: not begun at 09:00.
    response = replay_tap(patient_client, NEXT_MORNING, night="2026-11-26")
    assert response.status_code == 409
    assert "has a time before its night began" in response.json()["message"]
    assert not NightlyEntry.objects.exists()


@pytest.mark.parametrize("night", ["2026-11-31", "26/11/2026", "0001-01-01", "2026-W48-3"])
def test_a_kept_tap_naming_no_real_night_is_refused_and_nothing_is_stored(
    patient_client, plan, night
):
    response = replay_tap(patient_client, NEXT_EVENING, night=night)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": "This form has expired. Please try again."}
    assert not NightlyEntry.objects.exists()


def test_a_kept_tap_for_a_night_beyond_the_retro_window_is_refused(patient_client, plan):
    response = replay_tap(patient_client, NEXT_EVENING, night="2026-11-02")
    assert response.status_code == 409
    assert "can no longer be saved" in response.json()["message"]
    assert not NightlyEntry.objects.exists()


def test_a_kept_tap_from_a_form_that_names_no_night_is_filed_by_its_moment(patient_client, plan):
    """A form drawn before forms named their night (kept on a phone across the update)."""
    response = replay_tap(patient_client, NEXT_EVENING, night="")
    assert response.json()["ok"] is True
    assert NightlyEntry.objects.get().night == NEXT_EVENING.date()


def test_an_online_tap_on_a_card_left_open_since_the_night_before_logs_nothing(
    patient_client, plan
):
    with time_machine.travel(NEXT_EVENING, tick=False):
        response = patient_client.post(
            TAKEN, {"submission_id": str(uuid.uuid4()), "night": TONIGHT.isoformat()}, follow=True
        )
    assert PAST_WINDOW in html.unescape(response.content.decode())
    assert not NightlyEntry.objects.exists()


def test_the_tonight_card_names_its_night_in_the_one_tap_form(patient_client, plan):
    with time_machine.travel(datetime(2026, 11, 25, 21, 30, tzinfo=UTC), tick=False):
        page = patient_client.get(reverse("journal:home")).content.decode()
    assert '<input type="hidden" name="night" value="2026-11-25">' in page
