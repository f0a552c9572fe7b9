"""Night facts for the suggestion rules, read from the journal (the non-pure half)."""

from django.db.models import Q

from patients import records as night_records
from patients.models import NightlyEntry
from prescriptions.suggestions import NightFacts


def facts_from_records(records):
    """NightFacts for the journal's plain records (patients.records: the one reader)."""
    return [
        NightFacts(
            night=record.night,
            taken=None if not record.status else record.status == NightlyEntry.Status.TAKEN,
            dose_mg=record.dose_mg,
            dreams=record.dreams,
            dream_intensity=record.scores.get("dream_intensity"),
            sleep_quality=record.scores.get("sleep_quality"),
            side_effects={effect.kind: effect.severity for effect in record.side_effects},
            pain=record.scores.get("pain"),
        )
        for record in records
    ]


def night_facts(patient, ranges):
    """NightFacts of a patient for the given (first, last) night ranges: 1 query."""
    if not ranges:
        return []
    within = Q()
    for first, last in ranges:
        within |= Q(night__gte=first, night__lte=last)
    nights = night_records.read_one(
        NightlyEntry.objects.filter(within, patient=patient), extra_scores=False
    )
    return facts_from_records(nights.records)
