"""A prescription ended after tonight's dose was logged (the new-prescription tests')."""

from datetime import UTC, date, datetime
from decimal import Decimal

from patients.models import NightlyEntry
from prescriptions import titration
from prescriptions.changes import end_change
from tests.patients.journal_support import sign_change
from tests.prescriptions.factories import make_prescription

DEC_5 = date(2026, 12, 5)
DEC_6 = date(2026, 12, 6)
LOGGED = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # London: tonight (5 Dec)'s dose, 22:00
ENDED = datetime(2026, 12, 5, 22, 30, tzinfo=UTC)
EVENING_NOW = "2026-12-05 23:00Z"
MORNING_LOGGED = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)  # today (5 Dec)'s morning dose


def log(patient, night=DEC_5, at=LOGGED, prescribed="4.5"):
    return NightlyEntry.objects.create(
        patient=patient,
        night=night,
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal("4.5"),
        prescribed_mg=Decimal(prescribed) if prescribed else None,
        taken_at=at,
        evening_logged_at=at,
    )


def ended_after_the_logged_dose(patient, clinician, dosing_time=titration.EVENING, at=ENDED):
    """On 4.5 mg since 1 Oct; the dose of the night of 5 Dec is logged and then the
    prescription is ended, as the End page signs it: from the first night a change can
    take effect, 6 Dec."""
    make_prescription(
        patient, clinician, date(2026, 10, 1), steps=(("4.5", None),), dosing_time=dosing_time
    )
    log(patient, at=MORNING_LOGGED if dosing_time == titration.MORNING else LOGGED)
    sign_change(
        patient,
        clinician,
        lambda plan: end_change(
            plan.latest, tonight_night=DEC_6, reason="Stopped", versions=tuple(plan.versions)
        ),
        at,
    )
    return patient
