"""A saved score can be cleared without JavaScript. A radio cannot be unchecked in a browser,
so once a check-in said "Pain 6" every later post of the form sent a score again: each 0-10
scale ends in a "No answer" key, and choosing it (a plain form post) clears the score."""

import uuid
from datetime import UTC, datetime

import pytest
import time_machine

from patients.models import NightlyEntry, SymptomScale
from tests.patients.clear_a_score_support import URL, drawn_form
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

MORNING_AFTER = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SAVED = {"sleep_quality": "6", "dreams": "vivid", "dream_intensity": "8", "pain": "6"}
SAVED |= {"fatigue": "4", "mood": "7"}


@pytest.fixture
def saved_checkin(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    scale = SymptomScale.objects.create(patient=patient_a, name="Brain fog")
    with time_machine.travel(MORNING_AFTER, tick=False):
        posted = {"submission_id": str(uuid.uuid4()), f"scale_{scale.pk}": "5", **SAVED}
        assert patient_client.post(URL, posted).status_code == 302
        yield scale


SCORES = ["sleep_quality", "dream_intensity", "pain", "fatigue", "mood"]


@pytest.mark.parametrize("name", SCORES)
def test_a_saved_score_is_cleared_by_choosing_no_answer_on_the_form(
    patient_client, saved_checkin, name
):
    form = drawn_form(patient_client)
    assert form.data[name] == SAVED[name]  # the saved score is checked
    form.data[name] = form.radios[name]["No answer"]
    form.data["submission_id"] = str(uuid.uuid4())
    assert patient_client.post(URL, form.data).status_code == 302
    entry = NightlyEntry.objects.get()
    assert getattr(entry, name) is None
    others = {other: str(getattr(entry, other)) for other in SCORES if other != name}
    assert others == {other: SAVED[other] for other in SCORES if other != name}
    assert entry.dreams == "vivid"


def test_a_saved_extra_scale_score_is_cleared_by_choosing_no_answer(patient_client, saved_checkin):
    name = f"scale_{saved_checkin.pk}"
    form = drawn_form(patient_client)
    assert form.data[name] == "5"
    form.data[name] = form.radios[name]["No answer"]
    form.data["submission_id"] = str(uuid.uuid4())
    assert patient_client.post(URL, form.data).status_code == 302
    entry = NightlyEntry.objects.get()
    assert not entry.extra_scores.exists()
    assert entry.pain == 6


def test_a_fresh_check_in_shows_no_answer_chosen_on_each_scale(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    with time_machine.travel(MORNING_AFTER, tick=False):
        form = drawn_form(patient_client)
    for name in ("sleep_quality", "pain", "fatigue", "mood", "dream_intensity"):
        assert form.radios[name]["No answer"] == ""
        assert form.data[name] == ""  # nothing answered yet: the "No answer" key is chosen
