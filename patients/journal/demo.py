"""Demo nights for `manage.py seed_demo`: about four months of realistic journal entries.

Runs after prescriptions.demo.seed_plans and follows each patient's plan night by night
(read through prescriptions.plans): no entry while on hold or before the plan starts, vivid
dreams for a few nights after each step up, a few skipped nights. On top of that each kind
of flag gets an example (see EXAMPLES). Dates are relative to each patient's tonight, which
is left unlogged so the demo patient can tap "Taken now". A fixed random seed per patient
keeps the data the same on every machine; a patient who already has entries is left alone,
so re-running adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from patients.models import NightlyEntry, SideEffect, SymptomScale, SymptomScore
from patients.rules import nights
from prescriptions import plans, titration
from prescriptions.demo import journal_hints

DAYS = 120
SEED = 2026

# email -> {nights ago: what happens}. The flags engineer's rules each find one here:
# missed nights in a row, a severe or new side effect, a worsening symptom, a dose that
# differs from the prescribed one, a late dose (02:30) and a dose outside the 21:00-03:00
# window.
EXAMPLES = {
    "patient@example.com": {
        20: {"dose_mg": "3.00"},  # took a 3 mg capsule instead of 4.5 mg: a deviation
        12: {"taken_local": time(2, 30)},  # late dose, still inside the night
        8: {"taken_local": time(5, 10)},  # outside the dosing window
        26: {"side_effects": {"headache": 3}},  # a severe side effect
    },
    "patient4@example.com": {
        # Pain creeping up over the last ten nights against an earlier baseline of about 4.
        **{ago: {"pain": 6 + (10 - ago) // 4} for ago in range(1, 11)},
        2: {"pain": 8, "side_effects": {"nausea": 3}},
    },
    "patient9@example.com": {
        # Three prescribed nights in a row with nothing logged.
        **{ago: {"missing": True} for ago in (2, 3, 4)},
        9: {"status": "skipped", "skip_reason": "out_of_medication"},
        10: {"status": "skipped", "skip_reason": "out_of_medication"},
    },
}

# Extra per-patient scales a clinician added (the clinician form comes with the dashboard).
EXTRA_SCALES = {
    "patient@example.com": ("Brain fog", "Clear head", "Very foggy"),
    "patient6@example.com": ("Brain fog", "Clear head", "Very foggy"),
}

SKIP_REASONS = ["forgot", "forgot", "forgot", "side_effects", "other"]


def _hints(email, today):
    return journal_hints(email, today)


def _moment(patient, plan, night, local_time):
    return nights.moment_on_night(night, local_time, patient.tz, plan.dosing_time_on(night))


class _Night:
    """One generated night: the entry plus its side effects and extra scores."""

    def __init__(self, entry, side_effects=None, extra=None):
        self.entry = entry
        self.side_effects = side_effects or {}
        self.extra = extra


def _generate(patient, plan, email, today, rng, scale):
    examples = {today - timedelta(days=ago): spec for ago, spec in EXAMPLES.get(email, {}).items()}
    hints = _hints(email, today)
    baseline_pain = rng.randint(5, 7)
    previous_dose = None
    step_up_night = None
    generated = []
    for ago in range(DAYS, 0, -1):
        night = today - timedelta(days=ago)
        position = plan.on(night)
        dose = position.dose_mg
        if position.status != titration.ACTIVE:
            previous_dose = None
            continue
        if previous_dose is not None and dose > previous_dose:
            step_up_night = night
        previous_dose = dose
        spec = {**examples.get(night, {}), **hints.get(night, {})}
        if spec.get("missing"):
            continue
        generated.append(
            _one_night(
                patient, plan, night, ago, dose, spec, rng, baseline_pain, step_up_night, scale
            )
        )
    return generated


def _one_night(patient, plan, night, ago, dose, spec, rng, baseline_pain, step_up_night, scale):
    morning_dosing = plan.dosing_time_on(night) == nights.MORNING
    skipped = spec.get("status") == "skipped" or (
        spec.get("status") != "taken" and rng.random() < 0.05
    )
    entry = NightlyEntry(
        patient=patient,
        night=night,
        prescribed_mg=dose,
        time_zone=patient.time_zone,
        # A bedroom without signal now and then: the exports and the clinician show the mark.
        logged_offline=ago % 23 == 5,
    )
    if skipped:
        entry.status = NightlyEntry.Status.SKIPPED
        entry.skip_reason = spec.get("skip_reason") or rng.choice(SKIP_REASONS)
        if entry.skip_reason == "other":
            entry.skip_reason_text = "Away from home without my capsules"
        logged = _moment(patient, plan, night, time(22, rng.randint(0, 59)))
    else:
        entry.status = NightlyEntry.Status.TAKEN
        entry.dose_mg = Decimal(spec["dose_mg"]) if "dose_mg" in spec else dose
        if "taken_local" in spec:
            local = spec["taken_local"]
        elif morning_dosing:
            local = time(7, rng.randint(20, 59))
        else:
            local = time(rng.choice((21, 21, 22, 22, 23)), rng.randint(0, 59))
        entry.taken_at = _moment(patient, plan, night, local)
        if not morning_dosing:
            entry.bedtime = entry.taken_at + timedelta(minutes=rng.randint(10, 70))
        logged = entry.taken_at + timedelta(minutes=rng.randint(0, 4))
    entry.evening_logged_at = entry.created_at = entry.updated_at = logged

    side_effects = dict(spec.get("side_effects", {}))
    extra = None
    if rng.random() < 0.85 or spec.keys() & {"pain", "dreams", "sleep_quality", "side_effects"}:
        # Pain eases slowly over months on LDN; dreams run vivid for a few nights after a
        # step up and then settle.
        eased = min(3, (DAYS - ago) // 35)
        entry.pain = spec.get("pain", max(0, min(10, baseline_pain - eased + rng.randint(-1, 1))))
        entry.fatigue = max(0, min(10, baseline_pain - eased + rng.randint(-1, 2)))
        entry.mood = max(0, min(10, 4 + eased + rng.randint(-1, 1)))
        entry.sleep_quality = spec.get("sleep_quality", rng.randint(5, 8))
        after_step = step_up_night is not None and 0 <= (night - step_up_night).days < 5
        if "dreams" in spec:
            entry.dreams, entry.dream_intensity = spec["dreams"], spec.get("dream_intensity")
        elif after_step and entry.is_taken:
            entry.dreams, entry.dream_intensity = "vivid", rng.randint(6, 8)
        else:
            entry.dreams = rng.choice(("none", "normal", "normal"))
            entry.dream_intensity = rng.randint(1, 4) if entry.dreams == "normal" else None
        if after_step and entry.is_taken and "side_effects" not in spec and rng.random() < 0.4:
            side_effects["insomnia"] = 1
        if rng.random() < 0.1:
            entry.notes = rng.choice(
                (
                    "Walked the dog, felt fine.",
                    "Flare in the afternoon, rested.",
                    "Slept through for once.",
                    "Busy day at work.",
                )
            )
        wake = datetime.combine(night + timedelta(days=1), time(8, rng.randint(0, 45)))
        entry.morning_logged_at = wake.replace(tzinfo=patient.tz)
        if scale is not None:
            extra = max(0, min(10, entry.fatigue + rng.randint(-2, 1)))
    return _Night(entry, side_effects, extra)


@transaction.atomic
def seed_journal(_users, patients, now=None):
    """Seed every demo patient's nights (patients who already have entries are skipped)."""
    now = now or timezone.now()
    for email, patient in sorted(patients.items()):
        scale = None
        if email in EXTRA_SCALES:
            name, low, high = EXTRA_SCALES[email]
            scale, _ = SymptomScale.objects.get_or_create(
                patient=patient,
                name=name,
                defaults={
                    "low_anchor": low,
                    "high_anchor": high,
                    "created_by": patient.care_team.order_by("pk").first(),
                },
            )
        if NightlyEntry.objects.filter(patient=patient).exists():
            continue
        plan = plans.load(patient)
        rng = random.Random(f"{SEED}:{email}")
        generated = _generate(patient, plan, email, plan.tonight(patient.tz, now), rng, scale)
        bulk_create_with_history([g.entry for g in generated], NightlyEntry, batch_size=500)
        ids = dict(NightlyEntry.objects.filter(patient=patient).values_list("night", "pk"))
        SideEffect.objects.bulk_create(
            SideEffect(entry_id=ids[g.entry.night], kind=kind, severity=severity)
            for g in generated
            for kind, severity in g.side_effects.items()
        )
        if scale is not None:
            SymptomScore.objects.bulk_create(
                SymptomScore(entry_id=ids[g.entry.night], scale=scale, value=g.extra)
                for g in generated
                if g.extra is not None
            )
