"""The one way a plan changes: a new signed PlanVersion, saved under a lock on the prescription.

Every change (new steps, a template, a hold, a resume, a dosing-time switch, the end of a
prescription, and the first plan of a new prescription) goes through
:func:`create_prescription` or :func:`save_version`. Both run in one transaction, lock the
row they extend (``select_for_update``) and refuse a change built from a version that is no
longer the newest, so two clinicians editing the same plan at once end with exactly one new
version and nothing is ever partly saved.

The helpers ``*_change`` build the proposed version from the newest one as plain values; they
are pure and raise :class:`PlanChangeError` with a message for the clinician.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import transaction

from patients.models import Patient
from patients.rules.nights import tonight
from prescriptions import titration
from prescriptions.models import PlanStep, PlanVersion, Prescription

STALE_MESSAGE = (
    "The plan changed while you were editing: nothing was saved. "
    "Here is the plan as it is now; make your change again if it is still needed."
)


class PlanChangeError(Exception):
    """A change that cannot be saved; ``str(error)`` is the message for the clinician."""


class StalePlan(PlanChangeError):
    def __init__(self, message=STALE_MESSAGE):
        super().__init__(message)


@dataclass(frozen=True)
class PlanChange:
    """A proposed new version, as plain values."""

    kind: str
    effective_night: date
    start_date: date
    steps: tuple[titration.Step, ...]
    reason: str
    patient_note: str = ""
    dosing_time: str = titration.EVENING
    hold_from: date | None = None
    hold_until: date | None = None
    template_id: int | None = None


# --- pure builders ------------------------------------------------------------------------


def _carried_hold(latest: titration.PlanVersion, effective_night: date):
    """A hold still pending or running on ``effective_night`` carries into the new version.

    Without this, a step change saved during a planned surgery hold would silently lift the
    hold (the newer version wins from its effective night).
    """
    if latest.hold_from is None:
        return None, None
    if latest.hold_until is not None and latest.hold_until < effective_night:
        return None, None
    return latest.hold_from, latest.hold_until


def steps_change(
    latest: titration.PlanVersion | None,
    *,
    effective_night: date,
    start_date: date,
    steps,
    reason: str,
    patient_note: str = "",
    template_id: int | None = None,
    dosing_time: str | None = None,
) -> PlanChange:
    hold_from, hold_until = (
        (None, None) if latest is None else _carried_hold(latest, effective_night)
    )
    if dosing_time is None:
        dosing_time = latest.dosing_time if latest is not None else titration.EVENING
    if latest is None:
        kind = PlanVersion.Kind.CREATED
    elif template_id is not None:
        kind = PlanVersion.Kind.TEMPLATE
    else:
        kind = PlanVersion.Kind.CHANGED
    return PlanChange(
        kind=kind,
        effective_night=effective_night,
        start_date=start_date,
        steps=tuple(steps),
        reason=reason,
        patient_note=patient_note,
        dosing_time=dosing_time,
        hold_from=hold_from,
        hold_until=hold_until,
        template_id=template_id,
    )


def hold_change(
    latest: titration.PlanVersion,
    *,
    hold_from: date,
    hold_until: date | None,
    reason: str,
    patient_note: str = "",
) -> PlanChange:
    if hold_until is not None and hold_until < hold_from:
        raise PlanChangeError(
            "The hold cannot end before it starts: choose an end date on or after "
            f"{hold_from:%d %b %Y}, or leave it empty for an open-ended hold."
        )
    return PlanChange(
        kind=PlanVersion.Kind.HOLD,
        effective_night=hold_from,
        start_date=latest.start_date,
        steps=latest.steps,
        reason=reason,
        patient_note=patient_note,
        dosing_time=latest.dosing_time,
        hold_from=hold_from,
        hold_until=hold_until,
    )


def is_held_on_or_after(latest: titration.PlanVersion | None, night: date) -> bool:
    """The newest version has a hold that is running on ``night`` or still to come."""
    if latest is None or latest.hold_from is None:
        return False
    return latest.hold_until is None or latest.hold_until >= night


def resume_change(
    latest: titration.PlanVersion | None,
    *,
    tonight_night: date,
    resume_on: date,
    step_index: int,
    reason: str,
    patient_note: str = "",
) -> PlanChange:
    """Restart at ``steps[step_index]`` on ``resume_on``; the steps before it are dropped."""
    if not is_held_on_or_after(latest, tonight_night):
        raise PlanChangeError("The plan is not on hold, so there is nothing to resume.")
    if not 0 <= step_index < len(latest.steps):
        raise PlanChangeError(f"Choose a step from 1 to {len(latest.steps)} to restart at.")
    return PlanChange(
        kind=PlanVersion.Kind.RESUME,
        effective_night=resume_on,
        start_date=resume_on,
        steps=latest.steps[step_index:],
        reason=reason,
        patient_note=patient_note,
        dosing_time=latest.dosing_time,
    )


def end_change(
    latest: titration.PlanVersion | None,
    *,
    tonight_night: date,
    reason: str,
    patient_note: str = "",
) -> PlanChange:
    """End the prescription: no dose from tonight on. Recorded as a signed version that
    holds the plan open-endedly from tonight, so every night before keeps the dose it had
    and no night after has one; the prescription's status becomes ended."""
    if latest is None:
        raise PlanChangeError("This prescription has no plan to end.")
    hold = hold_change(
        latest, hold_from=tonight_night, hold_until=None, reason=reason, patient_note=patient_note
    )
    return replace(hold, kind=PlanVersion.Kind.ENDED)


