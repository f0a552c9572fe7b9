"""Patients' nights as the plain records the pure rules read (flags.NightRecord), from .values().

The one reader behind the clinician's patient page, the visit report, the plan panel's
suggestions and the stored attention rows: each surface hands the rules the same records, and
none builds a model instance (or a prefetch queryset) per night.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from operator import attrgetter, itemgetter

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Count, F, JSONField, Max, Min, OuterRef, Q, Value
from django.db.models.functions import JSONObject
from django.utils import translation
from psycopg import adapters as psycopg_adapters
from psycopg.pq import Format
from psycopg.types.json import JsonbLoader

from patients.compiled import PerPatientQuery
from patients.models import NightlyEntry, SideEffect, SymptomScore, logged_entry
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


def _rows(entries, arrays):
    """One row per night: its id, the _ENTRY_FIELDS and, with ``arrays``, its side effects (an
    ARRAY subquery: a few index probes per night, where a join read the whole table)."""
    # Only the nights with something logged: a row left by an undone dose is no night of record.
    rows = entries.logged().order_by("patient_id", "night")
    if arrays:
        return rows.annotate(effects=_side_effects()).values_list("pk", *_ENTRY_FIELDS, "effects")
    return rows.values_list("pk", *_ENTRY_FIELDS, Value(None, output_field=JSONField()))


def _effects_apart(entries):
    """The side effects of the entries in a query of their own, as the rows' arrays hold them
    (for databases without ARRAY subqueries: the SQLite fallback of `make run`)."""
    effects = defaultdict(list)
    for entry_id, kind, severity, other in (
        SideEffect.objects.filter(entry__in=entries.values("pk"))
        .order_by("entry_id", "kind")
        .values_list("entry_id", "kind", "severity", "other_text")
    ):
        effects[entry_id].append({"kind": kind, "severity": severity, "other": other})
    return effects


def _scores(**entry_filter):
    """The extra scores of the entries the filter names, each on one of its own patient's
    scales, in the order they were saved: a query of their own, found from the scales (most
    patients have none; an ARRAY subquery per night cost more than reading the nights)."""
    return (
        SymptomScore.objects.filter(**entry_filter, scale__patient=F("entry__patient"))
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
    )


def read(entries, *, extra_scores=True, arrays=None) -> dict[int, Nights]:
    """The records of a (filtered) NightlyEntry queryset, by patient id.

    On PostgreSQL one query for the nights whatever their number, their side effects
    aggregated into them (arrays of JSON objects), and one more for the extra scores. Elsewhere
    the side effects take a query of their own. `arrays` forces a path (tests compare the two).
    """
    if arrays is None:
        arrays = connection.vendor == "postgresql"
    rows = _run(_rows(entries, arrays))
    effects = None if arrays else _effects_apart(entries)
    scores = _run(_scores(entry__in=entries.values("pk"))) if extra_scores and rows else ()
    return _records(rows, scores, effects)


def read_patient(patient_id, *, extra_scores=True, arrays=None, ranges=None) -> Nights:
    """One patient's nights, as read_one(NightlyEntry.objects.filter(patient=...)): all of
    them, or with ``ranges`` ((first, last) nights, inclusive) only those on a night of one
    of them. On PostgreSQL from SQL compiled once per process (patients.compiled), one query
    (and one for the scores) per RANGE_SLOTS ranges."""
    if arrays is None:
        arrays = connection.vendor == "postgresql"
    ranges = merged(ranges) if ranges is not None else [(date.min, date.max)]
    if not ranges:
        return Nights()
    if not arrays:
        entries = NightlyEntry.objects.filter(_within("night", ranges), patient_id=patient_id)
        return read_one(entries, extra_scores=extra_scores, arrays=False)
    alias = NightlyEntry.objects.db
    rows, scores = [], []
    for start in range(0, len(ranges), RANGE_SLOTS):
        slots = _slot_values(ranges[start : start + RANGE_SLOTS])
        found = _fetch(alias, *_PATIENT_NIGHTS_IN.sql(patient_id, alias, **slots))
        rows += found
        if extra_scores and found:
            scores += _fetch(alias, *_PATIENT_SCORES_IN.sql(patient_id, alias, **slots))
    # Each range's rows in no set order (_each_range): oldest first, as _records reads.
    rows.sort(key=itemgetter(2))
    scores.sort(key=itemgetter(0))
    found = _records(rows, scores)
    return next(iter(found.values())) if found else Nights()


def _run(query):
    """A values_list query's rows: on PostgreSQL through _fetch's loaders."""
    if connection.vendor != "postgresql":
        return list(query)
    try:
        return _fetch(query.db, *query.query.sql_with_params())
    except EmptyResultSet:  # e.g. patient__in=[]: nothing to ask the database
        return []


def _fetch(alias, sql, params):
    """The rows of a compiled values_list query, as values_list gives them.

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


