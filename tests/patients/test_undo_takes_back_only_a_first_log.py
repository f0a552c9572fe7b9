"""Undo takes back a log just made (a one-tap Taken now, a first dose or skip) within its
minutes, never an edit: QA edited the dose of a night logged two days before, then undid
within ten minutes, and the night's dose, time and bedtime were wiped ("Undone: tonight is
not logged" of 3 December). One rule (journal.can_undo) decides whether the home card offers
Undo and whether the undo is done; these tests hold the two to it."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.journal import entries as journal
from patients.models import NightlyEntry
from tests.patients.journal_support import make_plan, visible_text

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
# London in winter: local time is UTC.
OLDER_NIGHT = date(2026, 12, 3)
LOGGED_AT = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
EDITED_AT = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # Saturday afternoon: tonight is 5 Dec
LAST_NIGHT = date(2026, 12, 4)
LAST_NIGHT_TAP = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # before noon: the card shows 4 Dec
TONIGHT = date(2026, 12, 5)
TAP = datetime(2026, 12, 5, 21, 30, tzinfo=UTC)


def sid():
    return str(uuid.uuid4())


@pytest.fixture
def plan(patient_a, clinician_a):
    patient_a.created_at = datetime(2026, 10, 1, tzinfo=UTC)
    patient_a.save()
    return make_plan(patient_a, clinician_a)


def log_dose(client, night, at, dose, *, bedtime=""):
    """The night's dose saved on its page (/journal/night/<night>/dose/) at ``at``."""
    with time_machine.travel(at, tick=False):
        response = client.post(
            reverse("journal:evening", args=[night]),
            {
                "submission_id": sid(),
                "dose": dose,
                "taken_at": f"{night:%Y-%m-%d}T21:18",
                "bedtime": bedtime,
            },
        )
    assert response.status_code == 302, response.context["form"].errors


def undo(client, entry, at):
    with time_machine.travel(at, tick=False):
        return client.post(
            reverse("journal:undo", args=[entry.pk]), {"submission_id": sid()}, follow=True
        )


def tap_taken_now(client, at):
    with time_machine.travel(at, tick=False):
        client.post(reverse("journal:taken_now"), {"submission_id": sid()})


def card_offers_undo(client, entry, at) -> bool:
    with time_machine.travel(at, tick=False):
        html = client.get(HOME).content.decode()
    return reverse("journal:undo", args=[entry.pk]) in html


def said_last(response) -> str:
    """The last message on the page the undo led to (a save before it left its own)."""
    return [str(message) for message in response.context["messages"]][-1]


def evening_part(entry):
    entry.refresh_from_db()
    return (entry.status, entry.dose_mg, entry.taken_at, entry.bedtime)


def test_undo_after_editing_an_older_nights_dose_keeps_the_night_as_edited(patient_client, plan):
    log_dose(patient_client, OLDER_NIGHT, LOGGED_AT, "3", bedtime="2026-12-03T22:40")
    log_dose(patient_client, OLDER_NIGHT, EDITED_AT, "4", bedtime="2026-12-03T22:40")
    entry = NightlyEntry.objects.get(night=OLDER_NIGHT)
    edited = evening_part(entry)
    assert edited[:2] == ("taken", Decimal("4"))
    assert edited[3] is not None

    response = undo(patient_client, entry, EDITED_AT + timedelta(minutes=2))

    assert evening_part(entry) == edited
    said = said_last(response)
    assert "Nothing was undone" in said
    assert "Thursday 3 December" in said
    assert "tonight" not in said.lower()
    assert "Dose: Not logged" not in visible_text(response.content.decode())


def test_the_home_card_offers_no_undo_after_last_nights_dose_is_edited_next_morning(
    patient_client, plan
):
    tap_taken_now(patient_client, LAST_NIGHT_TAP)
    entry = NightlyEntry.objects.get(night=LAST_NIGHT)
    log_dose(patient_client, LAST_NIGHT, NEXT_MORNING, "3")
    shortly = NEXT_MORNING + timedelta(minutes=1)
    logged = evening_part(entry)

    assert not card_offers_undo(patient_client, entry, shortly)
    assert not journal.can_undo(entry, shortly)
    response = undo(patient_client, entry, shortly)
    assert evening_part(entry) == logged
    said = said_last(response)
    assert said.startswith("Last night, Friday 4 December: Nothing was undone")


