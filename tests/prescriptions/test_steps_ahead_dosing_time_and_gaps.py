"""My plan's "Your steps" and the clinician's plan panel, read from one list
(PlanView.steps_ahead), say what tells two stretches apart and list the nights without LDN.

- A signed switch of dosing time at the same dose (evening to morning) showed as two steps
  with one dose ("2 mg — from 22 Nov to 9 Dec", "2 mg — from 10 Dec onwards") and nothing
  to tell them apart: a row did not say its dosing time, on My plan nor on the panel.
- My plan left out the nights before a plan starts and those after a prescription ended
  (stretches NOT_STARTED and ENDED): nothing was listed for them.
- The panel's table listed the newest version's calendar, not the steps the patient will
  follow: through a dated hold it gave the step its whole length, and with a switch of
  dosing time signed for a later night it marked no step as tonight's.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from prescriptions import changes, panel, plans, titration
from prescriptions.models import Formulation, Prescription
from tests.patients.journal_support import (
    make_plan,
    sign_change,
    sign_hold,
    switch_dosing_time,
    your_steps,
)
from tests.prescriptions.factories import make_prescription, plan_steps
from tests.prescriptions.steps_ahead_support import NOW, _panel_rows

pytestmark = pytest.mark.django_db

DEC_2 = date(2026, 12, 2)
DEC_10 = date(2026, 12, 10)


def _text(fragment):
    return " ".join(fragment.split())


def _evening_then_morning(patient, clinician):
    # 2 mg every evening from 22 Nov; from 10 Dec the same 2 mg in the morning.
    make_plan(
        patient,
        clinician,
        steps=(("2", None),),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    switch_dosing_time(patient, clinician, titration.MORNING, DEC_10, signed=NOW)


def _starts_on_dec_10(patient, clinician):
    """A prescription signed tonight whose step 1 begins on 10 Dec (as the new prescription
    page saves it: in effect from tonight, from its start date)."""
    prescription = Prescription(formulation=Formulation.OTHER)
    change = changes.steps_change(
        None,
        effective_night=DEC_2,
        start_date=DEC_10,
        steps=plan_steps((("1.5", 14), ("3", None))),
        reason="Starting LDN",
    )
    changes.create_prescription(
        patient_id=patient.pk,
        prescriber=clinician,
        prescription=prescription,
        change=change,
        now=NOW,
        confirmed_increase=True,
    )


def _ended_then_prescribed_again(patient, clinician):
    """A prescription ended from 20 Nov, and a new one signed for 10 Dec on: tonight (2 Dec)
    lies between the two."""
    make_prescription(patient, clinician, date(2026, 11, 1), steps=(("1.5", None),))
    ended_at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    sign_change(
        patient,
        clinician,
        lambda plan: changes.end_change(
            plan.latest, tonight_night=date(2026, 11, 20), reason="No benefit"
        ),
        ended_at,
    )
    make_plan(
        patient,
        clinician,
        steps=(("1.5", 14), ("3", None)),
        start=DEC_10,
        formulation=Formulation.OTHER,
    )


# --- 1. the dosing time -----------------------------------------------------------------


def test_a_switch_to_morning_dosing_at_the_same_dose_says_when_each_step_is_taken(
    patient_a, clinician_a
):
    _evening_then_morning(patient_a, clinician_a)
    assert your_steps(patient_a, NOW) == [
        "2 mg in the evening — from 22 Nov to 9 Dec",
        "2 mg in the morning — from 10 Dec onwards",
    ]


@pytest.mark.parametrize(
    ("language", "evening", "morning"),
    [("de", "2 mg abends", "2 mg morgens"), ("es", "2 mg por la noche", "2 mg por la mañana")],
)
def test_your_steps_say_the_dosing_time_in_german_and_spanish(
    patient_a, clinician_a, language, evening, morning
):
    _evening_then_morning(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    rows = your_steps(patient_a, NOW)
    assert len(rows) == 2, rows
    assert rows[0].startswith(evening + " — "), rows
    assert rows[1].startswith(morning + " — "), rows


def test_steps_at_one_dosing_time_do_not_repeat_it(patient_a, clinician_a):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("2", 21), ("2.5", None)),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    assert your_steps(patient_a, NOW) == [
        "2 mg — from 22 Nov to 12 Dec",
        "2.5 mg — from 13 Dec onwards",
    ]
    assert [row[1] for row in _panel_rows(patient_a, clinician_a)] == ["2 mg", "2.5 mg"]


def test_the_panel_says_when_each_step_is_taken_and_marks_tonights(patient_a, clinician_a):
    _evening_then_morning(patient_a, clinician_a)
    assert _panel_rows(patient_a, clinician_a) == [
        ["1 now", "2 mg evening dosing", "22 Nov 2026 – 9 Dec 2026", "18 nights"],
        ["1", "2 mg morning dosing", "10 Dec 2026 – onwards", "open-ended"],
    ]


# --- 2. the nights without LDN before a plan starts and after a prescription ended ------


def test_the_nights_before_a_plan_starts_are_listed(patient_a, clinician_a):
    _starts_on_dec_10(patient_a, clinician_a)
    assert your_steps(patient_a, NOW) == [
        "No LDN — from 2 Dec to 9 Dec, until your steps begin",
        "1.5 mg — from 10 Dec to 23 Dec",
        "3 mg — from 24 Dec onwards",
    ]
    assert _panel_rows(patient_a, clinician_a) == [
        ["— now", "Not started", "2 Dec 2026 – 9 Dec 2026", "8 nights"],
        ["1", "1.5 mg", "10 Dec 2026 – 23 Dec 2026", "14 nights"],
        ["2", "3 mg", "24 Dec 2026 – onwards", "open-ended"],
    ]


def test_the_nights_after_a_prescription_ended_are_listed(patient_a, clinician_a):
    _ended_then_prescribed_again(patient_a, clinician_a)
    assert your_steps(patient_a, NOW) == [
        "Prescription ended, no LDN — from 2 Dec to 9 Dec",
        "1.5 mg — from 10 Dec to 23 Dec",
        "3 mg — from 24 Dec onwards",
    ]
    assert _panel_rows(patient_a, clinician_a)[0] == [
        "— now",
        "Prescription ended",
        "2 Dec 2026 – 9 Dec 2026",
        "8 nights",
    ]


# --- 3. the panel lists the steps the patient will follow -----------------------------------


def test_the_panel_lists_a_dated_hold_to_come_between_the_nights_of_the_step(
    patient_a, clinician_a
):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("2", 21), ("2.5", None)),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    sign_hold(patient_a, clinician_a, date(2026, 12, 6), date(2026, 12, 8), signed=NOW)
    assert _panel_rows(patient_a, clinician_a) == [
        ["1 now", "2 mg", "22 Nov 2026 – 5 Dec 2026", "14 nights"],
        ["—", "On hold", "6 Dec 2026 – 8 Dec 2026", "3 nights"],
        ["1", "2 mg", "9 Dec 2026 – 12 Dec 2026", "4 nights"],
        ["2", "2.5 mg", "13 Dec 2026 – onwards", "open-ended"],
    ]
    assert your_steps(patient_a, NOW) == [
        "2 mg — from 22 Nov to 5 Dec",
        "On hold, no LDN — from 6 Dec to 8 Dec",
        "2 mg — from 9 Dec to 12 Dec",
        "2.5 mg — from 13 Dec onwards",
    ]


def test_a_last_step_with_a_length_carries_on_in_the_panel(patient_a, clinician_a):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 14), ("3", 14)),
        start=date(2026, 11, 1),
        formulation=Formulation.OTHER,
    )
    assert _panel_rows(patient_a, clinician_a) == [
        ["2 now", "3 mg", "15 Nov 2026 – onwards", "14 nights, then continues"],
    ]


@pytest.mark.parametrize(
    "scenario", [_evening_then_morning, _starts_on_dec_10, _ended_then_prescribed_again]
)
def test_the_panels_table_is_the_list_my_plan_shows(patient_a, clinician_a, scenario):
    scenario(patient_a, clinician_a)
    view = plans.load(patient_a)
    state = panel.plan_state(patient_a, NOW, view)
    context = panel.panel_context(patient_a, state)
    assert context["schedule"] == view.steps_ahead(state["tonight"])
    # Row by row, the same nights on both pages.
    assert len(_panel_rows(patient_a, clinician_a)) == len(your_steps(patient_a, NOW))


def test_dosing_times_differ_counts_only_the_steps_taken():
    def stretch(status, dosing_time):
        return titration.Stretch(
            first=DEC_2,
            last=None,
            status=status,
            dose_mg=Decimal("2") if status == titration.ACTIVE else None,
            step_number=1 if status == titration.ACTIVE else None,
            version_number=1,
            dosing_time=dosing_time,
        )

    evening = stretch(titration.ACTIVE, titration.EVENING)
    morning = stretch(titration.ACTIVE, titration.MORNING)
    held = stretch(titration.ON_HOLD, titration.MORNING)
    assert titration.dosing_times_differ((evening, morning))
    assert not titration.dosing_times_differ((evening, held))
    assert not titration.dosing_times_differ((morning,))


def test_a_last_stretch_carries_on_after_the_length_its_newest_version_signs():
    # Version 2 makes the last step open-ended from 6 Dec: the same dose on the same nights,
    # so one stretch, which no longer "continues" after 14 days.
    first = titration.PlainVersion(
        number=1,
        effective_night=date(2026, 11, 22),
        start_date=date(2026, 11, 22),
        steps=(titration.Step(Decimal("2"), 14),),
    )
    second = titration.replace(
        first,
        number=2,
        effective_night=date(2026, 12, 6),
        steps=(titration.Step(Decimal("2"), None),),
    )
    assert [(s.first, s.last, s.step_days) for s in titration.plan_ahead((first,), DEC_2)] == [
        (date(2026, 11, 22), None, 14)
    ]
    assert [
        (s.first, s.last, s.step_days) for s in titration.plan_ahead((first, second), DEC_2)
    ] == [(date(2026, 11, 22), None, None)]