def _records(rows, scores, effects_apart=None) -> dict[int, Nights]:
    """Nights from the rows of _rows and _scores (and _effects_apart's, when the rows hold
    no side effects)."""
    out: dict[int, Nights] = defaultdict(Nights)
    record, new = flag_rules.NightRecord, object.__new__
    side_effect = flag_rules.SideEffectRecord
    other = SideEffect.Kind.OTHER
    by_entry = defaultdict(list)
    for entry_id, *score in scores:
        by_entry[entry_id].append(score)
    # Rows come ordered by patient: each patient's Nights is looked up once, and the few
    # reasons are labelled once per read (skip_label switches the language per call).
    reasons: dict[str, str] = {}
    current, nights, records = None, None, None
    for (
        pk,
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
        for scale_id, value, name, lower, low, high in by_entry.get(pk, ()):
            key = scale_key(scale_id)
            values[key] = value
            if key not in nights.scales:
                nights.scales[key] = extra_scale(scale_id, name, lower, low, high)
        if effects_apart is not None:
            effects = effects_apart.get(pk)
        if skip_reason and skip_reason not in reasons:
            reasons[skip_reason] = skip_label(skip_reason)
        # NightRecord(...) without the frozen dataclass's __init__ (a setattr per field, half
        # the read for a year of nights): the same fields, every one given (_RECORD_FIELDS).
        made = new(record)
        made.__dict__.update(
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
        records.append(made)
    return out


_RECORD_FIELDS = {
    "night",
    "status",
    "dose_mg",
    "taken_at",
    "time_zone",
    "scores",
    "skip_reason",
    "dreams",
    "side_effects",
}
if {f.name for f in fields(flag_rules.NightRecord)} != _RECORD_FIELDS:
    raise ImportError("patients.records builds NightRecord's fields: update _records")


# --- A range of nights at a time ---------------------------------------------------------------

# A read of nights by ranges binds this many (first, last) pairs; a range left over is empty.
RANGE_SLOTS = 4
_NO_NIGHTS = (date(1, 1, 2), date(1, 1, 1))  # first after last: BETWEEN finds nothing
# Two sets of dates no real range has, every one different (patients.compiled's stand-ins).
_SLOT_STAND_INS = {
    f"{end}{slot}": (date(1900, 1, 1) + offset, date(1901, 1, 1) + offset)
    for slot in range(RANGE_SLOTS)
    for end, offset in (
        ("first", timedelta(days=2 * slot)),
        ("last", timedelta(days=2 * slot + 1)),
    )
}


def merged(ranges) -> list[tuple[date, date]]:
    """(first, last) night ranges, inclusive, oldest first, with ranges that overlap or
    touch joined into one and empty ones (first after last) left out."""
    out: list[list[date]] = []
    for first, last in sorted(r for r in ranges if r[0] <= r[1]):
        if out and (out[-1][1] == date.max or first <= out[-1][1] + timedelta(days=1)):
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return [(first, last) for first, last in out]


def without(ranges, taken) -> list[tuple[date, date]]:
    """The nights of ``ranges`` not in ``taken`` (both as merged() gives them), as ranges."""
    out = []
    for first, last in ranges:
        for t_first, t_last in taken:
            if t_last < first or t_first > last:
                continue
            if t_first > first:
                out.append((first, t_first - timedelta(days=1)))
            if t_last >= last:
                break
            first = t_last + timedelta(days=1)
        else:
            out.append((first, last))
    return merged(out)


def _within(field_name, ranges):
    within = Q()
    for first, last in ranges:
        within |= Q(**{f"{field_name}__range": (first, last)})
    return within


def _slot_values(ranges) -> dict:
    padded = [*ranges, *[_NO_NIGHTS] * (RANGE_SLOTS - len(ranges))]
    values = {}
    for slot, (first, last) in enumerate(padded):
        values[f"first{slot}"], values[f"last{slot}"] = first, last
    return values


def _slots(values):
    return [(values[f"first{slot}"], values[f"last{slot}"]) for slot in range(RANGE_SLOTS)]


def _each_range(build, slots):
    """One query per range, as one (UNION ALL): PostgreSQL reads each range from the index on
    the patient and the night. As one query with the ranges OR-ed it read every night of the
    patient's record and kept those in a range (it cannot use the index's second column for
    an OR), which grew with the record."""
    first, *rest = (build(first, last) for first, last in _slots(slots))
    return first.union(*rest, all=True)


_PATIENT_NIGHTS_IN = PerPatientQuery(
    lambda patient_id, **slots: _each_range(
        lambda first, last: _rows(
            NightlyEntry.objects.filter(patient_id=patient_id, night__range=(first, last)),
            arrays=True,
        ).order_by(),
        slots,
    ),
    **_SLOT_STAND_INS,
)
_PATIENT_SCORES_IN = PerPatientQuery(
    lambda patient_id, **slots: _each_range(
        lambda first, last: _scores(
            entry__patient_id=patient_id,
            entry__night__range=(first, last),
            scale__patient_id=patient_id,
        ).order_by(),
        slots,
    ),
    **_SLOT_STAND_INS,
)


def records_within(records, ranges):
    """The records (oldest first, as this module reads them) on the nights of any of the
    (first, last) ranges, oldest first: found by bisection, not by a look at each night."""
    night = attrgetter("night")
    chosen = {}
    for first, last in ranges:
        start = bisect_left(records, first, key=night)
        for record in records[start : bisect_right(records, last, lo=start, key=night)]:
            chosen[record.night] = record
    return [chosen[n] for n in sorted(chosen)]


class PatientNights:
    """One patient's logged nights as a page reads them: range by range, only the nights its
    parts show (the flags' weeks, the chart's, the calendar's month, the suggestions' and a
    report's range), never the whole record, so a page costs the same after a year or ten.

    A page says up front what it will show (``want``); the first ask reads all of it in one
    query, and a later ask reads only the nights not read yet."""

    def __init__(self, patient_id, *, extra_scores=True):
        self.patient_id = patient_id
        self.extra_scores = extra_scores
        self.records: list = []  # flags.NightRecord, oldest first
        self.read: list[tuple[date, date]] = []  # the ranges read so far (merged)
        self._wanted: list[tuple[date, date]] = []

    def want(self, *ranges) -> None:
        """(first, last) ranges the page will ask for: read with the next ask."""
        self._wanted += ranges

    def between(self, first: date, last: date) -> list:
        """The records of the nights first..last, oldest first."""
        self._read_missing([(first, last)])
        night = attrgetter("night")
        start = bisect_left(self.records, first, key=night)
        return self.records[start : bisect_right(self.records, last, lo=start, key=night)]

    def within(self, ranges) -> list:
        """The records on the nights of any of the ranges, oldest first."""
        self._read_missing(ranges)
        return records_within(self.records, ranges)

    def _read_missing(self, ranges) -> None:
        missing = without(merged([*self._wanted, *ranges]), self.read)
        self._wanted = []
        if not missing:
            return
        found = read_patient(self.patient_id, extra_scores=self.extra_scores, ranges=missing)
        self.records = sorted([*self.records, *found.records], key=attrgetter("night"))
        self.read = merged([*self.read, *missing])


# --- What the whole record adds up to ------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What a page needs of a patient's whole record without reading its nights."""

    first: date | None  # the first night logged
    last: date | None  # the last night logged
    count: int  # nights logged
    first_reported: dict  # side-effect kind -> the first night it was reported


def first_reported(side_effects) -> dict[int, dict[str, date]]:
    """Each side-effect kind's first night by patient, of a SideEffect queryset: what the
    side-effects flag calls new (flags.evaluate's ``first_reported``), on the nights of record
    only (models.LOGGED), as the records give it. One query."""
    found: dict[int, dict[str, date]] = defaultdict(dict)
    for patient_id, kind, first in _first_reported_rows(side_effects):
        found[patient_id][kind] = first
    return found


def _first_reported_rows(side_effects):
    # A side effect kept on a row with nothing logged is on no night of record (_rows).
    return (
        side_effects.filter(logged_entry("entry__"))
        .order_by()
        .values("entry__patient_id", "kind")
        .annotate(first=Min("entry__night"))
        .values_list("entry__patient_id", "kind", "first")
    )


def _span(entries, **more):
    """The first and last night logged, how many, and ``more`` aggregates, per patient."""
    return (
        entries.logged()
        .order_by()
        .values("patient_id")
        .annotate(first=Min("night"), last=Max("night"), count=Count("pk"), **more)
        .values_list("first", "last", "count", *more)
    )


def _summary_query(patient_id):
    """Patient ``patient_id``'s Summary in one row (PostgreSQL), from one pass over their
    logged nights: the span, and each side effect's first night as an array of JSON
    objects."""
    # Named by the patient's id, not the outer row's: computed once, not once per night.
    reported = _first_reported_rows(SideEffect.objects.filter(entry__patient_id=patient_id))
    return _span(
        NightlyEntry.objects.filter(patient_id=patient_id),
        reported=ArraySubquery(reported.values_list(JSONObject(kind="kind", first="first"))),
    )


_PATIENT_SUMMARY = PerPatientQuery(_summary_query)


def summary(patient_id) -> Summary:
    """The patient's first and last night logged, how many, and each side effect's first
    night: one query, whatever the length of the record."""
    if connection.vendor != "postgresql":
        span = list(_span(NightlyEntry.objects.filter(patient_id=patient_id)))
        firsts = first_reported(SideEffect.objects.filter(entry__patient_id=patient_id))
        first, last, count = span[0] if span else (None, None, 0)
        return Summary(first, last, count, firsts.get(patient_id, {}))
    alias = NightlyEntry.objects.db
    found = _fetch(alias, *_PATIENT_SUMMARY.sql(patient_id, alias))
    if not found:
        return Summary(None, None, 0, {})
    first, last, count, reported = found[0]
    return Summary(
        first,
        last,
        count or 0,
        {item["kind"]: date.fromisoformat(item["first"]) for item in reported or ()},
    )


def read_one(entries, *, extra_scores=True, arrays=None) -> Nights:
    """The records of one patient's (filtered) nights."""
    found = read(entries, extra_scores=extra_scores, arrays=arrays)
    return next(iter(found.values())) if found else Nights()
