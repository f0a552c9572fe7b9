"""A Taken now kept on the phone for a night logged meanwhile with something else (a skip, a
different dose; online or on another device) is refused and kept on the phone with what the
night says: it was answered "already logged" as a success, and the phone dropped the tap
without a word (found by exploratory QA); so was one for a night taken meanwhile with the same
dose, a possible second dose unseen. The same submission sent twice is still "sent"."""

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
SKIP = reverse("journal:skip", args=[TONIGHT])
DOSE = reverse("journal:evening", args=[TONIGHT])
ALREADY = "This night was already logged, online or on another device: "
KEPT = "That log was kept and this tap was not saved."

# London in November is UTC: the evening of the 25th (1.5 mg prescribed that night).
AT_2100 = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
AT_2130 = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)
SENT = datetime(2026, 11, 25, 22, 55, tzinfo=UTC)


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


def online(client, url, when, **data):
    with time_machine.travel(when, tick=False):
        response = client.post(url, {"submission_id": str(uuid.uuid4()), **data})
    assert response.status_code == 302  # saved
    return response


def replay_tap(client, submission_id=None, **headers):
    with time_machine.travel(SENT, tick=False):
        return client.post(
            TAKEN,
            {"submission_id": submission_id or str(uuid.uuid4()), "acted_at": AT_2130.isoformat()},
            **REPLAY,
            **headers,
        )


def test_a_kept_taken_now_for_a_night_skipped_meanwhile_is_refused_with_what_the_night_says(
    patient_client, plan
):
    online(patient_client, SKIP, AT_2100, reason="forgot")
    submission_id = str(uuid.uuid4())
    response = replay_tap(patient_client, submission_id)
    assert response.status_code == 409
    assert response.json() == {
        "ok": False,
        "message": ALREADY
        + "skipped (I forgot). "
        + KEPT
        + " Check the night and change it there if needed.",
    }
    entry = NightlyEntry.objects.get()
    assert entry.status == NightlyEntry.Status.SKIPPED
    assert entry.skip_reason == "forgot"
    assert not entry.logged_offline
    # Nothing of the tap was stored: sent again later it is judged again, not "already sent".
    assert not Submission.objects.filter(pk=submission_id).exists()


def test_a_kept_taken_now_for_a_night_logged_with_another_dose_names_that_dose_and_time(
    patient_client, plan
):
    online(patient_client, DOSE, AT_2100, dose="3", taken_at="2026-11-25T20:45")
    response = replay_tap(patient_client)
    assert response.status_code == 409
    assert response.json()["message"].startswith(ALREADY + "3 mg taken at Wed 25 Nov, 20:45. ")
    entry = NightlyEntry.objects.get()
    assert entry.dose_mg == 3
    assert entry.taken_at == datetime(2026, 11, 25, 20, 45, tzinfo=UTC)


def test_a_kept_taken_now_for_a_night_already_taken_elsewhere_tells_when_and_is_not_stored_twice(
    patient_client, plan
):
    """The same dose, logged meanwhile by another submission (online, or another device):
    answered "sent", the phone dropped the tap without a word, and a possible second dose
    went unseen. It stays on the phone, saying when the night's dose was logged."""
    online(patient_client, TAKEN, AT_2100)
    submission_id = str(uuid.uuid4())
    response = replay_tap(patient_client, submission_id)
    assert response.status_code == 409
    assert response.json() == {
        "ok": False,
        "message": ALREADY
        + "1.5 mg taken at Wed 25 Nov, 21:00. That log was kept and this tap was not saved "
        "again. If you took a second dose, tell your clinician.",
    }
    entry = NightlyEntry.objects.get()
    assert entry.taken_at == AT_2100
    assert not entry.logged_offline
    assert not Submission.objects.filter(pk=submission_id).exists()


def test_the_same_kept_taken_now_sent_twice_is_sent_both_times_and_stored_once(
    patient_client, plan
):
    submission_id = str(uuid.uuid4())
    first = replay_tap(patient_client, submission_id)
    again = replay_tap(patient_client, submission_id)
    assert first.json() == again.json()
    assert again.json() == {
        "ok": True,
        "message": "Sent: saved with the time you logged it on this phone.",
    }
    entry = NightlyEntry.objects.get()
    assert entry.taken_at == AT_2130
    assert entry.logged_offline
    assert Submission.objects.get().pk == uuid.UUID(submission_id)


def test_an_online_taken_now_on_a_skipped_night_still_says_it_was_already_logged(
    patient_client, plan
):
    online(patient_client, SKIP, AT_2100, reason="forgot")
    with time_machine.travel(AT_2130, tick=False):
        response = patient_client.post(TAKEN, {"submission_id": str(uuid.uuid4())}, follow=True)
    assert "Tonight was already logged; nothing was changed." in response.content.decode()
    assert NightlyEntry.objects.get().status == NightlyEntry.Status.SKIPPED


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", "omitida (se me olvidó)"),
        ("de", "ausgelassen (Ich habe es vergessen)"),
    ],
)
def test_the_refusal_says_what_the_night_holds_in_the_patients_language(
    patient_client, plan, language, words
):
    online(patient_client, SKIP, AT_2100, reason="forgot")
    response = replay_tap(patient_client, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 409
    assert words in response.json()["message"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", "Si tomó una segunda dosis, dígaselo a su profesional sanitario."),
        ("de", "Wenn Sie eine zweite Dosis eingenommen haben, sagen Sie es"),
    ],
)
def test_a_possible_second_dose_is_told_in_the_patients_language(
    patient_client, plan, language, words
):
    online(patient_client, TAKEN, AT_2100)
    response = replay_tap(patient_client, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 409
    assert words in response.json()["message"]
