"""Demo prescriptions and plan histories for `manage.py seed_demo` (idempotent).

Runs before the journal seeding (ldn_journal.demo.extra_steps), so the seeded nights can
follow ``prescribed_dose``. Every version is made through changes.py exactly as a clinician
would, signed "in the past" (``now`` = the afternoon of its first night). Dates are relative
to each patient's tonight T when first seeded; a patient who already has a prescription is
left alone, so re-running changes nothing.

Who shows what (T = tonight, T-1 = last night; the journal seeding supplies the nights, and
:func:`journal_hints` lists the values a suggestion needs, night by night):

- patient@example.com (Pat, Dr Morgan): Standard capsules from T-120, maintenance 4.5 mg since
  T-92. Suggestion (d) "review whether LDN is helping": pain about 7/10 in the first two weeks
  and about 6/10 in the last two (< 30 % better).
- patient2@example.com (Sam, Dr Morgan): Standard capsules from T-33; stepped up 3.0 -> 4.5 mg
  on T-5. Suggestion (a) "consider returning to the previous dose": vivid dreams or
  nightmares of intensity 6-8 on T-5, T-4, T-2 and T-1, each a night taken. (The browser
  test applies it.)
- patient3@example.com (Jo, Dr Morgan): Standard from T-120; held from T-40 (open-ended) for
  planned surgery (opioid pain relief), resumed at 3.0 mg on T-29, maintenance 4.5 mg since T-15.
- patient4@example.com (Chris, Dr Morgan): liquid 1 mg/mL, "Liquid micro-titration" from T-60
  (1.0 mg + 0.25 mg every 7 days; 3.0 mg in week 9).
- patient5@example.com (Morgan, Dr Morgan): Standard from T-90, switched to morning dosing from
  T-50 after poor sleep.
- patient6@example.com (Jamie, Dr Patel): Standard from T-70 (evening). Suggestion (b)
  "consider morning dosing": insomnia (moderate) and sleep quality 2-3 on T-6, T-4, T-3, T-1,
  each a night taken.
- patient7@example.com (Taylor, Dr Patel): 1.5 mg x 14 then 3.0 mg x 14 "review before
  maintenance" from T-30; step 2 began T-16 and its 14 nights are done. Suggestion (c) "ready
  for the next step": every night T-16..T-1 taken, no moderate or severe side effect.
- patient8@example.com (Riley, Dr Patel): Standard from T-60; on hold since T-3, open-ended,
  for opioid pain relief after dental surgery (the tonight card shows the pause).
- patient9@example.com (Avery, Dr Patel): an earlier capsule prescription from T-150, ended on
  T-100 (moved abroad for work); then compounded capsules ("other"), "Gentle start" from T-45
  (1.0 mg + 0.5 mg every 14 days), its steps changed on T-10 to stay at 2.0 mg a week longer.

Together these cover every kind of plan history (created, steps changed, template, hold,
resume, dosing time, ended, a new prescription after an ended one): the FHIR round-trip test
exports each demo patient and rebuilds their plan history from the Bundle alone.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from prescriptions import plans, titration
from prescriptions.builtin import BUILT_IN_TEMPLATES, ensure_builtin_templates
from prescriptions.changes import (
    create_prescription,
    dosing_time_change,
    end_change,
    hold_change,
    resume_change,
    save_version,
    steps_change,
)
from prescriptions.models import Formulation, PlanTemplate, PlanVersion, Prescription

CAPSULE_STRENGTHS = ["1.50", "3.00", "4.50"]


def _steps(rows):
    return tuple(titration.Step(Decimal(dose), days) for dose, days in rows)


def _template_steps(name):
    spec = next(t for t in BUILT_IN_TEMPLATES if t["name"] == name)
    return tuple(titration.Step(Decimal(s["dose_mg"]), s["days"]) for s in spec["steps"])


STANDARD = _steps([("1.5", 14), ("3.0", 14), ("4.5", None)])

# email -> (formulation, template name or None, start offset, steps, [later changes])
# A later change is (kind, offset of its first night, options).
PLANS = {
    "patient@example.com": (Formulation.CAPSULE, "Standard", 120, STANDARD, []),
    "patient2@example.com": (Formulation.CAPSULE, "Standard", 33, STANDARD, []),
    "patient3@example.com": (
        Formulation.CAPSULE,
        "Standard",
        120,
        STANDARD,
        [
            (
                "hold",
                40,
                {
                    "until": None,
                    "kind": PlanVersion.ReasonKind.PLANNED_SURGERY,
                    "reason": "Knee replacement, opioid pain relief expected",
                    "note": "Stop LDN from tonight until after your "
                    "operation; we will tell you when to restart.",
                },
            ),
            (
                "resume",
                29,
                {
                    "step": 1,
                    "reason": "Surgery done, off opioids",
                    "note": "Restart at 3.0 mg tonight, then back to 4.5 mg in two weeks.",
                },
            ),
        ],
    ),
    "patient4@example.com": (
        Formulation.LIQUID,
        "Liquid micro-titration",
        60,
        _template_steps("Liquid micro-titration"),
        [],
    ),
    "patient5@example.com": (
        Formulation.CAPSULE,
        "Standard",
        90,
        STANDARD,
        [
            (
                "morning",
                50,
                {
                    "reason": "Insomnia on evening dosing",
                    "note": "From tomorrow, take your dose in the morning with breakfast.",
                },
            ),
        ],
    ),
    "patient6@example.com": (Formulation.CAPSULE, "Standard", 70, STANDARD, []),
    "patient7@example.com": (
        Formulation.CAPSULE,
        None,
        30,
        _steps([("1.5", 14), ("3.0", 14)]),
        [],
    ),
    "patient8@example.com": (
        Formulation.CAPSULE,
        "Standard",
        60,
        STANDARD,
        [
            (
                "hold",
                3,
                {
                    "until": None,
                    "kind": PlanVersion.ReasonKind.OPIOID_PAIN_RELIEF,
                    "reason": "After dental surgery",
                    "note": "Do not take LDN while you take the painkillers from your "
                    "dentist. We will tell you when to restart.",
                },
            ),
        ],
    ),
    "patient9@example.com": (
        Formulation.OTHER,
        "Gentle start",
        45,
        _template_steps("Gentle start"),
        [
            (
                "steps",
                10,
                {
                    "start": 10,
                    "steps": _steps([("2.0", 21), ("2.5", 14), ("3.0", None)]),
                    "reason": "Mild headaches after the step up: a week longer at 2.0 mg",
                    "note": "Stay at 2.0 mg for three more weeks before the next step.",
                },
            ),
        ],
    ),
}

# email -> (start offset, end offset, steps): a prescription that ended before the current one.
EARLIER = {
    "patient9@example.com": (150, 100, _steps([("1.5", 14), ("3.0", None)])),
}


def _seed_ended(patient, clinician, spec, today: date):
    start_offset, end_offset, steps = spec
    start, end = today - timedelta(days=start_offset), today - timedelta(days=end_offset)
    prescription = create_prescription(
        patient_id=patient.pk,
        prescriber=clinician,
        prescription=Prescription(formulation=Formulation.CAPSULE, strengths=CAPSULE_STRENGTHS),
        change=steps_change(
            None,
            effective_night=start,
            start_date=start,
            steps=steps,
            reason="Starting LDN",
            patient_note="Welcome! Your dose tonight is shown on your home page.",
        ),
        now=_signed_at(patient, start),
    )
    save_version(
        prescription_id=prescription.pk,
        author=clinician,
        based_on=1,
        change=end_change(
            plans.load(patient).latest,
            tonight_night=end,
            reason="Moving abroad for work for three months: stopping until back",
            patient_note="Stop LDN from tonight; we will restart when you are back.",
        ),
        now=_signed_at(patient, end),
    )


def _signed_at(patient, night: date) -> datetime:
    """The afternoon of ``night`` in the patient's zone: 'tonight' is then that night."""
    return datetime.combine(night, time(13, 0), tzinfo=patient.tz)


