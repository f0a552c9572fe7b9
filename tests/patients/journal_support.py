"""Plans and nights for the journal tests (prescriptions are made directly: no clinician pages)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from patients.models import NightlyEntry
from prescriptions import plans
from prescriptions.changes import dosing_time_change, save_version
from prescriptions.models import Formulation, PlanStep, PlanVersion, Prescription

# A Wednesday evening in London (GMT): 22:00 local = 22:00 UTC, night of 2026-11-25.
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
TONIGHT = date(2026, 11, 25)


def make_plan(
    patient,
    author,
    steps=(("1.5", 60), ("3", 14), ("4.5", None)),
    *,
    start=date(2026, 11, 1),
    formulation=Formulation.CAPSULE,
    concentration=None,
    dosing_time="evening",
    hold_from=None,
    patient_note="",
):
    prescription = Prescription.objects.create(
        patient=patient,
        prescriber=author,
        formulation=formulation,
        strengths=["1.5", "3", "4.5"],
        concentration_mg_per_ml=concentration,
        start_date=start,
    )
    version = PlanVersion.objects.create(
        prescription=prescription,
        number=1,
        effective_night=start,
        start_date=start,
        dosing_time=dosing_time,
        hold_from=hold_from,
        author=author,
        reason="Start",
        patient_note=patient_note,
    )
    PlanStep.objects.bulk_create(
        PlanStep(version=version, position=i, dose_mg=Decimal(dose), days=days)
        for i, (dose, days) in enumerate(steps)
    )
    return prescription


def switch_dosing_time(
    patient,
    author,
    dosing_time,
    effective_night,
    *,
    reason="Sleep",
    signed=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
):
    """The clinician signs a change of the plan's dosing time from ``effective_night`` on,
    as the plan page does (save_version), at ``signed``."""
    plan = plans.load(patient)
    latest = plan.latest
    return save_version(
        prescription_id=plan.prescription.pk,
        author=author,
        based_on=latest.number,
        change=dosing_time_change(
            latest, dosing_time=dosing_time, effective_night=effective_night, reason=reason
        ),
        now=signed,
    )


def a_year_of_nights(patient, last=TONIGHT, nights=365):
    """Nights taken every evening up to (not including) ``last``; every tenth skipped."""
    entries = []
    for offset in range(1, nights + 1):
        night = last - timedelta(days=offset)
        skipped = offset % 10 == 0
        entries.append(
            NightlyEntry(
                patient=patient,
                night=night,
                status="skipped" if skipped else "taken",
                dose_mg=None if skipped else Decimal("1.5"),
                prescribed_mg=Decimal("1.5"),
                taken_at=None
                if skipped
                else datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=22),
                skip_reason="forgot" if skipped else "",
                pain=offset % 11,
                mood=5,
            )
        )
    NightlyEntry.objects.bulk_create(entries)
