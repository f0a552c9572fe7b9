"""Patients' nights as the plain records the pure rules read (flags.NightRecord), from .values().

The one reader behind the clinician's patient page, the visit report, the plan panel's
suggestions and the stored attention rows: each surface hands the rules the same records, and
none builds a model instance (or a prefetch queryset) per night.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import JSONField, OuterRef, Value
from django.db.models.functions import JSONObject
from django.utils import translation
from psycopg import adapters as psycopg_adapters
from psycopg.pq import Format
from psycopg.types.json import JsonbLoader

from patients.compiled import PerPatientQuery
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
    if arrays:
        query = _rows_with_arrays(entries, extra_scores)
        try:
            rows = _fetch(query.db, *query.query.sql_with_params())
        except EmptyResultSet:  # e.g. patient__in=[]: nothing to ask the database
            rows = []
    else:
        rows = _rows_in_three_queries(entries, extra_scores)
    return _records(rows)


def read_patient(patient_id, *, extra_scores=True, arrays=None) -> Nights:
    """All of one patient's nights, as read_one(NightlyEntry.objects.filter(patient=...)):
    on PostgreSQL from SQL compiled once per process (patients.compiled)."""
    if arrays is None:
        arrays = connection.vendor == "postgresql"
    if not arrays:
        entries = NightlyEntry.objects.filter(patient_id=patient_id)
        return read_one(entries, extra_scores=extra_scores, arrays=False)
    alias = NightlyEntry.objects.db
    query = _PATIENT_NIGHTS if extra_scores else _PATIENT_NIGHTS_NO_EXTRAS
    found = _records(_fetch(alias, *query.sql(patient_id, alias)))
    return next(iter(found.values())) if found else Nights()


def _fetch(alias, sql, params):
    """The rows of a compiled _rows_with_arrays query, as its values_list gives them.

    Read with psycopg's own loaders for the taken_at and JSON columns: Django's
    timestamptz loader (pure Python, to set the connection's zone) was a fifth of the read,
    and its JSON arrays arrive as text for the fields to decode. Both give the same values
    when the connection's zone is UTC, as Django sets it with USE_TZ."""
    db = connections[alias]
    with db.cursor() as cursor:
        adapters = cursor.cursor.adapters
        if settings.USE_TZ and db.timezone_name == "UTC":
            adapters.register_loader("timestamptz", _C_TIMESTAMPTZ)
        adapters.register_loader("jsonb", JsonbLoader)
        cursor.execute(sql, params)
        return cursor.fetchall()


# psycopg's own loader (its C version where psycopg[binary] is installed), not Django's.
_C_TIMESTAMPTZ = psycopg_adapters.get_loader(psycopg_adapters.types["timestamptz"].oid, Format.TEXT)


def _records(rows) -> dict[int, Nights]:
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


_PATIENT_NIGHTS = PerPatientQuery(
    lambda patient_id: _rows_with_arrays(NightlyEntry.objects.filter(patient_id=patient_id), True)
)
_PATIENT_NIGHTS_NO_EXTRAS = PerPatientQuery(
    lambda patient_id: _rows_with_arrays(NightlyEntry.objects.filter(patient_id=patient_id), False)
)


def read_one(entries, *, extra_scores=True, arrays=None) -> Nights:
    """The records of one patient's (filtered) nights."""
    found = read(entries, extra_scores=extra_scores, arrays=arrays)
    return next(iter(found.values())) if found else Nights()