def _seed_one(patient, clinician, spec, today: date):
    formulation, template_name, start_offset, steps, later = spec
    template = PlanTemplate.objects.filter(name=template_name).first() if template_name else None
    start = today - timedelta(days=start_offset)
    prescription = Prescription(
        formulation=formulation,
        strengths=CAPSULE_STRENGTHS if formulation == Formulation.CAPSULE else [],
        concentration_mg_per_ml=Decimal("1.00") if formulation == Formulation.LIQUID else None,
        instructions="Take with water. Keep your doses at the same time every day.",
    )
    create_prescription(
        patient_id=patient.pk,
        prescriber=clinician,
        prescription=prescription,
        change=steps_change(
            None,
            effective_night=start,
            start_date=start,
            steps=steps,
            reason="Starting LDN" + (f" ({template_name} template)" if template_name else ""),
            patient_note="Welcome! Your dose tonight is shown on your home page.",
            template_id=template.pk if template else None,
        ),
        now=_signed_at(patient, start),
    )
    number = 1
    for kind, offset, options in later:
        night = today - timedelta(days=offset)
        latest = plans.load(patient).latest
        if kind == "hold":
            until = options["until"]
            change = hold_change(
                latest,
                hold_from=night,
                hold_until=today - timedelta(days=until) if until is not None else None,
                reason=options["reason"],
                reason_kind=options["kind"],
                patient_note=options["note"],
            )
        elif kind == "steps":
            change = steps_change(
                latest,
                effective_night=night,
                start_date=today - timedelta(days=options["start"]),
                steps=options["steps"],
                reason=options["reason"],
                patient_note=options["note"],
            )
        elif kind == "resume":
            change = resume_change(
                latest,
                tonight_night=night,
                resume_on=night,
                step_index=options["step"],
                reason=options["reason"],
                patient_note=options["note"],
            )
        else:
            change = dosing_time_change(
                latest,
                dosing_time=titration.MORNING,
                effective_night=night,
                reason=options["reason"],
                patient_note=options["note"],
            )
        save_version(
            prescription_id=prescription.pk,
            author=clinician,
            based_on=number,
            change=change,
            # A switch to mornings starts on a day whose morning is still ahead
            # (changes.first_switch_night): it is signed the afternoon before, as its note says.
            now=_signed_at(patient, night - timedelta(days=1 if kind == "morning" else 0)),
        )
        number += 1


