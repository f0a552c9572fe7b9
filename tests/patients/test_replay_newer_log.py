"""An entry kept on the phone and sent later never replaces a newer log of the same part of
the night (made online or from another device): the phone is told, the newer log stays."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import TONIGHT, make_plan

pytestmark = pytest.mark.django_db

REPLAY = {"HTTP_X_LDN_REPLAY": "1"}
TAKEN = reverse("journal:taken_now")
SKIP = reverse("journal:skip", args=[TONIGHT])
DOSE = reverse("journal:evening", args=[TONIGHT])
MORNING = reverse("journal:morning", args=[TONIGHT])
KEPT = (
    "This night was logged again later, online or on another device, and that newer log was kept."
)

# London in November is UTC: the evening of the 25th, and the morning after.
AT_2051 = datetime(2026, 11, 25, 20, 51, tzinfo=UTC)
AT_2130 = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)
AT_2251 = datetime(2026, 11, 25, 22, 51, tzinfo=UTC)
SENT = datetime(2026, 11, 25, 22, 55, tzinfo=UTC)
AT_0700 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
AT_0830 = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
MORNING_SENT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


def sid():
    return str(uuid.uuid4())


def online(client, url, when, **data):
    with time_machine.travel(when, tick=False):
        response = client.post(url, {"submission_id": sid(), **data})
    assert response.status_code == 302  # saved (a refused form answers the page again)
    return response


def replay(client, url, acted_at, sent, **data):
    with time_machine.travel(sent, tick=False):
        return client.post(
            url, {"submission_id": sid(), "acted_at": acted_at.isoformat(), **data}, **REPLAY
        )


def assert_refused_as_kept(response):
    assert response.status_code == 409
    assert response.json()["ok"] is False
    assert response.json()["message"].startswith(KEPT)
    assert "Check the night and change it there if needed." in response.json()["message"]


def test_an_older_replayed_skip_does_not_replace_a_dose_logged_online_later(patient_client, plan):
    online(patient_client, TAKEN, AT_2251)
    response = replay(patient_client, SKIP, AT_2130, SENT, reason="forgot")
    assert_refused_as_kept(response)
    entry = NightlyEntry.objects.get()
    assert entry.status == NightlyEntry.Status.TAKEN
    assert entry.dose_mg == Decimal("1.5")
    assert entry.taken_at == AT_2251
    assert entry.skip_reason == ""
    assert entry.evening_logged_at == AT_2251
    assert not entry.logged_offline


def test_an_older_replayed_dose_form_does_not_replace_a_skip_logged_online_later(
    patient_client, plan
):
    online(patient_client, SKIP, AT_2251, reason="side_effects")
    response = replay(patient_client, DOSE, AT_2130, SENT, dose="3", taken_at="2026-11-25T21:25")
    assert_refused_as_kept(response)
    entry = NightlyEntry.objects.get()
    assert entry.status == NightlyEntry.Status.SKIPPED
    assert entry.skip_reason == "side_effects"
    assert entry.dose_mg is None
    assert entry.evening_logged_at == AT_2251
    assert not entry.logged_offline


def test_an_older_replayed_morning_check_in_does_not_replace_one_made_online_later(
    patient_client, plan
):
    online(patient_client, MORNING, AT_0830, pain="3")
    response = replay(patient_client, MORNING, AT_0700, MORNING_SENT, pain="8")
    assert_refused_as_kept(response)
    entry = NightlyEntry.objects.get()
    assert entry.pain == 3
    assert entry.morning_logged_at == AT_0830
    assert not entry.logged_offline


@pytest.mark.parametrize(
    ("url", "data", "status"),
    [
        (SKIP, {"reason": "forgot"}, NightlyEntry.Status.SKIPPED),
        (DOSE, {"dose": "3", "taken_at": "2026-11-25T21:25"}, NightlyEntry.Status.TAKEN),
    ],
)
def test_a_replayed_evening_newer_than_the_nights_log_still_replaces_it(
    patient_client, plan, url, data, status
):
    online(patient_client, TAKEN, AT_2051)
    response = replay(patient_client, url, AT_2130, SENT, **data)
    assert response.json()["ok"] is True
    entry = NightlyEntry.objects.get()
    assert entry.status == status
    assert entry.evening_logged_at == AT_2130
    assert entry.logged_offline


def test_a_replayed_morning_newer_than_the_nights_check_in_still_replaces_it(patient_client, plan):
    online(patient_client, MORNING, AT_0700, pain="3")
    response = replay(patient_client, MORNING, AT_0830, MORNING_SENT, pain="8")
    assert response.json()["ok"] is True
    entry = NightlyEntry.objects.get()
    assert entry.pain == 8
    assert entry.morning_logged_at == AT_0830


def test_an_online_edit_still_replaces_a_part_of_the_night_sent_from_the_phone(
    patient_client, plan
):
    replay(patient_client, SKIP, AT_2130, SENT, reason="forgot")
    online(
        patient_client, DOSE, SENT + timedelta(minutes=1), dose="1.5", taken_at="2026-11-25T21:00"
    )
    entry = NightlyEntry.objects.get()
    assert entry.status == NightlyEntry.Status.TAKEN
    assert entry.evening_logged_at == SENT + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("language", "words"),
    [("de", "dieser neuere Eintrag wurde behalten"), ("es", "se ha conservado ese registro")],
)
def test_the_phone_is_told_the_newer_log_was_kept_in_the_patients_language(
    patient_client, plan, language, words
):
    online(patient_client, TAKEN, AT_2251)
    with time_machine.travel(SENT, tick=False):
        response = patient_client.post(
            SKIP,
            {"submission_id": sid(), "acted_at": AT_2130.isoformat(), "reason": "forgot"},
            HTTP_ACCEPT_LANGUAGE=language,
            **REPLAY,
        )
    assert response.status_code == 409
    assert words in response.json()["message"]
