"""Prescriptions with signed plans for tests, made through the one domain function, and the
plan forms' step rows as a browser posts them."""

from datetime import UTC, datetime, time
from decimal import Decimal

from prescriptions import titration
from prescriptions.changes import create_prescription, steps_change
from prescriptions.models import Formulation, Prescription

STANDARD = (("1.5", 14), ("3.0", 14), ("4.5", None))


def plan_steps(rows):
    return tuple(titration.Step(Decimal(dose), days) for dose, days in rows)


def make_prescription(
    patient,
    clinician,
    start,
    steps=STANDARD,
    formulation=Formulation.CAPSULE,
    strengths=("1.5", "3.0", "4.5"),
    concentration=None,
    dosing_time=titration.EVENING,
    now=None,
):
    """A prescription whose version 1 was signed at ``now`` (default: noon UTC on ``start``)."""
    prescription = Prescription(
        formulation=formulation,
        strengths=list(strengths) if formulation == Formulation.CAPSULE else [],
        concentration_mg_per_ml=(
            Decimal(concentration or "1") if formulation == Formulation.LIQUID else None
        ),
    )
    now = now or datetime.combine(start, time(12), tzinfo=UTC)
    change = steps_change(
        None,
        effective_night=start,
        start_date=start,
        steps=plan_steps(steps),
        reason="Starting LDN",
        dosing_time=dosing_time,
    )
    return create_prescription(
        patient_id=patient.pk,
        prescriber=clinician,
        prescription=prescription,
        change=change,
        now=now,
        # Test plans may climb fast on purpose; the safety prompt has tests of its own.
        confirmed_increase=True,
    )


def prescribe_again(patient, clinician, night, dose="1.5", concentration="1"):
    """A new liquid prescription (``concentration`` mg/mL) at ``dose`` mg from ``night``,
    after the last one ended, signed at 13:00 UTC that day."""
    return create_prescription(
        patient_id=patient.pk,
        prescriber=clinician,
        prescription=Prescription(
            formulation=Formulation.LIQUID, concentration_mg_per_ml=Decimal(concentration)
        ),
        change=steps_change(
            None,
            effective_night=night,
            start_date=night,
            steps=plan_steps(((dose, None),)),
            reason="Back on LDN",
        ),
        now=datetime.combine(night, time(13), tzinfo=UTC),
    )


def steps_data(steps):
    """The step rows of a plan form (a change, a template), ``(dose, days)`` as typed, with
    the formset's management fields."""
    data = {
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, (dose, days) in enumerate(steps):
        data[f"steps-{index}-dose_mg"] = dose
        data[f"steps-{index}-days"] = days
    return data


def new_prescription_data(start, steps, **overrides):
    """A new prescription's form as a clinician posts it: capsules of 1.5, 3 and 4.5 mg,
    evening dosing, ``steps`` ``(dose, days)`` as typed from ``start``; ``overrides`` last."""
    return {
        "based_on": "0",
        "formulation": "capsule",
        "strengths_text": "1.5, 3.0, 4.5",
        "concentration_mg_per_ml": "",
        "dosing_time": "evening",
        "start_date": str(start),
        "instructions": "",
        "reason": "Fibromyalgia, starting LDN",
        "patient_note": "",
        **steps_data(steps),
        **overrides,
    }
