"""Demo data for the clinician dashboard (`seed_demo`, after the journal): reviews and notes.

With the journal's examples and the open urgent report, Dr Morgan's list then shows every
flag kind at least once:

- patient@ (Pat): deviation and out-of-window doses, already reviewed through last night,
  with care-team notes and the extra "Brain fog" scale;
- patient2@ (Sam): the open urgent report (seeded by patients.urgent.demo);
- patient3@ (Jo): put on hold two nights ago, and the dose logged that night: dose on hold;
- patient4@ (Chris): worsening pain and a new severe side effect (from the journal examples),
  and 0.25 mL too much liquid measured six nights ago: a dose deviation;
- patient5@ (Morgan): nothing logged for the last 8 nights: gone quiet and missed nights.

Idempotent: a patient who already has the demo note is left alone.

Last, `seed_access_log` writes the access-log rows of the clinician visits all of that implies
(every plan version signed, note written, flags reviewed and urgent report answered), so "Who
viewed my data" agrees with the rest of the demo.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import AccessLog, Role
from patients.clinic import attention
from patients.models import ClinicianNote, FlagReview, NightlyEntry, SymptomScale, UrgentReport
from prescriptions import plans
from prescriptions.models import PlanStep, PlanVersion

CLINICIAN = "clinician@example.com"
REVIEWED = "patient@example.com"
ON_HOLD = "patient3@example.com"
QUIET = "patient5@example.com"
QUIET_NIGHTS = 8
DEVIATES = "patient4@example.com"
DEVIATION_NIGHTS_AGO = 6
DEVIATION_MG = Decimal("0.25")
MARKER = "Reviewed at the monthly check-in."
# How long before a change the demo clinician opened the patient page to make it.
VISIT = timedelta(minutes=6)
NOTES = [
    (9, MARKER + " Late doses explained by night shifts; agreed to keep 21:00–03:00."),
    (2, "Asked about the 3 mg night: had run out of 4.5 mg capsules. Repeat prescription sent."),
]


def _tonight(patient, now):
    return plans.load(patient).tonight(patient.tz, now)


def _put_on_hold(patient, clinician, now):
    """A hold from two nights ago with the dose of that night already logged."""
    prescription = plans.load(patient).open_prescription
    if prescription is None:
        return
    latest = prescription.versions.order_by("-number").first()
    night = _tonight(patient, now) - timedelta(days=2)
    entry = NightlyEntry.objects.filter(patient=patient, night=night, status="taken").first()
    if latest is None or entry is None or latest.hold_from is not None:
        return
    # Signed as the app allows it (prescriptions.changes: a hold may not start on a night
    # whose dose is logged already): at the start of that night, before its dose. The doses
    # logged from then on were logged under the hold, so nothing was prescribed for them (the
    # CSV said 4.50 mg where every page said "on hold", and the flag's evidence was a dose
    # taken before the hold existed: found by exploratory testing).
    signed_at = plans.load(patient).window(night, patient.tz)[0]
    NightlyEntry.objects.filter(patient=patient, night__gte=night).update(prescribed_mg=None)
    version = PlanVersion.objects.create(
        prescription=prescription,
        number=latest.number + 1,
        kind=PlanVersion.Kind.HOLD,
        effective_night=night,
        start_date=latest.start_date,
        # The held steps keep their numbers (a restart at step 2 of 3 is still step 2 of 3):
        # made without it, Jo's hold numbered them "Step 1/2" (found by QA).
        steps_before=latest.steps_before,
        dosing_time=latest.dosing_time,
        hold_from=night,
        author=clinician,
        created_at=signed_at,
        reason_kind=PlanVersion.ReasonKind.OPIOID_PAIN_RELIEF,
        reason="After a fall: hold until off opioids.",
        patient_note="Please stop LDN while you take the painkillers from the hospital.",
    )
    PlanStep.objects.bulk_create(
        PlanStep(version=version, position=s.position, dose_mg=s.dose_mg, days=s.days)
        for s in latest.steps.all()
    )


@transaction.atomic
def seed_reviews(users, patients, now=None):
    now = now or timezone.now()
    clinician = users[CLINICIAN]
    reviewed = patients[REVIEWED]
    if ClinicianNote.objects.filter(patient=reviewed, text__startswith=MARKER).exists():
        return
    SymptomScale.objects.get_or_create(
        patient=reviewed,
        name="Brain fog",
        defaults={"low_anchor": "Clear head", "high_anchor": "Very foggy", "created_by": clinician},
    )
    for days_ago, text in NOTES:
        ClinicianNote.objects.create(
            patient=reviewed, author=clinician, text=text, created_at=now - timedelta(days=days_ago)
        )
    FlagReview.objects.create(
        patient=reviewed,
        reviewed_through=_tonight(reviewed, now) - timedelta(days=1),
        reviewed_by=clinician,
        at=now - timedelta(hours=20),
        note="Timing and the one-off 3 mg night discussed.",
    )
    quiet = patients[QUIET]
    NightlyEntry.objects.filter(
        patient=quiet, night__gt=_tonight(quiet, now) - timedelta(days=QUIET_NIGHTS + 1)
    ).delete()
    _put_on_hold(patients[ON_HOLD], clinician, now)
    deviates = patients[DEVIATES]
    entry = NightlyEntry.objects.filter(
        patient=deviates,
        night=_tonight(deviates, now) - timedelta(days=DEVIATION_NIGHTS_AGO),
        status="taken",
    ).first()
    if entry is not None and entry.dose_mg + DEVIATION_MG <= Decimal("5"):
        entry.dose_mg += DEVIATION_MG
        entry.save(update_fields=["dose_mg"])


def seed_attention(_users, _patients, now=None):
    """Every patient's stored attention row rewritten, last: the journal's nights are bulk
    inserted (no signal), so the list showed two patients as never logged, 0 % / 0 %, while
    their pages said 100 % (found by exploratory testing). As `manage.py rebuild_attention`."""
    attention.rebuild(now)


def _opened(clinician, patient, at):
    """The patient page opened a few minutes before `at`, as a clinician reaches any form."""
    record_access(
        None, "patient.view", patient=patient, obj=patient, actor=clinician, at=at - VISIT
    )


def _log_plan_visits(patient):
    versions = PlanVersion.objects.filter(
        prescription__patient=patient, author__role=Role.CLINICIAN
    ).select_related("prescription", "author")
    for version in versions.order_by("created_at", "pk"):
        clinician, at, prescription = version.author, version.created_at, version.prescription
        _opened(clinician, patient, at)
        read_at = at - timedelta(minutes=1)
        if version.number == 1:
            # Started from the plan page, read before the prescription existed.
            record_access(None, "plan.read", patient=patient, actor=clinician, at=read_at)
            record_access(
                None,
                "prescription.create",
                patient=patient,
                obj=prescription,
                actor=clinician,
                at=at,
            )
            continue
        record_access(
            None, "plan.read", patient=patient, obj=prescription, actor=clinician, at=read_at
        )
        record_access(
            None,
            "plan.change",
            patient=patient,
            obj=version,
            actor=clinician,
            detail={"version": version.number, "kind": version.kind},
            at=at,
        )


def _log_notes_and_reviews(patient):
    for note in ClinicianNote.objects.filter(patient=patient, author__role=Role.CLINICIAN):
        _opened(note.author, patient, note.created_at)
        record_access(
            None, "note.add", patient=patient, obj=note, actor=note.author, at=note.created_at
        )
    reviews = FlagReview.objects.filter(patient=patient, reviewed_by__role=Role.CLINICIAN)
    for review in reviews.select_related("reviewed_by"):
        _opened(review.reviewed_by, patient, review.at)
        record_access(
            None,
            "flags.review",
            patient=patient,
            obj=review,
            actor=review.reviewed_by,
            detail={"through": review.reviewed_through.isoformat()},
            at=review.at,
        )


def _log_answers(patient):
    answered = UrgentReport.objects.filter(
        patient=patient, acknowledged_by__role=Role.CLINICIAN
    ).select_related("acknowledged_by")
    for report in answered:
        # Opened from its alert (no patient page first), read, then answered.
        clinician, at = report.acknowledged_by, report.acknowledged_at
        record_access(
            None,
            "urgent.read",
            patient=patient,
            obj=report,
            actor=clinician,
            at=at - timedelta(minutes=4),
        )
        record_access(
            None,
            "urgent.acknowledge",
            patient=patient,
            obj=report,
            actor=clinician,
            detail={
                "hold": report.ack_decision == UrgentReport.Decision.HOLD,
                "decision": report.ack_decision,
            },
            at=at,
        )


@transaction.atomic
def seed_access_log(_users, patients):
    """The access-log rows of the clinician visits the demo implies (each plan version
    signed, note written, flag review and urgent answer), through the one recorder the
    views use, at the past moments the stored records give them. A patient whose log
    already has a staff row (seeded before, or read since) is left alone, so re-running
    adds nothing."""
    staff = [Role.CLINICIAN, Role.ADMIN]
    for _email, patient in sorted(patients.items()):
        if AccessLog.objects.filter(patient=patient, actor_role__in=staff).exists():
            continue
        _log_plan_visits(patient)
        _log_notes_and_reviews(patient)
        _log_answers(patient)
