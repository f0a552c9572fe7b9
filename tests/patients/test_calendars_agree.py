"""The patient's calendar (their history page) and the clinician's (the patient page) show the
same mark and say the same thing of every night: taken, skipped, not logged, not prescribed,
on hold, or still open and named as the home card names it; and the adherence figures above
them are the same. Each is drawn by its own code (the journal's and the dashboard's
calendar) from adherence_rules.night_records and night_mark, the one reading of a
prescribed night: this checks them against each other at the moments where nights are easy
to get wrong (just after midnight, just before noon, a hold's first night and the restart
after it, an ending, a plan not begun, a morning doser, a zone far from UTC, the night the
clocks go back), and one month holding every kind of night against what each must show.
A night with no prescription (before joining, before the first plan, after the plan ended)
is no missed dose: no mark, not counted. The patient's calendar marked the nights after an
ending "?" while the clinician's showed none."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import dashboard
from patients.models import NightlyEntry
from prescriptions import changes, plans
from tests.patients.journal_support import (
    make_plan,
    sign_change,
    sign_hold,
    visible_text,
)
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)  # every change but an ending: well before


def _local(zone, y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(zone))


def _log(patient, night, status, zone):
    at = datetime(night.year, night.month, night.day, 21, 30, tzinfo=ZoneInfo(zone))
    taken = status == "taken"
    NightlyEntry.objects.create(
        patient=patient,
        night=night,
        status=status,
        dose_mg=Decimal("1.5") if taken else None,
        taken_at=at if taken else None,
        skip_reason="" if taken else "forgot",
        evening_logged_at=at,
        time_zone=zone,
    )


def _hold_then_end(patient, clinician):
    # On hold the nights of 12 to 14 November, LDN again from the 15th, ended from the 20th.
    sign_hold(patient, clinician, date(2026, 11, 12), date(2026, 11, 14), signed=SIGNED)
    _ending("Europe/London")(patient, clinician)


def _hold_and_restart(patient, clinician):
    # On hold the nights of 20 to 22 November, LDN again from the 23rd.
    sign_hold(patient, clinician, date(2026, 11, 20), date(2026, 11, 22), signed=SIGNED)


def _ending(zone):
    def sign(patient, clinician):
        # Ended from the night of 20 November, signed that evening.
        sign_change(
            patient,
            clinician,
            lambda plan: changes.end_change(
                plan.latest, tonight_night=date(2026, 11, 20), reason="No benefit"
            ),
            _local(zone, 2026, 11, 20, 20),
        )

    return sign


NOV = {n: date(2026, 11, n) for n in range(1, 31)}
NO_MARK, NOT_LOGGED = ("", "no dose prescribed"), ("?", "not logged")
SCENARIOS = {
    # Every kind of night in one month: joined on the 3rd, the plan from the 6th, on hold
    # 12 to 14, ended from the 20th; seen at noon on the 24th (tonight: the 24th).
    "every kind of night, London": dict(
        zone="Europe/London",
        dosing_time="evening",
        joined=datetime(2026, 11, 3, 19, 0, tzinfo=UTC),
        start=NOV[6],
        change=_hold_then_end,
        logged={NOV[8]: "taken", NOV[9]: "skipped", NOV[13]: "taken", NOV[16]: "taken"},
        moment=_local("Europe/London", 2026, 11, 24, 12, 5),
        month=NOV[1],
        marks={
            **dict.fromkeys((1, 2), NO_MARK),  # before joining
            **dict.fromkeys((3, 4, 5), NO_MARK),  # joined, before the first plan
            **dict.fromkeys((6, 7, 10, 11, 15, 17, 18, 19), NOT_LOGGED),  # missed
            8: ("✓", "taken"),
            9: ("✕", "skipped"),
            **dict.fromkeys((12, 14), ("‖", "on hold")),
            13: ("✓‖", "taken, on hold"),
            16: ("✓", "taken"),
            **dict.fromkeys((20, 21, 22, 23, 24), NO_MARK),  # after the ending, tonight too
        },
        # Counted: prescribed and begun; the ended nights are not. 7 nights: 18 to 24 Nov
        # (17-19 missed); 30: 26 Oct to 24 Nov (6-11 and 15-19, 2 taken).
        adherence=((0, 2), (2, 11)),
    ),
    # Just after midnight in Auckland: tonight is the 23rd, the restart night, not logged.
    "restart night after midnight, Auckland": dict(
        zone="Pacific/Auckland",
        dosing_time="evening",
        start=NOV[1],
        change=_hold_and_restart,
        logged={NOV[18]: "taken", NOV[19]: "skipped", NOV[21]: "taken"},
        moment=_local("Pacific/Auckland", 2026, 11, 24, 0, 20),
        month=NOV[1],
    ),
    # The first night of the hold is tonight, seen at 23:50 in Honolulu.
    "first night of a hold, Honolulu": dict(
        zone="Pacific/Honolulu",
        dosing_time="evening",
        start=NOV[1],
        change=_hold_and_restart,
        logged={NOV[18]: "taken"},
        moment=_local("Pacific/Honolulu", 2026, 11, 20, 23, 50),
        month=NOV[1],
    ),
    "morning doser just before noon, Los Angeles": dict(
        zone="America/Los_Angeles",
        dosing_time="morning",
        start=NOV[1],
        change=_hold_and_restart,
        logged={NOV[22]: "taken", NOV[23]: "taken"},
        moment=_local("America/Los_Angeles", 2026, 11, 24, 11, 50),
        month=NOV[1],
    ),
    "morning doser just after midnight, Kolkata": dict(
        zone="Asia/Kolkata",
        dosing_time="morning",
        start=NOV[1],
        change=_hold_and_restart,
        logged={NOV[23]: "taken"},
        moment=_local("Asia/Kolkata", 2026, 11, 24, 0, 10),
        month=NOV[1],
    ),
    "an ended prescription, London": dict(
        zone="Europe/London",
        dosing_time="evening",
        start=NOV[1],
        change=_ending("Europe/London"),
        logged={NOV[19]: "taken", NOV[21]: "taken"},
        moment=_local("Europe/London", 2026, 11, 24, 12, 5),
        month=NOV[1],
    ),
    "a plan not begun, Sydney": dict(
        zone="Australia/Sydney",
        dosing_time="evening",
        start=NOV[26],
        change=None,
        logged={NOV[20]: "taken"},
        moment=_local("Australia/Sydney", 2026, 11, 24, 9, 0),
        month=NOV[1],
    ),
    # The clocks go back at 02:00 on 1 November in New York: 00:30 on the 2nd is EST.
    "the night the clocks go back, New York": dict(
        zone="America/New_York",
        dosing_time="evening",
        start=date(2026, 10, 20),
        change=None,
        logged={date(2026, 10, 31): "taken"},
        moment=_local("America/New_York", 2026, 11, 2, 0, 30),
        month=NOV[1],
    ),
}


def _said(text: str) -> str:
    """A cell's words as one canonical state: lower case, "on hold" for either side's."""
    text = text.lower().replace("plan on hold", "on hold")
    return re.sub(r"^taken [0-9.,]+ mg", "taken", text)


def _figures(week, month):
    return tuple((figure.taken, figure.prescribed) for figure in (week, month))


def _patients_calendar(client, month: date, moment):
    """Each night's (mark, words) on the patient's calendar, and their 7 and 30 night
    (taken, prescribed) above it."""
    url = reverse("journal:history") + f"?month={month:%Y-%m}"
    with time_machine.travel(moment, tick=False):
        response = client.get(url)
    html = response.content.decode()
    cells = {}
    for night, cell in re.findall(r'href="/journal/night/([0-9-]+)/">(.*?)</a>', html, re.S):
        mark = re.search(r'<span class="status" aria-hidden="true">(.*?)</span>', cell, re.S)
        text = re.search(r'<span class="status-text">(.*?)</span>', cell, re.S).group(1)
        cells[date.fromisoformat(night)] = (mark.group(1), _said(visible_text(text)))
    stats = response.context["stats"]
    return cells, _figures(stats["week"], stats["month"])


def _clinicians_calendar(patient, clinician, month: date, moment):
    """The same from the clinician's patient page."""
    with time_machine.travel(moment, tick=False):
        page = dashboard.patient_page(patient, [clinician], moment)
        weeks = dashboard.calendar_month(page, month)
        figures = _figures(page.adherence_7, page.adherence_30)
    cells = {
        day["night"]: (day["symbol"], _said(day["text"]))
        for week in weeks
        for day in week
        if not day["outside"] and day["text"] != "Not yet"
    }
    return cells, figures


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_the_patients_and_the_clinicians_calendars_say_the_same_of_every_night(
    patient_a, clinician_a, scenario
):
    case = SCENARIOS[scenario]
    patient_a.time_zone = case["zone"]
    patient_a.created_at = case.get("joined", patient_a.created_at)
    patient_a.save(update_fields=["time_zone", "created_at"])
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", None),),
        start=case["start"],
        dosing_time=case["dosing_time"],
    )
    if case["change"]:
        case["change"](patient_a, clinician_a)
    for night, status in case["logged"].items():
        _log(patient_a, night, status, case["zone"])
    tonight = plans.load(patient_a).tonight(patient_a.tz, case["moment"])

    patients, patients_figures = _patients_calendar(
        signed_in(patient_a.user), case["month"], case["moment"]
    )
    clinicians, clinicians_figures = _clinicians_calendar(
        patient_a, clinician_a, case["month"], case["moment"]
    )

    assert patients == clinicians
    assert patients_figures == clinicians_figures
    if "marks" in case:  # agreeing is not enough: each night shows what it must
        assert {night.day: cell for night, cell in patients.items()} == case["marks"]
        assert patients_figures == case["adherence"]
    # Every night of the month up to tonight is on both (later ones are "not yet").
    first = case["month"]
    assert set(patients) == {
        first + timedelta(days=n)
        for n in range(31)
        if (first + timedelta(days=n)).month == first.month and first + timedelta(days=n) <= tonight
    }
