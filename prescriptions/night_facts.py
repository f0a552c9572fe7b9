"""Night facts for the suggestion rules, read from the journal (the non-pure half)."""

from django.db.models import Prefetch, Q

from patients.models import NightlyEntry, SideEffect
from prescriptions.suggestions import NightFacts


def facts_from_entries(entries):
    """NightFacts for NightlyEntry rows whose side effects are prefetched."""
    return [
        NightFacts(
            night=entry.night,
            taken=None if not entry.status else entry.status == NightlyEntry.Status.TAKEN,
            dose_mg=entry.dose_mg,
            dreams=entry.dreams,
            dream_intensity=entry.dream_intensity,
            sleep_quality=entry.sleep_quality,
            side_effects={effect.kind: effect.severity for effect in entry.side_effects.all()},
            pain=entry.pain,
        )
        for entry in entries
    ]


def night_facts(patient, ranges):
    """NightFacts of a patient for the given (first, last) night ranges: 2 queries."""
    if not ranges:
        return []
    within = Q()
    for first, last in ranges:
        within |= Q(night__gte=first, night__lte=last)
    entries = (
        NightlyEntry.objects.filter(within, patient=patient)
        .order_by("night")
        .prefetch_related(
            Prefetch(
                "side_effects", queryset=SideEffect.objects.only("entry_id", "kind", "severity")
            )
        )
    )
    return facts_from_entries(entries)
