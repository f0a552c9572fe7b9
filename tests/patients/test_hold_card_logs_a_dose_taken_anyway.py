"""On hold, the home card offered only "I'm having a bad reaction": a dose taken during a hold
(the opioid or surgery case the clinician most needs to hear of) could be logged only through
History, the night, Log a dose. The card offers "Log a dose you took anyway", as it does for an
ended prescription, and it leads to the one dose page: the same form, rules and flag."""

import re
import uuid
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = pytest.mark.django_db

LINK = "Log a dose you took anyway"


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def held(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a, hold_from=date(2026, 11, 20))


def _card(client) -> str:
    html = client.get(reverse("journal:home")).content.decode()
    return html.split('id="tonight-title"', 1)[1].split("</section>", 1)[0]


def test_the_card_on_hold_offers_to_log_a_dose_taken_anyway_on_tonights_dose_page(
    patient_client, held
):
    card = _card(patient_client)
    assert "Paused by your clinician — do not take LDN" in card
    link = re.search(rf'<a class="text-target" href="([^"]+)">{LINK}</a>', card)
    assert link is not None
    assert link.group(1) == reverse("journal:evening", args=[TONIGHT])


def test_the_dose_taken_on_hold_through_the_cards_link_is_stored_as_the_dose_page_stores_it(
    patient_client, held
):
    card = _card(patient_client)
    url = re.search(rf'href="([^"]+)">{LINK}</a>', card).group(1)
    patient_client.post(
        url,
        {"submission_id": str(uuid.uuid4()), "dose": "1.5", "taken_at": "2026-11-25T21:30"},
    )
    entry = NightlyEntry.objects.get(night=TONIGHT)
    assert entry.status == "taken"
    assert entry.prescribed_mg is None  # nothing was prescribed: the plan was on hold
    assert LINK not in _card(patient_client)  # logged: the card shows the dose
