"""The patient's urgent report form: a symptom ticked twice is stored once; bad input gets a
message that says what is allowed, and nothing is stored or sent."""

import uuid
from datetime import UTC, datetime

import pytest

from patients.models import ReminderDelivery, UrgentReport
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db
REPORT_URL = "/journal/reaction/"
GUIDANCE = "If you feel in danger, call your local emergency number now"


def post_data(**overrides):
    data = {
        "submission_id": str(uuid.uuid4()),
        "symptoms": ["vomiting"],
        "since": "within_hour",
        "severity": "severe",
        "text": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_symptom_ticked_twice_is_stored_once(patient_client):
    symptoms = ["vomiting", "racing_heart", "vomiting", "racing_heart"]
    response = patient_client.post(REPORT_URL, post_data(symptoms=symptoms))
    assert "Your report was sent" in response.text
    assert UrgentReport.objects.get().symptoms == ["vomiting", "racing_heart"]


def test_a_report_made_with_a_symptom_twice_stores_it_once(patient_a):
    now = datetime(2026, 3, 30, 21, 0, tzinfo=UTC)
    report = urgent_report(patient_a, now, symptoms=["panic", "panic", "rash_swelling"])
    report.refresh_from_db()
    assert report.symptoms == ["panic", "rash_swelling"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (post_data(severity=None), "Choose moderate or severe."),
        (post_data(severity=""), "Choose moderate or severe."),
        (post_data(symptoms=["vomiting", "seizure"]), "Choose at least one thing from the list"),
        (post_data(symptoms=None), "Choose at least one thing from the list"),
        (post_data(text="x" * 2001), "Keep it to 2,000 characters or fewer"),
        (post_data(since="yesterday"), "Choose when it started."),
    ],
    ids=["no-severity", "blank-severity", "unknown-among-known", "no-symptom", "2001", "since"],
)
def test_bad_input_is_refused_with_what_is_allowed_and_nothing_is_stored(
    patient_client, data, message
):
    response = patient_client.post(REPORT_URL, data)
    assert response.status_code == 200  # the form again, with the message beside the field
    assert message in response.text
    assert GUIDANCE in response.text  # the guidance shows whatever was typed
    assert "Your report was sent" not in response.text
    assert UrgentReport.objects.count() == 0
    assert ReminderDelivery.objects.count() == 0


def test_a_text_of_2000_characters_is_taken(patient_client):
    patient_client.post(REPORT_URL, post_data(text="x" * 2000))
    assert len(UrgentReport.objects.get().text) == 2000
