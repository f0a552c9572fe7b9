"""A dose minutes after another: after flying east a patient has a new tonight minutes after
logging the last one, and "Taken now" stored a second dose 7 seconds after the first (found
by exploratory testing). LDN is taken once a day: the card says what was logged and when,
and "Taken now" is refused; the dose form still records what was taken."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts.time_zones import SESSION_KEY
from patients.models import NightlyEntry
from patients.rules.doses import dose_too_soon
from tests.patients.journal_support import NOW, TONIGHT, make_plan

HOME = reverse("journal:home")
TAKEN = reverse("journal:taken_now")
NEXT = TONIGHT + timedelta(days=1)
HOURS = 8


# --- The rule -----------------------------------------------------------------------------


def _at(hours_before):
    return NOW - timedelta(hours=hours_before)


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        ([], None),
        ([(TONIGHT, _at(0.1))], (TONIGHT, _at(0.1))),
        ([(TONIGHT, _at(7.99))], (TONIGHT, _at(7.99))),
        ([(TONIGHT, _at(8))], None),  # eight hours is not too soon
        ([(TONIGHT, None)], None),  # skipped: no time
        ([(NEXT, _at(0.1))], None),  # the same night: the card shows it as logged
        ([(TONIGHT, NOW + timedelta(minutes=5))], None),  # not before the moment
        (
            [(TONIGHT - timedelta(days=1), _at(7)), (TONIGHT, _at(1))],
            (TONIGHT, _at(1)),  # the newest
        ),
    ],
)
def test_a_dose_on_another_night_less_than_eight_hours_before_is_too_soon(taken, expected):
    assert dose_too_soon(taken, NEXT, NOW, HOURS) == expected


# --- The card and Taken now ---------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def flew_east(patient_client, patient_a, clinician_a):
    """Taken now in London at 22:00 (night of 25 Nov), then Kiritimati seven minutes later:
    12:07 on 26 Nov there, so tonight is the 26th."""
    make_plan(patient_a, clinician_a)
    with time_machine.travel(NOW, tick=False):
        assert patient_client.post(TAKEN, {"submission_id": uuid.uuid4()}).status_code == 302
    patient_a.time_zone = "Pacific/Kiritimati"
    patient_a.save(update_fields=["time_zone"])
    session = patient_client.session
    session[SESSION_KEY] = "Pacific/Kiritimati"
    session.save()
    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        yield patient_client


def _said(html):
    found = re.search(r'<p class="message warning" role="status">([^<]*)</p>', html)
    return found and found.group(1)


def test_the_card_says_a_dose_was_just_logged_instead_of_taken_now(flew_east):
    page = flew_east.get(HOME).content.decode()
    assert "Thu 26 Nov" in page  # tonight in Kiritimati
    assert TAKEN not in page
    said = _said(page)
    assert said.startswith("You logged a dose 7\xa0minutes ago, for the night of Wednesday 25 Nov")
    assert "LDN is taken once a day" in said
    assert reverse("journal:evening", args=[NEXT]) in page


def test_taken_now_is_refused_with_the_cards_words_and_nothing_is_stored(flew_east):
    card = _said(flew_east.get(HOME).content.decode())
    response = flew_east.post(TAKEN, {"submission_id": uuid.uuid4()}, follow=True)
    assert NightlyEntry.objects.count() == 1
    assert [str(m) for m in response.context["messages"]] == [card.replace("&ldquo;", "“")]


def test_an_offline_replay_is_refused_too(flew_east):
    # Tapped offline a minute after the move, sent now.
    acted = (NOW + timedelta(minutes=6)).isoformat()
    response = flew_east.post(
        TAKEN, {"submission_id": uuid.uuid4(), "acted_at": acted}, HTTP_X_LDN_REPLAY="1"
    )
    assert NightlyEntry.objects.count() == 1
    assert "LDN is taken once a day" in response.content.decode()


def test_the_dose_form_still_records_a_second_dose(flew_east):
    response = flew_east.post(
        reverse("journal:evening", args=[NEXT]),
        {
            "dose": "1.5",
            "taken_at": "2026-11-26T12:05",
            "submission_id": uuid.uuid4(),
        },
    )
    assert response.status_code == 302
    assert NightlyEntry.objects.filter(night=NEXT, status="taken").exists()


def test_eight_hours_later_taken_now_is_offered_and_saves(patient_client, flew_east):
    with time_machine.travel(NOW + timedelta(hours=8), tick=False):
        assert TAKEN in patient_client.get(HOME).content.decode()
        patient_client.post(TAKEN, {"submission_id": uuid.uuid4()})
    assert NightlyEntry.objects.get(night=NEXT).taken_at == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert date(2026, 11, 26) == NEXT
