"""The "when did you take it?" card kept on the phone and sent later is answered as every other
replay: JSON, with the moment the patient acted and the offline mark (a redirect to HTML left
it on the phone for good as "sign in again", although the server had saved it)."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry, Submission
from tests.patients.journal_support import TONIGHT, make_plan

pytestmark = pytest.mark.django_db

REPLAY = {"HTTP_X_LDN_REPLAY": "1"}
TAKEN_AT = reverse("journal:taken_at", args=[TONIGHT])
# London in November is UTC. The morning after, past the dosing window, the card asks when;
# the patient answered it offline at 09:00 and the phone sent it at 11:26.
ACTED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SENT = datetime(2026, 11, 26, 11, 26, tzinfo=UTC)
ACTED_TEXT = ACTED.isoformat()


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


def replay(client, submission_id, time="23:40", acted_at=ACTED_TEXT, sent=SENT):
    with time_machine.travel(sent, tick=False):
        return client.post(
            TAKEN_AT,
            {"submission_id": submission_id, "time": time, "acted_at": acted_at},
            **REPLAY,
        )


def test_a_replayed_taken_at_answers_json_and_keeps_the_moment_the_patient_acted(
    patient_client, plan
):
    response = replay(patient_client, str(uuid.uuid4()))
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "message": "Sent: saved with the time you logged it on this phone.",
    }
    entry = NightlyEntry.objects.get()
    assert entry.night == TONIGHT
    assert entry.status == NightlyEntry.Status.TAKEN
    assert entry.dose_mg == Decimal("1.5")
    assert entry.taken_at == datetime(2026, 11, 25, 23, 40, tzinfo=UTC)
    assert entry.evening_logged_at == ACTED
    assert entry.logged_offline


def test_a_second_replay_of_the_same_taken_at_changes_nothing(patient_client, plan):
    submission = str(uuid.uuid4())
    replay(patient_client, submission)
    first = NightlyEntry.objects.get()
    again = replay(patient_client, submission, sent=datetime(2026, 11, 26, 11, 50, tzinfo=UTC))
    assert again.status_code == 200
    assert again.json()["ok"] is True
    entry = NightlyEntry.objects.get()
    assert (entry.taken_at, entry.evening_logged_at, entry.updated_at) == (
        first.taken_at,
        first.evening_logged_at,
        first.updated_at,
    )
    assert Submission.objects.count() == 1


def test_a_replayed_taken_at_with_a_time_that_is_not_a_time_is_refused_as_json(
    patient_client, plan
):
    response = replay(patient_client, str(uuid.uuid4()), time="25:00")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": "Enter the time you took it like 22:15."}
    assert not NightlyEntry.objects.exists()


def test_a_replayed_taken_at_without_a_valid_moment_is_refused_as_json(patient_client, plan):
    response = replay(patient_client, str(uuid.uuid4()), acted_at="yesterday")
    assert response.status_code == 409
    assert response.json()["ok"] is False
    assert "no valid time" in response.json()["message"]
    assert not NightlyEntry.objects.exists()


def test_a_replayed_taken_at_with_nothing_prescribed_that_night_is_refused_as_json(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, start=datetime(2026, 11, 30, tzinfo=UTC).date())
    response = replay(patient_client, str(uuid.uuid4()))
    assert response.status_code == 409
    assert response.json() == {
        "ok": False,
        "message": "No dose is prescribed that night: use Different dose or time.",
    }
    assert not NightlyEntry.objects.exists()


def test_a_replayed_taken_at_older_than_the_nights_log_is_refused_as_json(patient_client, plan):
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), tick=False):
        patient_client.post(TAKEN_AT, {"submission_id": str(uuid.uuid4()), "time": "22:00"})
    response = replay(patient_client, str(uuid.uuid4()))  # answered at 09:00, sent at 11:26
    assert response.status_code == 409
    assert "that newer log was kept" in response.json()["message"]
    assert NightlyEntry.objects.get().taken_at == datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
