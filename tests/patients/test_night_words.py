"""One word for one night: the home card and the night's own pages (dose, skip, morning,
the entry) name the same night the same way, whatever the hour. At 02:00 an evening
doser's card said "Last night" while the dose page for that night said "Tonight"."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from patients.rules import nights
from tests.patients.journal_support import make_plan
from tests.security.reauth import mark_reauthenticated

# London is on GMT in late November: these UTC moments are the patient's wall clock.
MOMENTS = {
    "21:30": datetime(2026, 11, 25, 21, 30, tzinfo=UTC),
    "02:00": datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
    "08:00": datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
    "11:59": datetime(2026, 11, 26, 11, 59, tzinfo=UTC),
    "12:00": datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
}
WORDS = {"Tonight", "Last night", "Today", "Yesterday"}


def card_word(page: str) -> str:
    found = re.search(r'id="tonight-title"[^>]*>\s*([^<·]+?)\s*·', page)
    assert found, "no card title"
    return found.group(1)


def panel_word(page: str) -> str:
    """The word above the dose on the clinician's plan panel: "Today (26 Nov)" -> "Today"."""
    found = re.search(r'<span class="stat-label">\s*([A-Za-z ]+?) \(', page)
    assert found, "no plan panel heading"
    return found.group(1)


def title_word(page: str) -> str | None:
    for word in sorted(WORDS, key=len, reverse=True):
        if f"{word}, " in page:
            return word
    return None


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("clock", list(MOMENTS))
def test_the_card_and_the_nights_pages_use_one_word_for_tonights_night(
    patient_client, patient_a, clinician_a, dosing_time, clock
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(MOMENTS[clock], tick=False):
        home = patient_client.get(reverse("journal:home")).content.decode()
        word = card_word(home)
        tonight = date.fromisoformat(re.search(r"/journal/night/(\d{4}-\d\d-\d\d)/", home)[1])
        for name in ("journal:evening", "journal:skip", "journal:morning", "journal:night"):
            page = patient_client.get(reverse(name, args=[tonight])).content.decode()
            assert title_word(page) == word, (name, clock)
        # The clinician's plan panel, on the plan page and the patient page, says it too
        # (it said "Tonight" to a morning doser's clinician while the patient read "Today").
        clinic = Client()
        clinic.force_login(clinician_a)
        mark_reauthenticated(clinic, clinician_a)
        for name in ("clinic:plan", "clinic:patient"):
            page = clinic.get(reverse(name, args=[patient_a.pk])).content.decode()
            assert panel_word(page) == word, (name, clock)
    local = MOMENTS[clock]  # London = UTC here
    expected = nights.relative_night(tonight, local.date(), dosing_time)
    assert (
        word
        == {
            nights.TONIGHT: "Tonight",
            nights.LAST_NIGHT: "Last night",
            nights.TODAY: "Today",
        }[expected]
    )


@pytest.mark.parametrize(
    ("dosing_time", "days_back", "said"),
    [
        ("evening", 0, nights.TONIGHT),
        ("evening", 1, nights.LAST_NIGHT),
        ("evening", 2, None),
        ("evening", -1, None),
        ("morning", 0, nights.TODAY),
        ("morning", 1, nights.YESTERDAY),
        ("morning", 2, None),
    ],
)
def test_a_night_is_named_by_the_patients_calendar_day(dosing_time, days_back, said):
    today = date(2026, 11, 26)
    assert nights.relative_night(today - timedelta(days=days_back), today, dosing_time) == said


FILLED_IN = "Your prescribed dose is filled in."


@pytest.mark.parametrize(
    ("hold", "logged", "says_filled_in"),
    [(False, False, True), (True, False, False), (False, True, False)],
    ids=["prescribed dose shown", "plan on hold", "a dose already logged"],
)
def test_the_dose_field_says_the_prescribed_dose_is_filled_in_only_when_it_is(
    patient_client, patient_a, clinician_a, hold, logged, says_filled_in
):
    """A paused patient's dose page said so over an empty field (found by an exploratory
    pass); so did the page editing a dose already logged, over that dose."""
    night = date(2026, 11, 25)
    make_plan(patient_a, clinician_a, hold_from=night if hold else None)
    with time_machine.travel(MOMENTS["21:30"], tick=False):
        if logged:
            patient_client.post(
                reverse("journal:evening", args=[night]),
                {
                    "submission_id": "6b0d6a86-1f47-4d33-9d7f-3b1f0d3b8a10",
                    "dose": "2",
                    "taken_at": "2026-11-25T21:00",
                },
            )
        page = patient_client.get(reverse("journal:evening", args=[night])).content.decode()
    assert (FILLED_IN in page) is says_filled_in
    assert "In mg, from 1 to 5" in page
