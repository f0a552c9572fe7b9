"""One word for one night: the home card and the night's own pages (dose, skip, morning,
the entry) name the same night the same way, whatever the hour. At 02:00 an evening
doser's card said "Last night" while the dose page for that night said "Tonight"."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from patients.clinic import attention
from patients.models import NightlyEntry
from patients.rules import nights
from tests.patients.journal_support import make_plan
from tests.security.reauth import mark_reauthenticated, signed_in_reauthenticated

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
            response = patient_client.get(reverse(name, args=[tonight]))
            if name == "journal:morning" and tonight == MOMENTS[clock].date():
                # Tonight's check-in opens the morning after it (test_checkin_opens_after).
                assert response.status_code == 302, clock
                continue
            assert title_word(response.content.decode()) == word, (name, clock)
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


# --- The clinician's surfaces and the calendars say the card's word -------------------------
#
# At 04:40 London on 2 Dec the list said "Last entry 30 Nov (last night)" while the plan
# page said "Last night (1 Dec)"; the patient page and the visit report headed tonight's dose
# "Tonight"; the calendar called the open 1 Dec "tonight". Each now reads the card's word.


def card_night(patient_client) -> tuple[str, date]:
    home = patient_client.get(reverse("journal:home")).content.decode()
    night = re.search(r"/journal/night/(\d{4}-\d\d-\d\d)/", home)[1]
    return card_word(home), date.fromisoformat(night)


def log_taken(patient, night):
    NightlyEntry.objects.create(
        patient=patient,
        night=night,
        status="taken",
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=22),
    )


def list_said(page: str) -> str | None:
    """The words after the list row's last entry: "30 Nov (2 nights ago)" -> "2 nights ago"."""
    found = re.search(
        r'data-label="Last entry">[^<]*(?:<span class="small muted">\(([^)]*)\))?', page
    )
    assert found, "no last entry cell"
    return found.group(1)


def stat_labels(page: str) -> list[str]:
    return re.findall(r'<span class="stat-label">\s*([^<]*?)\s*</span>', page)


def open_cell_text(page: str) -> str:
    """The words of the calendar's cell for the open night (class night-today)."""
    found = re.search(
        r'<td class="[^"]*night-today[^"]*">.*?<span class="status-text">([^<]*)<', page
    )
    assert found, "no open night in the calendar"
    return found.group(1)


@pytest.mark.parametrize("days_back", [0, 1, 2])
@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("clock", list(MOMENTS))
def test_the_lists_last_entry_names_the_night_as_the_nights_own_page_does(
    patient_client, patient_a, clinician_a, dosing_time, clock, days_back
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    moment = MOMENTS[clock]
    with time_machine.travel(moment, tick=False):
        _word, tonight = card_night(patient_client)
        night = tonight - timedelta(days=days_back)
        log_taken(patient_a, night)
        attention.recompute([patient_a.pk], moment)
        title = title_word(
            patient_client.get(reverse("journal:night", args=[night]), follow=True).content.decode()
        )
        page = (
            signed_in_reauthenticated(clinician_a).get(reverse("clinic:patients")).content.decode()
        )
    # London = UTC here: the patient's calendar day is the moment's date.
    older = (moment.date() - night).days
    # An older night has no word of its own: counted in days for a morning doser.
    unit = "days" if dosing_time == "morning" else "nights"
    expected = title.lower() if title else f"{older} {unit} ago"
    assert list_said(page) == expected, (clock, dosing_time, night)


@pytest.mark.parametrize(
    ("dosing_time", "logged", "said"),
    [
        ("evening", date(2026, 11, 30), "2 nights ago"),  # it said "last night"
        ("evening", date(2026, 12, 1), "last night"),
        ("morning", date(2026, 12, 1), "yesterday"),
        ("morning", date(2026, 12, 2), "today"),  # it said "tonight"
    ],
)
def test_at_0440_the_list_counts_nights_from_the_patients_calendar_day(
    patient_a, clinician_a, dosing_time, logged, said
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    moment = datetime(2026, 12, 2, 4, 40, tzinfo=UTC)  # 04:40 in London (GMT)
    with time_machine.travel(moment, tick=False):
        log_taken(patient_a, logged)
        attention.recompute([patient_a.pk], moment)
        page = (
            signed_in_reauthenticated(clinician_a).get(reverse("clinic:patients")).content.decode()
        )
    assert list_said(page) == said


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("clock", list(MOMENTS))
def test_the_patient_page_and_the_visit_report_head_the_dose_as_the_plan_panel_does(
    patient_client, patient_a, clinician_a, dosing_time, clock
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(MOMENTS[clock], tick=False):
        word, _tonight = card_night(patient_client)
        clinic = signed_in_reauthenticated(clinician_a)
        plan_page = clinic.get(reverse("clinic:plan", args=[patient_a.pk])).content.decode()
        patient_page = clinic.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
        report = clinic.get(reverse("clinic:report", args=[patient_a.pk])).content.decode()
    heading = next(label for label in stat_labels(plan_page) if f"{word} (" in label)
    # The patient page's first figure is tonight's dose, under the panel's heading.
    assert stat_labels(patient_page)[0] == heading, clock
    plan_line = re.search(r"<h2>Plan</h2>\s*<p>([^<]*?): ", report)
    assert plan_line, "no plan line in the report"
    assert plan_line.group(1) == heading, clock


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("clock", list(MOMENTS))
def test_the_calendars_name_the_open_night_as_the_card_does(
    patient_client, patient_a, clinician_a, dosing_time, clock
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(MOMENTS[clock], tick=False):
        word, _tonight = card_night(patient_client)
        history = patient_client.get(reverse("journal:history")).content.decode()
        clinic = signed_in_reauthenticated(clinician_a)
        patient_page = clinic.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    assert open_cell_text(history) == f"{word.lower()}, not logged yet", clock
    # The clinician's calendar writes "25 Nov: Last night, not logged yet".
    assert open_cell_text(patient_page).split(": ", 1)[1] == f"{word}, not logged yet", clock


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