def test_adding_a_bedtime_after_taken_now_ends_the_undo(patient_client, plan):
    tap_taken_now(patient_client, TAP)
    entry = NightlyEntry.objects.get(night=TONIGHT)
    log_dose(patient_client, TONIGHT, TAP + timedelta(minutes=1), "1.5", bedtime="2026-12-05T21:25")
    at = TAP + timedelta(minutes=2)
    assert not card_offers_undo(patient_client, entry, at)
    undo(patient_client, entry, at)
    assert evening_part(entry)[0] == "taken"


@pytest.mark.parametrize("minutes", [0, 5, 10])
def test_taken_now_is_undone_within_its_ten_minutes(patient_client, plan, minutes):
    tap_taken_now(patient_client, TAP)
    entry = NightlyEntry.objects.get(night=TONIGHT)
    at = TAP + timedelta(minutes=minutes)
    assert card_offers_undo(patient_client, entry, at)
    response = undo(patient_client, entry, at)
    assert evening_part(entry) == ("", None, None, None)
    assert said_last(response) == "Undone: tonight is not logged."


def test_one_second_past_the_ten_minutes_the_undo_is_refused(patient_client, plan):
    tap_taken_now(patient_client, TAP)
    entry = NightlyEntry.objects.get(night=TONIGHT)
    at = TAP + timedelta(minutes=10, seconds=1)
    assert not card_offers_undo(patient_client, entry, at)
    response = undo(patient_client, entry, at)
    assert evening_part(entry)[0] == "taken"
    said = said_last(response)
    assert "Undo is possible for 10 minutes" in said


def test_a_first_log_of_an_older_night_undone_names_that_night(patient_client, plan):
    log_dose(patient_client, OLDER_NIGHT, EDITED_AT, "3")
    entry = NightlyEntry.objects.get(night=OLDER_NIGHT)
    response = undo(patient_client, entry, EDITED_AT + timedelta(minutes=1))
    assert evening_part(entry)[0] == ""
    assert said_last(response) == "Undone. The night of Thursday 3 December 2026: not logged."


def test_a_skip_just_logged_is_undone(patient_client, plan):
    with time_machine.travel(TAP, tick=False):
        patient_client.post(
            reverse("journal:skip", args=[TONIGHT]),
            {"submission_id": sid(), "reason": "forgot"},
        )
    entry = NightlyEntry.objects.get(night=TONIGHT)
    assert entry.status == "skipped"
    undo(patient_client, entry, TAP + timedelta(minutes=3))
    assert evening_part(entry)[0] == ""


# The card, the rule and the undo agree: each case is a night as logged, then a moment.
def _tap(client):
    tap_taken_now(client, TAP)
    return TONIGHT, TAP + timedelta(minutes=5)


def _tap_late(client):
    tap_taken_now(client, TAP)
    return TONIGHT, TAP + timedelta(minutes=11)


def _tap_then_edit(client):
    tap_taken_now(client, TAP)
    log_dose(client, TONIGHT, TAP + timedelta(minutes=2), "3")
    return TONIGHT, TAP + timedelta(minutes=3)


def _last_night_edited_in_the_morning(client):
    tap_taken_now(client, LAST_NIGHT_TAP)
    log_dose(client, LAST_NIGHT, NEXT_MORNING, "3")
    return LAST_NIGHT, NEXT_MORNING + timedelta(minutes=1)


def _last_night_first_logged_in_the_morning(client):
    log_dose(client, LAST_NIGHT, NEXT_MORNING, "3")
    return LAST_NIGHT, NEXT_MORNING + timedelta(minutes=1)


def _logged_before_undo_knew_first_logs(client):
    tap_taken_now(client, TAP)
    NightlyEntry.objects.filter(night=TONIGHT).update(evening_first_logged_at=None)
    return TONIGHT, TAP + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (_tap, True),
        (_tap_late, False),
        (_tap_then_edit, False),
        (_last_night_edited_in_the_morning, False),
        (_last_night_first_logged_in_the_morning, True),
        (_logged_before_undo_knew_first_logs, False),
    ],
)
def test_the_card_and_the_undo_agree_with_can_undo(patient_client, plan, case, expected):
    night, at = case(patient_client)
    entry = NightlyEntry.objects.get(night=night)
    assert journal.can_undo(entry, at) is expected
    assert card_offers_undo(patient_client, entry, at) is expected
    before = evening_part(entry)
    undo(patient_client, entry, at)
    assert (evening_part(entry) != before) is expected
