"""Plans and nights in bulk for the dashboard, report and export tests."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from patients.models import NightlyEntry, SideEffect
from prescriptions.models import PlanStep, PlanVersion, Prescription


def give_plan(patient, clinician, start, steps=(("1.5", 14), ("3", 14), ("4.5", None))):
    prescription = Prescription.objects.create(
        patient=patient, prescriber=clinician, start_date=start, strengths=["1.5", "3", "4.5"]
    )
    version = PlanVersion.objects.create(
        prescription=prescription,
        number=1,
        effective_night=start,
        start_date=start,
        author=clinician,
        reason="Starting LDN",
    )
    PlanStep.objects.bulk_create(
        PlanStep(version=version, position=i, dose_mg=Decimal(dose), days=days)
        for i, (dose, days) in enumerate(steps)
    )
    return prescription


def give_nights(patients, last_night, count, *, dose="4.5", pain=4, skip=(), notes=""):
    """`count` taken nights ending with `last_night` for each patient (bulk, 1 insert)."""
    rows = []
    for patient in patients:
        for offset in range(count):
            night = last_night - timedelta(days=offset)
            taken_at = datetime(night.year, night.month, night.day, 21, 30, tzinfo=UTC)
            if offset in skip:
                rows.append(NightlyEntry(patient=patient, night=night, status="skipped"))
                continue
            rows.append(
                NightlyEntry(
                    patient=patient,
                    night=night,
                    status="taken",
                    dose_mg=Decimal(dose),
                    prescribed_mg=Decimal(dose),
                    taken_at=taken_at,
                    pain=pain,
                    fatigue=4,
                    mood=6,
                    sleep_quality=6,
                    dreams="normal",
                    dream_intensity=3,
                    notes=notes,
                    morning_logged_at=taken_at + timedelta(hours=11),
                )
            )
    return NightlyEntry.objects.bulk_create(rows, batch_size=2000)


def severe_side_effect(entry, kind="headache"):
    return SideEffect.objects.create(entry=entry, kind=kind, severity=3)
