"""Fixtures shared by the plan-change tests."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from patients.models import NightlyEntry
from prescriptions import titration
from prescriptions.models import Formulation
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.journal_support import (
    make_plan,
    sign_ending,
    sign_hold,
    sign_restart,
    sign_steps,
    switch_dosing_time,
)
from tests.prescriptions.clinic_pages_support import clinic_text
from tests.prescriptions.factories import make_prescription, prescribe_again
from tests.prescriptions.skipped_steps_support import DEC_2
from tests.prescriptions.step_numbers_support import DEC_4, DEC_5, DEC_6, _patient_page
from tests.prescriptions.suggestions_support import JAN_1, jan


@pytest.fixture
def clinician():
    return ClinicianFactory()


@pytest.fixture
def patient_on_2mg(clinician):
    """A patient in London on 2 mg each night since 22 Nov 2026, with ``clinician``."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(
        patient,
        clinician,
        steps=(("2", None),),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    return patient


# 14:00 in London on 2 Dec 2026 (the night of 2 Dec), when the switches below are signed.
SWITCHES_SIGNED = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def morning_switch_pending(patient_on_2mg, clinician):
    """On 2 mg each evening; a switch to morning dosing from 10 Dec, signed on 2 Dec."""
    switch_dosing_time(
        patient_on_2mg,
        clinician,
        titration.MORNING,
        date(2026, 12, 10),
        signed=SWITCHES_SIGNED,
        reason="Insomnia",
    )
    return patient_on_2mg


@pytest.fixture
def two_switches_pending(patient_on_2mg, clinician):
    """On 2 mg each evening; signed on 2 Dec: mornings from 10 Dec, evenings again from
    20 Dec (two switches of dosing time ahead)."""
    for dosing_time, night in ((titration.MORNING, 10), (titration.EVENING, 20)):
        switch_dosing_time(
            patient_on_2mg, clinician, dosing_time, date(2026, 12, night), signed=SWITCHES_SIGNED
        )
    return patient_on_2mg


@pytest.fixture
def clinic_page(clinician):
    """``clinic_page(name, patient, now, data=None, language="en")``: the visible text of
    ``clinician``'s page ``name`` for ``patient`` at ``now`` (posted ``data``, redirects
    followed), signed in and reauthenticated."""

    def page(name, patient, now, data=None, language="en"):
        return clinic_text(clinician, name, patient, now, language, data)

    return page


@pytest.fixture
def restarted_at_step_2(patient_a, clinician_a):
    """3 mg, then 4.5 mg; held on 5 Dec and restarted the same night at step 2 (4.5 mg): the
    patient page says "Step 2 of 2", and the change page's first row is "2"."""
    make_plan(patient_a, clinician_a, steps=(("3", 60), ("4.5", None)))
    sign_hold(patient_a, clinician_a, DEC_5, signed=DEC_4)
    sign_restart(patient_a, clinician_a, DEC_5, 1, signed=DEC_4)
    assert "Step 2 of 2" in _patient_page(patient_a, clinician_a, DEC_6)
    return patient_a


@pytest.fixture
def on_night_4_of_step_1(patient_a, clinician_a):
    """Patient A (London): 1.5 mg for 14 nights from 2 Dec, then 3 mg; tonight (5 Dec) is
    night 4 of step 1."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=DEC_2)
    return patient_a


@pytest.fixture
def ended_and_prescribed_again(patient_a, clinician_a):
    """Capsules from 1 Oct 2026 (5 versions: created, a steps change, a hold, its restart,
    the ending from 3 Dec: "Opioids for a long recovery"), then a liquid prescription from
    5 Dec."""
    make_prescription(patient_a, clinician_a, date(2026, 10, 1))
    sign_steps(
        patient_a,
        clinician_a,
        date(2026, 10, 20),
        (("3", None),),
        signed=datetime(2026, 10, 20, 12, tzinfo=UTC),
    )
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 11, 20),
        signed=datetime(2026, 11, 20, 12, tzinfo=UTC),
        restart_on=date(2026, 11, 25),
        restart_signed=datetime(2026, 11, 25, 12, tzinfo=UTC),
    )
    sign_ending(patient_a, clinician_a, date(2026, 12, 3), "Opioids for a long recovery")
    prescribe_again(patient_a, clinician_a, date(2026, 12, 5))
    return patient_a


@pytest.fixture
def vivid_after_step_up(clinician):
    """1.5 mg from 1 Jan, 3 mg from 8 Jan (vivid dreams of intensity 8 on 8-10 Jan), then
    4.5 mg; a London patient (the suggestion tests' patient: suggestions_support)."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_prescription(patient, clinician, JAN_1, steps=(("1.5", 7), ("3.0", 7), ("4.5", None)))
    for day in (8, 9, 10):
        NightlyEntry.objects.create(
            patient=patient,
            night=jan(day),
            status=NightlyEntry.Status.TAKEN,
            dose_mg=Decimal("3.0"),
            taken_at=datetime(2026, 1, day, 22, tzinfo=UTC),
            dreams="vivid",
            dream_intensity=8,
            morning_logged_at=datetime(2026, 1, day + 1, 8, tzinfo=UTC),
        )
    return patient


@pytest.fixture
def switched_in_step_2(patient_a, clinician_a):
    """Evening dosing from 1 Dec: 1.5 mg for 7 nights, 3 mg for 7 (8-14 Dec), then 4.5 mg;
    morning dosing from 11 Dec: step 2 is 3 nights (8-10 Dec) then 4 days (11-14 Dec)."""
    make_plan(
        patient_a, clinician_a, steps=(("1.5", 7), ("3", 7), ("4.5", None)), start=date(2026, 12, 1)
    )
    switch_dosing_time(
        patient_a,
        clinician_a,
        "morning",
        date(2026, 12, 11),
        signed=datetime(2026, 12, 10, 12, tzinfo=UTC),
    )
    return patient_a
