"""A night still to come answers 404 on the patient's night pages and queues no message: the
404 left "That night has not started yet." behind, and it showed on the next page, the home
card, where nothing had been refused (found by exploratory QA; the styled 404 page shows it
itself)."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = pytest.mark.django_db

TOMORROW = TONIGHT + timedelta(days=1)


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "journal:evening"),
        ("post", "journal:evening"),
        ("get", "journal:skip"),
        ("post", "journal:skip"),
        ("get", "journal:morning"),
        ("post", "journal:morning"),
        ("post", "journal:taken_at"),
    ],
)
def test_a_night_still_to_come_is_a_404_that_leaves_no_message_for_the_next_page(
    patient_client, patient_a, clinician_a, method, name
):
    make_plan(patient_a, clinician_a)
    send = getattr(patient_client, method)
    response = send(reverse(name, args=[TOMORROW]), {"submission_id": str(uuid.uuid4())})
    assert response.status_code == 404
    # Neither on the 404 page (it renders the messages, as every page does) nor after it.
    assert "not started yet" not in response.content.decode()
    home = patient_client.get(reverse("journal:home")).content.decode()
    assert "not started yet" not in home