def dosing_time_change(
    latest: titration.PlanVersion,
    *,
    dosing_time: str,
    effective_night: date,
    reason: str,
    patient_note: str = "",
) -> PlanChange:
    if dosing_time == latest.dosing_time:
        raise PlanChangeError(
            f"The plan already uses {dosing_time} dosing: choose the other dosing time."
        )
    hold_from, hold_until = _carried_hold(latest, effective_night)
    return PlanChange(
        kind=PlanVersion.Kind.DOSING_TIME,
        effective_night=effective_night,
        start_date=latest.start_date,
        steps=latest.steps,
        reason=reason,
        patient_note=patient_note,
        dosing_time=dosing_time,
        hold_from=hold_from,
        hold_until=hold_until,
    )


# --- saving -------------------------------------------------------------------------------


def patient_tonight(patient: Patient, now: datetime, dosing_time: str = titration.EVENING):
    return tonight(now, patient.tz, dosing_time)


def _check(prescription: Prescription, change: PlanChange, now: datetime) -> None:
    if not change.reason.strip():
        raise PlanChangeError("Give a reason for the change (the care team sees it).")
    # An ending carries the old steps only as a record: it never prescribes them again, so
    # it is not refused for steps that no longer fit (strengths on hand changed since).
    errors = (
        [] if change.kind == PlanVersion.Kind.ENDED else prescription.validate_steps(change.steps)
    )
    if errors:
        raise PlanChangeError(" ".join(errors))
    # Nights already begun keep the dose they were prescribed: history is never rewritten.
    first_open_night = patient_tonight(prescription.patient, now)
    if change.effective_night < first_open_night:
        raise PlanChangeError(
            f"A change can take effect from tonight ({first_open_night:%d %b %Y}) or later; "
            "earlier nights keep the plan they had."
        )


def _insert_version(prescription, number, author, change: PlanChange, now) -> PlanVersion:
    version = PlanVersion.objects.create(
        prescription=prescription,
        number=number,
        kind=change.kind,
        effective_night=change.effective_night,
        start_date=change.start_date,
        dosing_time=change.dosing_time,
        hold_from=change.hold_from,
        hold_until=change.hold_until,
        author=author,
        created_at=now,
        reason=change.reason.strip(),
        patient_note=change.patient_note.strip(),
        template_id=change.template_id,
    )
    PlanStep.objects.bulk_create(
        PlanStep(version=version, position=index, dose_mg=step.dose_mg, days=step.days)
        for index, step in enumerate(change.steps)
    )
    return version


def _status_after(change: PlanChange) -> str:
    # The stored status is a summary for lists; the dose for a night always comes from
    # titration.current_step, which knows exactly when a hold starts and ends.
    if change.kind == PlanVersion.Kind.ENDED:
        return Prescription.Status.ENDED
    return (
        Prescription.Status.ON_HOLD if change.hold_from is not None else Prescription.Status.ACTIVE
    )


def save_version(
    *, prescription_id: int, author, based_on: int, change: PlanChange, now: datetime
) -> PlanVersion:
    """Save ``change`` as the next version, or raise StalePlan / PlanChangeError.

    ``based_on`` is the number of the newest version the clinician's form was built from.
    """
    with transaction.atomic():
        prescription = (
            Prescription.objects.select_for_update()
            .select_related("patient")
            .get(pk=prescription_id)
        )
        latest_number = (
            PlanVersion.objects.filter(prescription=prescription)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        ) or 0
        if latest_number != based_on:
            raise StalePlan()
        if prescription.status == Prescription.Status.ENDED:
            raise PlanChangeError("This prescription has ended; start a new prescription.")
        _check(prescription, change, now)
        version = _insert_version(prescription, latest_number + 1, author, change, now)
        status = _status_after(change)
        if prescription.status != status:
            prescription.status = status
            fields = ["status"]
            if status == Prescription.Status.ENDED:
                # The night it ended (no dose from then); a plan ended before it began
                # ends on its start date.
                prescription.end_date = max(change.effective_night, prescription.start_date)
                fields.append("end_date")
            prescription.save(update_fields=fields)
        return version


def create_prescription(
    *, patient_id: int, prescriber, prescription: Prescription, change: PlanChange, now: datetime
) -> Prescription:
    """Save a patient's first (or next, after the last one ended) prescription and version 1.

    ``prescription`` is an unsaved instance carrying the formulation fields. The patient row
    is locked so two clinicians creating a prescription at once end with one.
    """
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient_id)
        if (
            Prescription.objects.filter(patient=patient)
            .exclude(status=Prescription.Status.ENDED)
            .exists()
        ):
            raise StalePlan(
                "This patient already has a prescription (another clinician may just have "
                "created it): nothing was saved. Change its plan instead."
            )
        prescription.patient = patient
        prescription.prescriber = prescriber
        prescription.created_at = now
        prescription.start_date = change.start_date
        change = replace(change, kind=PlanVersion.Kind.CREATED)
        _check(prescription, change, now)
        prescription.status = _status_after(change)
        prescription.save()
        _insert_version(prescription, 1, prescriber, change, now)
        return prescription
