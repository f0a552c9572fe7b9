"""A patient at maintenance with little relief, and plain versions from 6 Aug (the
maintenance review tests')."""

from datetime import UTC, date, datetime, time, timedelta

from prescriptions import titration
from prescriptions.changes import dosing_time_change, save_version, steps_change
from prescriptions.models import PlanVersion
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import sign_hold
from tests.prescriptions.factories import make_prescription, plan_steps

AUG_6 = date(2026, 8, 6)  # 1.5 mg for 14, 3 mg for 14, then 4.5 mg from 3 Sep
SEP_30 = date(2026, 9, 30)
DEC_4 = date(2026, 12, 4)


def patient_with_little_relief(
    clinician, dosing_time=titration.EVENING, lowered=False, *, switched=False, held=None
):
    """A London patient at maintenance since 3 Sep, pain 7/10 in the first two weeks and
    6/10 in the last two (14 % better: the review fires). ``lowered``: maintenance lowered
    from 4.5 to 3 mg from 30 Sep, mid-step. ``switched``: morning dosing from 30 Sep.
    ``held``: (first, last) nights of a dated hold, signed the day before it."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    prescription = make_prescription(patient, clinician, AUG_6, dosing_time=dosing_time)
    if switched:
        save_version(
            prescription_id=prescription.pk,
            author=clinician,
            based_on=1,
            change=dosing_time_change(
                PlanVersion.objects.get(prescription=prescription, number=1).as_plain(),
                dosing_time=titration.MORNING,
                effective_night=SEP_30,
                reason="Sleep",
            ),
            now=datetime(2026, 9, 28, 9, tzinfo=UTC),
        )
    if lowered:
        latest = PlanVersion.objects.get(prescription=prescription, number=1).as_plain()
        save_version(
            prescription_id=prescription.pk,
            author=clinician,
            based_on=1,
            change=steps_change(
                latest,
                effective_night=SEP_30,
                start_date=AUG_6,
                steps=plan_steps((("1.5", 14), ("3.0", 14), ("3.0", None))),
                reason="Nausea at 4.5 mg",
            ),
            now=datetime(2026, 9, 30, 9, tzinfo=UTC),
        )
    if held:
        sign_hold(
            patient,
            clinician,
            *held,
            signed=datetime.combine(held[0] - timedelta(days=1), time(12), tzinfo=UTC),
        )
    give_nights([patient], AUG_6 + timedelta(days=13), 14, pain=7)
    give_nights([patient], DEC_4 - timedelta(days=1), 14, pain=6)
    return patient


def plain(number, effective, steps):
    return titration.PlainVersion(
        number=number, effective_night=effective, start_date=AUG_6, steps=plan_steps(steps)
    )
