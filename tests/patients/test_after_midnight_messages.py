"""After midnight an evening doser's card says "Last night": the messages after a tap or an
undo said "tonight" of that same night ("Undone: tonight is not logged." under "Last night ·
Thu 26 Nov")."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

AT_0100 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # London is on GMT: the night of the 26th
AT_2130 = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)
TAKEN = reverse("journal:taken_now")


def _sid():
    return str(uuid.uuid4())


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a, start=date(2026, 11, 1))


def _messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (AT_2130, "Undone: tonight is not logged."),
        (AT_0100, "Undone: last night is not logged."),
    ],
)
def test_the_undo_message_names_the_night_as_the_card_does(patient_client, plan, at, said):
    with time_machine.travel(at, tick=False):
        patient_client.post(TAKEN, {"submission_id": _sid()})
        entry = NightlyEntry.objects.get()
    with time_machine.travel(at + timedelta(minutes=2), tick=False):
        response = patient_client.post(
            reverse("journal:undo", args=[entry.pk]), {"submission_id": _sid()}, follow=True
        )
    assert said in _messages(response)


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (AT_2130, "Tonight was already logged; nothing was changed."),
        (AT_0100, "Last night was already logged; nothing was changed."),
    ],
)
def test_a_second_tap_says_the_night_as_the_card_does(patient_client, plan, at, said):
    with time_machine.travel(at, tick=False):
        patient_client.post(TAKEN, {"submission_id": _sid()})
        response = patient_client.post(TAKEN, {"submission_id": _sid()}, follow=True)
    assert said in _messages(response)


def test_the_undo_message_is_said_in_spanish(patient_client, patient_a, plan):
    patient_a.user.language = "es"
    patient_a.user.save(update_fields=["language"])
    with time_machine.travel(AT_0100, tick=False):
        patient_client.post(TAKEN, {"submission_id": _sid()})
        entry = NightlyEntry.objects.get()
        response = patient_client.post(
            reverse("journal:undo", args=[entry.pk]), {"submission_id": _sid()}, follow=True
        )
    assert "Deshecho: la dosis de anoche no está registrada." in _messages(response)
