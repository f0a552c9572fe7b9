"""An open-ended hold already signed to start tomorrow, tonight's dose already logged: "hold
the plan" would hold from tomorrow, which the plan already does, so answering "hold" signs
nothing (reports.hold_plan). The clinician's form said "Hold: a new plan version signed by
you puts the plan on hold from …" all the same; it now says the hold already signed stands
and nothing new is signed (reports.hold_stands, the one answer hold_plan reads too)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from ldn_journal.local_dates import local_date
from patients.journal import entries as journal
from patients.urgent import reports as urgent
from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, sign_hold, visible_text
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
HELD_FROM = date(2026, 12, 6)  # London is on UTC in December: local time is UTC


# (dosing time, tonight's dose logged at, the report made at): the hold from 6 Dec is
# tomorrow's for each (an evening doser after midnight is still in the night of 5 Dec).
def _at(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


CASES = [
    ("evening", _at(5, 21), _at(5, 21, 30)),
    ("evening", _at(5, 23), _at(6, 1)),
    ("morning", _at(5, 8), _at(5, 8, 30)),
]
IDS = ["evening-21h30", "evening-01h00", "morning-08h30"]


def _day(night):
    with translation.override("en"):
        return local_date(night, "day")


def _held_from_tomorrow(patient, clinician, dosing_time, logged, reported):
    make_plan(
        patient, clinician, steps=(("3", None),), start=date(2026, 11, 1), dosing_time=dosing_time
    )
    sign_hold(patient, clinician, HELD_FROM, signed=SIGNED)
    with time_machine.travel(logged, tick=False):
        journal.log_taken_now(patient, logged, uuid.uuid4())
    return urgent_report(patient, reported)


def _form_text(clinician, report, at):
    with time_machine.travel(at, tick=False):
        page = signed_in(clinician).get(reverse("clinic:urgent_report", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('<form method="post"')
    return visible_text(html[start : html.index("</form>", start)])


@pytest.mark.parametrize(("dosing_time", "logged", "reported"), CASES, ids=IDS)
def test_hold_signs_nothing_new_over_the_open_ended_hold_signed_from_tomorrow(
    patient_a, clinician_a, dosing_time, logged, reported
):
    report = _held_from_tomorrow(patient_a, clinician_a, dosing_time, logged, reported)
    at = reported + timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        plan = plans.load(patient_a)
        hold_from, was_logged = urgent.hold_starts(patient_a, plan, at)
        assert (hold_from, was_logged) == (HELD_FROM, True)
        assert urgent.hold_stands(plan, hold_from)
    versions = PlanVersion.objects.filter(prescription__patient=patient_a).count()

    with time_machine.travel(at, tick=False):
        response = signed_in(clinician_a).post(
            reverse("clinic:urgent_acknowledge", args=[report.pk]),
            {"note": "Stop for now.", "decision": "hold"},
        )
    assert response.status_code == 302
    assert PlanVersion.objects.filter(prescription__patient=patient_a).count() == versions
    report.refresh_from_db()
    assert report.ack_decision == "hold"


@pytest.mark.parametrize(("dosing_time", "logged", "reported"), CASES, ids=IDS)
def test_the_form_says_the_hold_signed_from_tomorrow_stands_and_nothing_new_is_signed(
    patient_a, clinician_a, dosing_time, logged, reported
):
    report = _held_from_tomorrow(patient_a, clinician_a, dosing_time, logged, reported)
    words = _form_text(clinician_a, report, reported + timedelta(minutes=5))
    night = "" if dosing_time == "morning" else "the night of "
    assert (
        f"Hold: the hold already signed from {night}{_day(HELD_FROM)} stands, with no end, "
        "until you restart it; no new plan version is signed."
    ) in words
    assert "a new plan version signed by you" not in words
    # What "continue" keeps is still said first: the hold ahead, as signed.
    assert f"A hold is signed from {night}{_day(HELD_FROM)}, with no restart signed." in words


def test_a_hold_signed_for_a_later_night_still_makes_a_new_version(patient_a, clinician_a):
    """An open-ended hold from the night after tomorrow: "hold" holds from tomorrow, which
    the plan does not yet, so a new version is signed, and the form says so."""
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    sign_hold(patient_a, clinician_a, HELD_FROM + timedelta(days=1), signed=SIGNED)
    logged, reported = CASES[0][1:]
    with time_machine.travel(logged, tick=False):
        journal.log_taken_now(patient_a, logged, uuid.uuid4())
    report = urgent_report(patient_a, reported)
    words = _form_text(clinician_a, report, reported + timedelta(minutes=5))
    assert (
        "Hold: a new plan version signed by you puts the plan on hold from the night of "
        f"{_day(HELD_FROM)} without a dose"
    ) in words
    assert "no new plan version is signed" not in words
    versions = PlanVersion.objects.filter(prescription__patient=patient_a).count()
    with time_machine.travel(reported + timedelta(minutes=5), tick=False):
        urgent.acknowledge(
            report, clinician_a, "Stop.", reported + timedelta(minutes=5), decision="hold"
        )
    assert PlanVersion.objects.filter(prescription__patient=patient_a).count() == versions + 1


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Pausieren: Die bereits signierte Pause ab der Nacht vom"),
        ("es", "Pausar: la pausa ya firmada desde la noche del"),
    ],
)
def test_the_hold_that_stands_reads_in_german_and_spanish(patient_a, clinician_a, language, words):
    report = _held_from_tomorrow(patient_a, clinician_a, *CASES[0])
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    assert words in _form_text(clinician_a, report, CASES[0][2] + timedelta(minutes=5))


def _what_acknowledging_does(clinician, report, at):
    with time_machine.travel(at, tick=False):
        page = signed_in(clinician).get(reverse("clinic:urgent_report", args=[report.pk]))
    html = page.content.decode()
    return visible_text(html.split('id="ack-what"', 1)[1].split("</p>", 1)[0])


SIGNS_NOTHING = (
    "It does not change the plan: the hold already signed holds it until you restart it, so "
    "“Hold the plan” signs nothing new."
)
SIGNS_A_HOLD = "which signs a hold in your name"


@pytest.mark.parametrize(("dosing_time", "logged", "reported"), CASES, ids=IDS)
def test_what_acknowledging_does_no_longer_says_hold_signs_a_hold(
    patient_a, clinician_a, dosing_time, logged, reported
):
    """The paragraph above the form said "“Hold the plan”, which signs a hold in your name"
    beside the decision's "no new plan version is signed"."""
    report = _held_from_tomorrow(patient_a, clinician_a, dosing_time, logged, reported)
    said = _what_acknowledging_does(clinician_a, report, reported + timedelta(minutes=5))
    assert SIGNS_NOTHING in said
    assert SIGNS_A_HOLD not in said


def test_what_acknowledging_does_under_a_running_hold_until_resumed(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    sign_hold(patient_a, clinician_a, date(2026, 12, 3), signed=SIGNED)
    report = urgent_report(patient_a, _at(5, 20))
    said = _what_acknowledging_does(clinician_a, report, _at(5, 20, 5))
    assert SIGNS_NOTHING in said


def test_what_acknowledging_does_still_says_hold_signs_one_where_it_does(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    report = urgent_report(patient_a, _at(5, 20))
    said = _what_acknowledging_does(clinician_a, report, _at(5, 20, 5))
    assert SIGNS_A_HOLD in said
    assert SIGNS_NOTHING not in said
