"""The clinician's acknowledgement form says from which night "hold the plan" holds, and it
is the night the hold is stored from: both read reports.hold_starts (changes.
first_changeable_night from the patient's tonight). The form said "from the next night" at
20:00 while tonight's dose was not logged, and the hold was stored from tonight."""

import re
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


def _at(day, hour, minute=0):
    """London is on UTC in December: local time is UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


# (dosing time, the report's moment, the dose logged before it or None, first held night)
CASES = [
    ("evening", _at(5, 20), None, date(2026, 12, 5)),  # tonight, not logged
    ("evening", _at(5, 22), _at(5, 21, 30), date(2026, 12, 6)),  # tonight logged
    ("evening", _at(6, 1), None, date(2026, 12, 5)),  # after midnight: still the 5th's night
    ("evening", _at(6, 1), _at(5, 23), date(2026, 12, 6)),
    ("evening", _at(6, 11, 30), None, date(2026, 12, 5)),  # before noon
    ("evening", _at(6, 13), None, date(2026, 12, 6)),  # after noon: the 6th's night
    ("evening", _at(6, 13), _at(5, 23), date(2026, 12, 6)),
    ("morning", _at(5, 8), None, date(2026, 12, 5)),  # today, not logged
    ("morning", _at(5, 8, 30), _at(5, 8), date(2026, 12, 6)),  # today logged
    ("morning", _at(5, 13), _at(5, 8), date(2026, 12, 6)),  # after noon, logged
    ("morning", _at(5, 20), None, date(2026, 12, 5)),  # the day's dose not logged
    ("morning", _at(6, 0, 30), None, date(2026, 12, 6)),  # after midnight: a new day
]


def _day(night, language="en"):
    with translation.override(language):
        return local_date(night, "day")


def _form_text(clinician, report, at, language="en"):
    clinician.language = language
    clinician.save(update_fields=["language"])
    with time_machine.travel(at, tick=False):
        page = signed_in(clinician).get(reverse("clinic:urgent_report", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('<form method="post"')
    return visible_text(html[start : html.index("</form>", start)])


HOLD_WORDS = re.compile(
    r"Hold: a new plan version signed by you puts the plan on hold from (the night of )?"
    r"(\w{3} \d{1,2} \w{3}) without a dose, with no end, until you restart it\."
)


def _reported(patient, clinician, dosing_time, moment, logged):
    make_plan(
        patient, clinician, steps=(("3", None),), start=date(2026, 11, 1), dosing_time=dosing_time
    )
    if logged is not None:
        with time_machine.travel(logged, tick=False):
            journal.log_taken_now(patient, logged, uuid.uuid4())
    return urgent_report(patient, moment)


@pytest.mark.parametrize(("dosing_time", "moment", "logged", "first_held"), CASES)
def test_the_form_names_the_night_the_hold_is_stored_from(
    patient_a, clinician_a, dosing_time, moment, logged, first_held
):
    report = _reported(patient_a, clinician_a, dosing_time, moment, logged)
    at = moment + timedelta(minutes=2)
    with time_machine.travel(at, tick=False):
        assert urgent.hold_starts(patient_a, plans.load(patient_a), at)[0] == first_held

    said = HOLD_WORDS.search(_form_text(clinician_a, report, at))
    with time_machine.travel(at, tick=False):
        response = signed_in(clinician_a).post(
            reverse("clinic:urgent_acknowledge", args=[report.pk]),
            {"note": "Stop for now.", "decision": "hold"},
        )
    assert response.status_code == 302

    stored = PlanVersion.objects.filter(prescription__patient=patient_a).latest("number")
    assert said is not None
    assert said.group(2) == _day(stored.hold_from) == _day(first_held)
    assert bool(said.group(1)) == (dosing_time == "evening")  # a morning doser's day
    assert stored.hold_until is None


def test_the_form_no_longer_says_the_next_night_of_a_night_not_logged(patient_a, clinician_a):
    report = _reported(patient_a, clinician_a, "evening", _at(5, 20), None)
    words = _form_text(clinician_a, report, _at(5, 20, 2))
    assert "next night" not in words
    assert f"from the night of {_day(date(2026, 12, 5))} without a dose" in words


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "pausiert den Plan ab der Nacht vom {night} ohne Dosis, ohne Ende"),
        ("es", "pone el plan en pausa desde la noche del {night} sin dosis, sin fin"),
    ],
)
def test_the_hold_night_reads_in_german_and_spanish(patient_a, clinician_a, language, words):
    report = _reported(patient_a, clinician_a, "evening", _at(5, 20), None)
    text = _form_text(clinician_a, report, _at(5, 20, 2), language)
    assert words.format(night=_day(date(2026, 12, 5), language)) in text


@pytest.mark.parametrize("last", [date(2026, 12, 12), None])
def test_with_a_hold_signed_ahead_hold_names_the_same_night(patient_a, clinician_a, last):
    """The words of a hold ahead end with what "hold" does, from the same night."""
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    sign_hold(patient_a, clinician_a, date(2026, 12, 10), last, signed=_at(3, 18))
    report = urgent_report(patient_a, _at(5, 20))
    words = _form_text(clinician_a, report, _at(5, 20, 2))
    assert "A hold is signed from the night of" in words
    said = HOLD_WORDS.search(words)
    assert said is not None
    assert said.group(2) == _day(date(2026, 12, 5))
    assert "next night" not in words


def test_under_a_running_dated_hold_hold_names_the_same_night(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 3),
        date(2026, 12, 10),
        signed=_at(3, 18),
        confirmed_restart=date(2026, 12, 11),
    )
    report = urgent_report(patient_a, _at(5, 20))
    words = _form_text(clinician_a, report, _at(5, 20, 2))
    assert "The plan is already on hold, since the night of" in words
    said = HOLD_WORDS.search(words)
    assert said is not None
    assert said.group(2) == _day(date(2026, 12, 5))
