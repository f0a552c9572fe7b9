"""A hold with an end keeps a pending switch of dosing time on its own night (found by QA).

A switch to morning dosing signed from 10 Dec (evening before); then a hold from 7 to 12 Dec.
The Hold page promised "a restart on 10 Dec 2026 or later restarts on morning dosing", but
the hold kept only the plan after it, signed again from 13 Dec ("The plan signed from 13 Dec
2026 is kept after the hold"): 10-12 Dec stayed on evening dosing, and a restart on 11 Dec
restarted on evening dosing for 11-12 Dec despite the signed switch. The Resume page said
the dosing time for the form's default restart night only, and its "Restart at" steps were
worded by the newest version's dosing time, not the restart night's.
"""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from prescriptions import plans, titration
from prescriptions.models import PlanVersion
from tests.factories import PatientFactory
from tests.patients.journal_support import (
    make_plan,
    sign_hold,
    sign_restart,
    switch_dosing_time,
)
from tests.prescriptions.clinic_pages_support import clinic_text as _page

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}
EV, MO = titration.EVENING, titration.MORNING
ON, HELD = titration.ACTIVE, titration.ON_HOLD


def _patient(clinician, dosing_time, switch_to):
    """1.5 mg for 60 nights from 1 Nov (then 3 mg), dosed at ``dosing_time``; a switch to
    ``switch_to`` signed from 10 Dec."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, dosing_time=dosing_time)
    switch_dosing_time(patient, clinician, switch_to, DEC[10], signed=NOW, reason="Insomnia")
    return patient


def _sign_dated_hold(clinician, patient):
    """Through the Hold page: a hold from 7 to 12 Dec, signed on 2 Dec."""
    return _page(
        clinician,
        "clinic:plan_hold",
        patient,
        NOW,
        data={
            "based_on": plans.load(patient).latest.number,
            "hold_reason": "planned_surgery",
            "hold_from": "2026-12-07",
            "hold_until": "2026-12-12",
            "reason": "Knee surgery",
        },
    )


def _nights(patient, first=6, last=15):
    plan = plans.load(patient)
    return {
        day: (plan.status_on(DEC[day]), plan.dosing_time_on(DEC[day]))
        for day in range(first, last + 1)
    }


def _restart_on(patient, clinician, night):
    eve = datetime(night.year, night.month, night.day - 1, 20, 0, tzinfo=UTC)
    return sign_restart(patient, clinician, night, 0, signed=eve)


@pytest.mark.parametrize(
    ("before", "after", "word"),
    [(EV, MO, "morning"), (MO, EV, "evening")],
)
def test_a_dated_hold_over_a_switch_keeps_it_on_its_own_night(clinician, before, after, word):
    patient = _patient(clinician, before, after)
    promise = (
        f"a restart on 10 Dec 2026 or later restarts on {word} dosing; a restart before then "
        f"restarts on {'evening' if word == 'morning' else 'morning'} dosing, and {word} "
        f"dosing begins on 10 Dec 2026."
    )
    assert promise in _page(clinician, "clinic:plan_hold", patient, NOW)
    page = _sign_dated_hold(clinician, patient)
    assert f"The switch to {word} dosing signed from 10 Dec 2026 is kept" in page
    assert "The plan signed from 13 Dec 2026 is kept after the hold" not in page
    nights = _nights(patient)
    assert nights == {
        6: (ON, before),
        7: (HELD, before),
        8: (HELD, before),
        9: (HELD, before),
        10: (HELD, after),
        11: (HELD, after),
        12: (HELD, after),
        13: (ON, after),
        14: (ON, after),
        15: (ON, after),
    }
    # What the switch signed again is: a dosing-time version from its own night, under the
    # hold, with the switch's reason.
    again = (
        PlanVersion.objects.filter(prescription__patient=patient, effective_night=DEC[10])
        .order_by("number")
        .last()
    )
    assert again.number == 4
    assert (again.kind, again.dosing_time, again.hold_from, again.hold_until, again.reason) == (
        PlanVersion.Kind.DOSING_TIME,
        after,
        DEC[7],
        DEC[12],
        "Insomnia",
    )


@pytest.mark.parametrize(("before", "after"), [(EV, MO), (MO, EV)])
def test_a_restart_inside_the_dated_hold_after_the_switch_restarts_on_the_switched_time(
    clinician, before, after
):
    patient = _patient(clinician, before, after)
    _sign_dated_hold(clinician, patient)
    _restart_on(patient, clinician, DEC[11])
    nights = _nights(patient)
    assert [nights[day] for day in (9, 10, 11, 12, 13, 15)] == [
        (HELD, before),
        (HELD, after),
        (ON, after),
        (ON, after),
        (ON, after),
        (ON, after),
    ]


def test_a_restart_inside_the_dated_hold_before_the_switch_switches_on_its_night(clinician):
    patient = _patient(clinician, EV, MO)
    _sign_dated_hold(clinician, patient)
    _restart_on(patient, clinician, DEC[8])
    nights = _nights(patient)
    assert [nights[day] for day in (7, 8, 9, 10, 13)] == [
        (HELD, EV),
        (ON, EV),
        (ON, EV),
        (ON, MO),
        (ON, MO),
    ]


def test_a_dated_hold_ending_before_the_switch_names_the_switch_kept(clinician):
    """Hold 5-8 Dec, switch from 10 Dec: the plan after the hold is kept, and the version
    from 10 Dec signed again is the switch, named as one."""
    patient = _patient(clinician, EV, MO)
    with time_machine.travel(NOW, tick=False):
        held = sign_hold(patient, clinician, DEC[5], DEC[8], signed=NOW)
    switches = [kept for kept in held.kept_holds if kept.switch_to]
    assert [(kept.first, kept.switch_to) for kept in switches] == [(DEC[10], MO)]
    nights = _nights(patient, 4, 12)
    assert [nights[day] for day in (4, 5, 8, 9, 10, 12)] == [
        (ON, EV),
        (HELD, EV),
        (HELD, EV),
        (ON, EV),
        (ON, MO),
        (ON, MO),
    ]


# The Resume page: the dosing time said for any restart night, and the steps' unit.

RULE = (
    "A restart before 10 Dec 2026 restarts on evening dosing (morning dosing begins on "
    "10 Dec 2026); a restart on or after it restarts on morning dosing."
)


def _held_until_resumed(clinician):
    patient = _patient(clinician, EV, MO)
    sign_hold(patient, clinician, DEC[5], signed=NOW)
    return patient


def _posted_resume(clinician, patient, resume_on, language="en"):
    """The Resume page drawn again after a save refused for a missing reason."""
    return _page(
        clinician,
        "clinic:plan_resume",
        patient,
        NOW,
        language,
        data={
            "based_on": plans.load(patient).latest.number,
            "resume_on": resume_on,
            "step": "0",
            "reason": "",
        },
    )


def test_the_resume_page_states_the_rule_for_any_restart_night(clinician):
    patient = _held_until_resumed(clinician)
    page = _page(clinician, "clinic:plan_resume", patient, NOW)  # the form opens on 6 Dec
    assert RULE in page
    assert "The plan restarts on 6 Dec 2026 on evening dosing" not in page
    assert RULE in _posted_resume(clinician, patient, "2026-12-12")


def test_the_resume_page_without_a_switch_to_come_says_the_dosing_time_alone(clinician):
    patient = _held_until_resumed(clinician)
    later = datetime(2026, 12, 12, 14, 0, tzinfo=UTC)
    page = _page(clinician, "clinic:plan_resume", patient, later)
    assert "The plan restarts on morning dosing." in page
    assert "before 10 Dec" not in page


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "de",
            "Ein Neustart vor dem 10. Dez 2026 beginnt mit abendlicher Einnahme (die "
            "morgendliche Einnahme beginnt am 10. Dez 2026); ein Neustart an diesem Tag oder "
            "später beginnt mit morgendlicher Einnahme.",
        ),
        (
            "es",
            "Un reinicio antes del 10 dic 2026 se reanuda con la toma por la noche (la toma por "
            "la mañana empieza el 10 dic 2026); un reinicio ese día o después se reanuda con la "
            "toma por la mañana.",
        ),
    ],
)
def test_the_resume_pages_rule_is_translated(clinician, language, said):
    patient = _held_until_resumed(clinician)
    assert said in _page(clinician, "clinic:plan_resume", patient, NOW, language)


def _step_labels(page):
    # A step the switch cuts is said run by run from the restart night ("4 nights, then 56
    # days": test_resume_choices_count_a_step_across_a_switch.py).
    return re.findall(
        r"Step \d: [\d.]+ mg for \d+ (?:nights|days)(?:, then \d+ (?:nights|days))*", page
    )


def test_the_restart_steps_are_worded_by_the_restart_nights_dosing_time(clinician):
    patient = _held_until_resumed(clinician)
    # The form opens on 6 Dec, before the switch: evening nights, then mornings from 10 Dec.
    assert _step_labels(_page(clinician, "clinic:plan_resume", patient, NOW)) == [
        "Step 1: 1.5 mg for 4 nights, then 56 days",
        "Step 2: 3 mg for 4 nights, then 10 days",
    ]
    # 12 Dec typed: morning dosing, days.
    assert _step_labels(_posted_resume(clinician, patient, "2026-12-12")) == [
        "Step 1: 1.5 mg for 60 days",
        "Step 2: 3 mg for 14 days",
    ]
    # 8 Dec typed: evening dosing until the switch.
    assert _step_labels(_posted_resume(clinician, patient, "2026-12-08")) == [
        "Step 1: 1.5 mg for 2 nights, then 58 days",
        "Step 2: 3 mg for 2 nights, then 12 days",
    ]
    # Garbage typed: the form's restart night (6 Dec here), never a 500.
    assert _step_labels(_posted_resume(clinician, patient, "12/12/2026")) == [
        "Step 1: 1.5 mg for 4 nights, then 56 days",
        "Step 2: 3 mg for 4 nights, then 10 days",
    ]


def test_the_restart_steps_after_the_switch_are_days_on_the_forms_night(clinician):
    patient = _held_until_resumed(clinician)
    later = datetime(2026, 12, 12, 14, 0, tzinfo=UTC)  # the form opens on 12 Dec
    assert _step_labels(_page(clinician, "clinic:plan_resume", patient, later)) == [
        "Step 1: 1.5 mg for 60 days",
        "Step 2: 3 mg for 14 days",
    ]


def test_the_reverse_restart_steps_are_nights_after_a_switch_to_evenings(clinician):
    patient = _patient(clinician, MO, EV)
    sign_hold(patient, clinician, DEC[5], signed=NOW)
    assert _step_labels(_page(clinician, "clinic:plan_resume", patient, NOW)) == [
        "Step 1: 1.5 mg for 4 days, then 56 nights",
        "Step 2: 3 mg for 4 days, then 10 nights",
    ]
    assert _step_labels(_posted_resume(clinician, patient, "2026-12-12")) == [
        "Step 1: 1.5 mg for 60 nights",
        "Step 2: 3 mg for 14 nights",
    ]