@transaction.atomic
def seed_plans(_users, patients):
    """Give each demo patient a prescription and plan history (skips those who have one)."""
    ensure_builtin_templates(PlanTemplate)
    now = timezone.now()
    for email, spec in PLANS.items():
        patient = patients.get(email)
        if patient is None or Prescription.objects.filter(patient=patient).exists():
            continue
        clinician = patient.care_team.order_by("pk").first()
        # No plan yet: tonight is the evening night.
        today = titration.tonight((), patient.tz, now)
        if email in EARLIER:
            _seed_ended(patient, clinician, EARLIER[email], today)
        _seed_one(patient, clinician, spec, today)


def journal_hints(email: str, today: date) -> dict[date, dict]:
    """Night values the journal seeding should use so each suggestion fires (see above).

    Keys are nights; values are NightlyEntry field values plus ``side_effects``
    ({kind: severity 1-3}). ``today`` is the patient's tonight. Nights not listed are free.
    """

    def night(offset):
        return today - timedelta(days=offset)

    if email == "patient2@example.com":
        # Taken: the rule reads dreams on dosed nights only (a skipped night says nothing).
        return {
            night(5): {"status": "taken", "dreams": "vivid", "dream_intensity": 7},
            night(4): {"status": "taken", "dreams": "nightmares", "dream_intensity": 8},
            night(2): {"status": "taken", "dreams": "vivid", "dream_intensity": 6},
            night(1): {"status": "taken", "dreams": "vivid", "dream_intensity": 7},
        }
    if email == "patient6@example.com":
        # Taken, as patient2's: the rule reads sleep on dosed nights only.
        return {
            night(offset): {
                "status": "taken",
                "sleep_quality": quality,
                "side_effects": {"insomnia": 2},
            }
            for offset, quality in ((6, 3), (4, 2), (3, 3), (1, 2))
        }
    if email == "patient7@example.com":
        return {night(offset): {"status": "taken", "side_effects": {}} for offset in range(1, 17)}
    if email == "patient@example.com":
        first = {night(120 - d): {"pain": 7 if d % 3 else 6} for d in range(14)}
        last = {night(d): {"pain": 6 if d % 3 else 5} for d in range(1, 15)}
        return {**first, **last}
    return {}
