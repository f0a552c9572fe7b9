"""Symptoms by dose level for one patient, from the groups PostgreSQL makes of their nights.

The panel summarises the whole record: reading every night to group them in Python cost a
record of ten years some 27 ms (issue 19). Here the database hands over a row per group
(dose_response.Group: each dose taken, and the nights before the first), the same groups
dose_response.groups makes of the records, and dose_response.summarise does the rest. On
other databases (SQLite, `make run`'s fallback) the records are read and grouped in Python.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Case, Count, DecimalField, Exists, F, Max, Min, OuterRef, Q, When
from django.db.models.expressions import Subquery

from patients import records
from patients.compiled import PerPatientQuery
from patients.models import SCORE_FIELDS, NightlyEntry, SymptomScore
from patients.rules import dose_response
from patients.rules.nights import EVENING

# A night in a dose's group: dose_response.groups' "taken night with a dose".
_TAKEN = Q(status=NightlyEntry.Status.TAKEN, dose_mg__isnull=False)
# The watched scales' columns (their keys are the columns' names, as patients.records reads).
_WATCHED = tuple(scale.key for scale in dose_response.WATCHED)


def _scored(patient_id):
    """A night with any score, as the records' scores hold them (dose_response.groups asks
    any of them): a score column, or a score on one of the patient's own extra scales."""
    # The patient named, not the outer row's: PostgreSQL may run the EXISTS as a hashed
    # subplan, which then reads this patient's scores, not every patient's.
    own_extra = SymptomScore.objects.filter(entry=OuterRef("pk"), scale__patient_id=patient_id)
    columns = [Q(**{f"{field}__isnull": False}) for field in SCORE_FIELDS]
    return reduce(or_, columns) | Q(Exists(own_extra))


def _grouped(patient_id):
    """A row per group: the dose (NULL for the nights before the first dose), the nights,
    the first and last of them, each watched scale's scores that are not NULL, the nights
    with dreams answered and those with vivid dreams or nightmares."""
    # Only the nights with something logged, as patients.records reads them.
    nights = NightlyEntry.objects.filter(patient_id=patient_id).logged()
    first_dose_night = Subquery(nights.filter(_TAKEN).order_by("night").values("night")[:1])
    dose = Case(When(_TAKEN, then=F("dose_mg")), output_field=DecimalField())
    scores = {
        f"scores_{key}": ArrayAgg(key, filter=Q(**{f"{key}__isnull": False})) for key in _WATCHED
    }
    return (
        nights.filter(_TAKEN | (Q(night__lt=first_dose_night) & _scored(patient_id)))
        .order_by()
        .values(group_dose=dose)
        .annotate(
            nights=Count("pk"),
            first_night=Min("night"),
            last_night=Max("night"),
            **scores,
            dream_nights=Count("pk", filter=~Q(dreams="")),
            vivid_nights=Count("pk", filter=Q(dreams__in=dose_response.VIVID)),
        )
        .values_list(
            "group_dose",
            "nights",
            "first_night",
            "last_night",
            *scores,
            "dream_nights",
            "vivid_nights",
        )
    )


_GROUPS = PerPatientQuery(_grouped)


def groups(patient_id) -> list[dose_response.Group]:
    """The patient's groups in one query (in no particular order: summarise needs none)."""
    if connection.vendor != "postgresql":
        return dose_response.groups(records.read_patient(patient_id).records)
    _names, rows = _GROUPS.rows(patient_id, NightlyEntry.objects.db)
    watched = len(_WATCHED)
    return [
        dose_response.Group(
            dose_mg=dose,
            nights=count,
            first_night=first,
            last_night=last,
            scores=dict(zip(_WATCHED, (values or [] for values in rest[:watched]), strict=True)),
            dream_nights=rest[watched],
            vivid_nights=rest[watched + 1],
        )
        for dose, count, first, last, *rest in rows
    ]


def by_dose_level(patient_id, *, dosing_time: str = EVENING) -> dose_response.DoseResponse:
    """dose_response.by_dose_level over all the patient's logged nights."""
    return dose_response.summarise(groups(patient_id), dosing_time=dosing_time)
