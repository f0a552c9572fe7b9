"""A saved score can be cleared without JavaScript. A radio cannot be unchecked in a browser,
so once a check-in said "Pain 6" every later post of the form sent a score again: each 0-10
scale ends in a "No answer" key, and choosing it (a plain form post) clears the score."""

import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry, SymptomScale
from tests.patients.journal_support import TONIGHT, make_plan

pytestmark = pytest.mark.django_db

MORNING_AFTER = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
URL = reverse("journal:morning", args=[TONIGHT])
SAVED = {"sleep_quality": "6", "dreams": "vivid", "dream_intensity": "8", "pain": "6"}
SAVED |= {"fatigue": "4", "mood": "7"}


class CheckinForm(HTMLParser):
    """What a browser would post from the check-in form as it is drawn: its hidden and
    text inputs, the checked radios and the textareas; and each radio's value by its label's
    text as a screen reader reads it (aria-hidden parts left out), to choose one by name."""

    def __init__(self):
        super().__init__()
        self.data, self.radios, self._in_form, self._label, self._textarea = (
            {},
            {},
            False,
            None,
            None,
        )
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("data-offline") == "morning":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "span" and (self._hidden or attrs.get("aria-hidden") == "true"):
            self._hidden += 1
        elif tag == "label":
            self._label = []
        elif tag == "input" and attrs.get("type") == "radio":
            self._radio = (attrs["name"], attrs.get("value", ""))
            if "checked" in attrs:
                self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("type") in ("hidden", "text"):
            self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""

    def handle_data(self, data):
        if self._label is not None and not self._hidden:
            self._label.append(data)
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._hidden:
            self._hidden -= 1
        elif tag == "form":
            self._in_form = False
        elif tag == "label" and self._label is not None:
            name, value = self._radio
            self.radios.setdefault(name, {})[" ".join("".join(self._label).split())] = value
            self._label = None
        elif tag == "textarea":
            self._textarea = None


def drawn_form(client) -> CheckinForm:
    parser = CheckinForm()
    parser.feed(client.get(URL).content.decode())
    return parser


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
