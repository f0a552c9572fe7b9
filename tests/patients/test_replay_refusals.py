"""A replay the journal refuses before any view code answers (a night it may not log, an
expired CSRF token) is answered as JSON: the phone reads any other answer as "signed out" and
kept such an entry for good as "Not sent yet: sign in again" (found by exploratory testing).
Ordinary submits keep Django's HTML 404 and 403."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from patients.models import NightlyEntry, Submission
from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = pytest.mark.django_db

REPLAY = {"HTTP_X_LDN_REPLAY": "1"}
# After moving to a zone further west, the phone may hold an entry for a night after tonight.
AFTER_TONIGHT = TONIGHT + timedelta(days=1)
NIGHT_URLS = ("journal:taken_at", "journal:evening", "journal:skip", "journal:morning")
NIGHT_REFUSAL = {
    "ok": False,
    "message": (
        "This entry kept on the phone cannot be saved for that night. Enter it again on the card."
    ),
}
EXPIRED = {
    "ok": False,
    "retry": True,
    "message": (
        "The page had expired, so this entry kept on the phone was not sent yet. "
        "Open the app again, and it will be sent."
    ),
}


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


def form(**extra):
    return {
        "submission_id": str(uuid.uuid4()),
        "acted_at": NOW.isoformat(),
        "time": "22:00",
        "reason": "forgot",
        **extra,
    }


def post(client, url, data=None, **headers):
    with time_machine.travel(NOW, tick=False):
        return client.post(url, data or form(), **headers)


def nothing_stored():
    return not NightlyEntry.objects.exists() and not Submission.objects.exists()


@pytest.mark.parametrize("name", NIGHT_URLS)
def test_a_replay_for_a_night_after_tonight_is_refused_as_json_and_nothing_is_stored(
    patient_client, plan, name
):
    response = post(patient_client, reverse(name, args=[AFTER_TONIGHT]), **REPLAY)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NIGHT_REFUSAL
    assert nothing_stored()


@pytest.mark.parametrize("suffix", ["taken-at", "dose", "skip", "morning"])
def test_a_replay_for_a_night_that_is_not_a_date_is_refused_as_json(patient_client, plan, suffix):
    response = post(patient_client, f"/journal/night/2026-02-30/{suffix}/", **REPLAY)
    assert response.status_code == 404
    assert response.json() == NIGHT_REFUSAL
    assert nothing_stored()


def test_the_refusal_is_in_the_patients_language(patient_client, patient_a, plan):
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])
    response = post(patient_client, reverse("journal:skip", args=[AFTER_TONIGHT]), **REPLAY)
    assert response.json()["message"].startswith("Dieser auf dem Telefon gespeicherte Eintrag")


@pytest.mark.parametrize("name", NIGHT_URLS)
def test_an_ordinary_submit_for_a_night_after_tonight_is_still_the_html_404(
    patient_client, plan, name
):
    response = post(patient_client, reverse(name, args=[AFTER_TONIGHT]))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert nothing_stored()


def test_a_replay_from_someone_who_is_not_a_patient_is_still_the_html_404(clinician_client, plan):
    response = post(clinician_client, reverse("journal:skip", args=[TONIGHT]), **REPLAY)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def strict_client(patient_a):
    """A browser whose CSRF checks are enforced (the test client skips them by default)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient_a.user)
    client.get(reverse("journal:outbox_token"))  # the CSRF cookie, as the phone has it
    return client


@pytest.mark.parametrize("name", ["journal:taken_now", *NIGHT_URLS])
def test_a_replay_with_an_expired_csrf_token_is_kept_for_the_next_run_as_json(
    strict_client, plan, name
):
    url = reverse(name) if name == "journal:taken_now" else reverse(name, args=[TONIGHT])
    data = form(csrfmiddlewaretoken="x" * 64)
    response = post(strict_client, url, data, **REPLAY)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == EXPIRED
    assert nothing_stored()


def test_an_ordinary_submit_with_an_expired_csrf_token_is_still_the_html_403(strict_client, plan):
    data = form(csrfmiddlewaretoken="x" * 64)
    response = post(strict_client, reverse("journal:taken_now"), data)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert nothing_stored()


def test_a_signed_out_replay_with_an_expired_csrf_token_stays_html_so_it_waits_for_sign_in(
    plan,
):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("account_login"))
    data = form(csrfmiddlewaretoken="x" * 64)
    response = post(client, reverse("journal:taken_now"), data, **REPLAY)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
