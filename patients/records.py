"""Patients' nights as the plain records the pure rules read (flags.NightRecord), from .values().

The one reader behind the clinician's patient page, the visit report, the plan panel's
suggestions and the stored attention rows: each surface hands the rules the same records, and
none builds a model instance (or a prefetch queryset) per night.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import JSONField, OuterRef, Value
from django.db.models.functions import JSONObject
from django.utils import translation

from patients.models import NightlyEntry, SideEffect, SymptomScore
from patients.rules import flags as flag_rules
from patients.rules import scales as scale_defs

_ENTRY_FIELDS = (
    "patient_id",
    "night",
    "status",
    "dose_mg",
    "taken_at",
    "time_zone",
    "skip_reason",
    "dreams",
    "pain",
    "fatigue",
    "mood",
    "sleep_quality",
    "dream_intensity",
)
_SKIP_LABELS = dict(NightlyEntry.SkipReason.choices)


def skip_label(reason: str) -> str:
    """The reason's English label: the msgid a flag's evidence is translated from when shown
    (patients.rules.wording.Label), whatever language the evaluation ran in. A stored value no
    longer among the choices shows as itself."""
    if not reason:
        return ""
    with translation.override("en"):
        return str(_SKIP_LABELS.get(reason, reason))


def scale_key(scale_id) -> str:
    return f"scale-{scale_id}"


def extra_scale(pk, name, lower_is_better, low_anchor, high_anchor) -> scale_defs.Scale:
    """A clinician's extra scale as the rules know it."""
    better = scale_defs.LOWER_IS_BETTER if lower_is_better else scale_defs.HIGHER_IS_BETTER
    return scale_defs.Scale(scale_key(pk), name, better, low_anchor, high_anchor)


@dataclass
class Nights:
    """One patient's nights: records oldest first, and the extra scales scored in them (in the
    order they were first scored)."""

    records: list = field(default_factory=list)
    scales: dict = field(default_factory=dict)  # scale key -> scale_defs.Scale


def _side_effects():
    return ArraySubquery(
        SideEffect.objects.filter(entry=OuterRef("pk"))
        .order_by("kind")
        .values_list(JSONObject(kind="kind", severity="severity", other="other_text"))
    )


def _extra_scores():
    return ArraySubquery(
        SymptomScore.objects.filter(entry=OuterRef("pk"))
        .order_by("pk")
        .values_list(
            JSONObject(
                id="scale_id",
                value="value",
                name="scale__name",
                lower="scale__lower_is_better",
                low="scale__low_anchor",
                high="scale__high_anchor",
            )
        )
    )


def read(entries, *, extra_scores=True, arrays=None) -> dict[int, Nights]:
    """The records of a (filtered) NightlyEntry queryset, by patient id.

    On PostgreSQL one query whatever the number of nights: one row per night, its side
    effects and extra scores aggregated into it (arrays of JSON objects). Elsewhere (the
    SQLite fallback of `make run`) the same rows in three queries. `arrays` forces a path
    (tests compare the two).
    """
    if arrays is None:
        arrays = connection.vendor == "postgresql"
    rows = (
        _rows_with_arrays(entries, extra_scores)
        if arrays
        else _rows_in_three_queries(entries, extra_scores)
    )
    out: dict[int, Nights] = defaultdict(Nights)
    # Rows come ordered by patient: each patient's Nights is looked up once, and the few
    # reasons are labelled once per read (skip_label switches the language per call).
    reasons: dict[str, str] = {}
    current, nights, records = None, None, None
    record = flag_rules.NightRecord
    side_effect = flag_rules.SideEffectRecord
    other = SideEffect.Kind.OTHER
    for (
        patient_id,
        night,
        status,
        dose_mg,
        taken_at,
        time_zone,
        skip_reason,
        dreams,
        pain,
        fatigue,
        mood,
        sleep_quality,
        dream_intensity,
        effects,
        extras,
    ) in rows:
        if patient_id != current:
            current, nights = patient_id, out[patient_id]
            records = nights.records
        values = {
            "pain": pain,
            "fatigue": fatigue,
            "mood": mood,
            "sleep_quality": sleep_quality,
            "dream_intensity": dream_intensity,
        }
        for score in extras or ():
            key = scale_key(score["id"])
            values[key] = score["value"]
            if key not in nights.scales:
                nights.scales[key] = extra_scale(
                    score["id"], score["name"], score["lower"], score["low"], score["high"]
                )
        if skip_reason and skip_reason not in reasons:
            reasons[skip_reason] = skip_label(skip_reason)
        records.append(
            record(
                night=night,
                status=status,
                dose_mg=dose_mg,
                taken_at=taken_at,
                time_zone=time_zone,
                scores=values,
                skip_reason=reasons[skip_reason] if skip_reason else "",
                dreams=dreams,
                side_effects=tuple(
                    side_effect(
                        e["kind"],
                        e["severity"],
                        e["other"] if e["kind"] == other and e["other"] else "",
                    )
                    for e in effects
                )
                if effects
                else (),
            )
        )
    return out


def _rows_with_arrays(entries, extra_scores):
    return (
        entries.order_by("patient_id", "night")
        .annotate(
            effects=_side_effects(),
            extras=_extra_scores() if extra_scores else Value(None, JSONField()),
        )
        .values_list(*_ENTRY_FIELDS, "effects", "extras")
    )


def _rows_in_three_queries(entries, extra_scores):
    """The rows `_rows_with_arrays` reads, for databases without arrays."""
    rows = list(entries.order_by("patient_id", "night").values_list("pk", *_ENTRY_FIELDS))
    wanted = entries.values("pk")
    effects = defaultdict(list)
    for entry_id, kind, severity, other in (
        SideEffect.objects.filter(entry__in=wanted)
        .order_by("entry_id", "kind")
        .values_list("entry_id", "kind", "severity", "other_text")
    ):
        effects[entry_id].append({"kind": kind, "severity": severity, "other": other})
    extras = defaultdict(list)
    if extra_scores:
        for entry_id, *score in (
            SymptomScore.objects.filter(entry__in=wanted)
            .order_by("entry_id", "pk")
            .values_list(
                "entry_id",
                "scale_id",
                "value",
                "scale__name",
                "scale__lower_is_better",
                "scale__low_anchor",
                "scale__high_anchor",
            )
        ):
            extras[entry_id].append(
                dict(zip(("id", "value", "name", "lower", "low", "high"), score, strict=True))
            )
    return [
        (*row[1:], effects.get(row[0], []), extras.get(row[0]) if extra_scores else None)
        for row in rows
    ]


def read_one(entries, *, extra_scores=True, arrays=None) -> Nights:
    """The records of one patient's (filtered) nights."""
    found = read(entries, extra_scores=extra_scores, arrays=arrays)
    return next(iter(found.values())) if found else Nights()
