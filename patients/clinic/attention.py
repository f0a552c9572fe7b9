"""The clinician list's stored attention rows (PatientAttention): kept, not recomputed per view.

Each row is what `dashboard.evaluate_rows` returns for the patient (the one evaluation of the
flag, adherence and plan rules), written down. It is rewritten

- after a clinic-side change commits (`changed()`: a plan version, a flag review or its
  undoing, an urgent report or its acknowledgement, the patient's zone), once per
  transaction however many rows it saved;
- when it is due (`valid_until` passed): the patient logged something (`mark_due()`, one
  UPDATE in the journal's transaction, so a patient's POST never waits for the evaluation),
  or their night turned (the time-driven flags "gone quiet", "missed nights" and the
  14-night windows, adherence and silence all follow `today`). The list view rewrites a
  few due rows of its team itself; the `patients.refresh_attention` task (every minute)
  the rest;
- every night for every patient (`patients.rebuild_attention`, and `manage.py
  rebuild_attention`), which repairs any drift.

The writer also copies each row's sort (severities, nights silent, needs review) and the
patient's lowercased name onto every care-team link of the patient (`copy_to_team_links`),
so a clinician's page is read in the order of one index, clinician first (`team_links`),
whatever the team's size. tests/patients/test_attention.py proves a stored row and its
links' copy equal a fresh evaluation; tests/patients/test_list_plan.py the page's plan.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from django.core.paginator import Paginator
from django.core.signals import setting_changed
from django.db import connection, connections, router, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast, Lower
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import get_language

from ldn_journal.accounts.models import (
    Role,
    User,
    closed_account,
    closed_at_of,
    remember_closed_at,
)
from ldn_journal.compiled_queries import CompiledQuery, ids_filter, register
from patients.clinic import dashboard
from patients.models import (
    ROUTE_BREAK_GLASS,
    ROUTE_CARE_TEAM,
    ROUTE_COVERING,
    CareTeamMembership,
    FlagReview,
    NightlyEntry,
    Patient,
    PatientAttention,
    SideEffect,
    SymptomScale,
    SymptomScore,
    UrgentReport,
    access_route_of,
    access_routes,
    fetch_clinician_query,
    freeze_clinician_query,
    gate_is_frozen_for,
)
from patients.rules import adherence as adherence_rules
from patients.rules import flags as flag_rules
from patients.rules.wording import Phrase
from patients.signals import attention_changed
from prescriptions import titration
from prescriptions.models import PlanVersion, Prescription

BATCH = 200
# Due rows one list view rewrites before reading (the minute task does the rest): bounded, so
# the first view after noon, or during the evening's logging, does not pay for a whole team.
STALE_INLINE_LIMIT = 20
ORDER = (
    "attention__closed",
    "-attention__severity_1",
    "-attention__severity_2",
    "-attention__severity_3",
    "-attention__nights_silent",
    Lower("user__display_name"),
    "pk",
)
# The same order on the care-team link's copy: the index care_team_attention, clinician
# first, is exactly this, so a team's page is read in index order and never sorted.
TEAM_ORDER = (
    "closed",
    "-severity_1",
    "-severity_2",
    "-severity_3",
    "-nights_silent",
    "name_key",
    "patient_id",
)
# The columns copied from a patient's row onto each of their care-team links.
TEAM_FIELDS = ("closed", "severity_1", "severity_2", "severity_3", "nights_silent", "needs_review")
STATE_FIELDS = (
    "today",
    "flags",
    "kinds",
    "reviewed_through",
    "needs_review",
    "closed",
    "severity_1",
    "severity_2",
    "severity_3",
    "nights_silent",
    "last_entry",
    "urgent_open",
    "position",
    "adherence",
    "pain",
    "last_review_id",
)


# --- A row as stored values and back ----------------------------------------------------------


def _plain(value):
    if isinstance(value, date):  # datetime is a date too, and none is stored here
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _position_state(position: titration.PlanPosition) -> dict:
    return {f.name: _plain(getattr(position, f.name)) for f in dataclasses.fields(position)}


def _position_from(state: dict) -> titration.PlanPosition:
    values = {}
    for f in dataclasses.fields(titration.PlanPosition):
        value = state.get(f.name)
        kind = str(f.type)
        if value is not None and "date" in kind:
            value = date.fromisoformat(value)
        elif value is not None and "Decimal" in kind:
            value = Decimal(value)
        values[f.name] = value
    return titration.PlanPosition(**values)


def _text_state(text):
    """A rule's sentence kept as its msgid and values, so it is translated when shown."""
    return text.to_state() if isinstance(text, Phrase) else text


def _flag_state(flag: flag_rules.Flag) -> dict:
    return {
        "kind": flag.kind,
        "severity": flag.severity,
        "first_night": flag.first_night.isoformat(),
        "evidence": [night.isoformat() for night in flag.evidence],
        "explanation": _text_state(flag.explanation),
        "key": flag.key,
        "report_id": flag.report_id,  # an urgent flag links to its report
        # The dosing time its words count in (a morning doser's "Missed days").
        "dosing_time": flag.dosing_time,
        # The nights behind the flag with what raised it (issue 17's evidence), so the
        # stored copy equals a fresh evaluation.
        "details": [
            [detail.night.isoformat(), _text_state(detail.values), detail.logged]
            for detail in flag.details
        ],
    }


def _flag_from(state: dict) -> flag_rules.Flag:
    return flag_rules.Flag(
        kind=state["kind"],
        severity=state["severity"],
        first_night=date.fromisoformat(state["first_night"]),
        evidence=tuple(date.fromisoformat(night) for night in state["evidence"]),
        explanation=Phrase.from_state(state["explanation"]),
        key=state["key"],
        report_id=state.get("report_id"),  # rows stored before the link have none
        # Rows stored before flags carried it counted nights (rewritten when next due).
        dosing_time=state.get("dosing_time", titration.EVENING),
        details=tuple(
            flag_rules.Evidence(
                night=date.fromisoformat(night), values=Phrase.from_state(values), logged=logged
            )
            for night, values, logged in state.get("details", ())
        ),
    )


def state_of(row: dashboard.PatientRow) -> dict:
    """The stored fields of a freshly evaluated row."""
    # The sort columns are the dashboard's own sort key, spelled out as columns.
    severities, minus_silent = row.sort_key
    return {
        "today": row.today,
        "flags": [_flag_state(flag) for flag in row.flags],
        "kinds": sorted({flag.kind for flag in row.flags}),
        "reviewed_through": row.reviewed_through,
        "needs_review": row.needs_review,
        "closed": row.closed,
        "severity_1": -severities[0],
        "severity_2": -severities[1],
        "severity_3": -severities[2],
        "nights_silent": -minus_silent,
        "last_entry": row.last_entry,
        "urgent_open": getattr(row.patient, "urgent_count", None) or 0,
        "position": _position_state(row.position),
        "adherence": {
            str(a.days): [a.taken, a.prescribed] for a in (row.adherence_7, row.adherence_30)
        },
        "pain": list(row.pain),
        "last_review_id": getattr(row.patient, "last_review_pk", None),
    }


def stored_state(attention: PatientAttention) -> dict:
    return {name: getattr(attention, name) for name in STATE_FIELDS}


def team_state_of(row: dashboard.PatientRow) -> dict:
    """What each of the patient's care-team links holds of a freshly evaluated row (rows
    from `evaluate`, which reads the name key as the database lowercases it)."""
    state = state_of(row)
    return {**{name: state[name] for name in TEAM_FIELDS}, "name_key": row.patient.name_key}


def stored_team_states(patient_id) -> list[dict]:
    links = CareTeamMembership.objects.filter(patient_id=patient_id).order_by("pk")
    return list(links.values(*TEAM_FIELDS, "name_key"))


def evaluate(patients, now: datetime) -> list[dashboard.PatientRow]:
    """The dashboard's evaluation of these patients, with the name key the list sorts by."""
    patients = dashboard.with_list_annotations(patients).annotate(
        name_key=Lower("user__display_name")
    )
    return dashboard.evaluate_rows(patients.order_by("pk"), now)


def row_from(attention: PatientAttention, patient: Patient) -> dashboard.PatientRow:
    """The list row the template shows, from the stored values alone."""
    position = _position_from(attention.position)
    return _row(
        patient,
        attention.today,
        attention.last_entry,
        attention.nights_silent,
        attention.reviewed_through,
        flags=[_flag_from(state) for state in attention.flags],
        position=position,
        adherence=_adherence_from(attention.adherence),
        pain=attention.pain,
        sparkline=dashboard.pain_sparkline(attention.pain, position.dosing_time),
        closed=attention.closed,
    )


def _adherence_from(state: dict) -> tuple[adherence_rules.Adherence, adherence_rules.Adherence]:
    return tuple(adherence_rules.Adherence(days, *state[str(days)]) for days in (7, 30))


def _row(
    patient,
    today,
    last_entry,
    nights_silent,
    reviewed_through,
    *,
    flags,
    position,
    adherence,
    pain,
    sparkline,
    flags_state="",
    closed=False,
):
    return dashboard.PatientRow(
        patient=patient,
        today=today,
        position=position,
        last_entry=last_entry,
        nights_silent=nights_silent,
        adherence_7=adherence[0],
        adherence_30=adherence[1],
        flags=flags,
        open_flags=flag_rules.unreviewed(flags, reviewed_through),
        reviewed_through=reviewed_through,
        sparkline=sparkline,
        pain=pain,
        flags_state=flags_state,
        closed=closed,
    )


# --- The list's rows from the stored text -----------------------------------------------------
#
# The list's query reads the stored JSON columns as their text. A text decides its value
# exactly (types included: "4.5" and {"decimal": "4.5"} are different texts), so each distinct
# text is decoded once per process, not once per row per view; the values are frozen
# dataclasses and phrases, shared read-only. The sparkline is also written once per language
# for each distinct text. Bounded: a clinic's distinct rows, evicted least recently used.

STORED_TEXT = ("flags", "position", "adherence", "pain")
# A few kilobytes each (a row's flags with their evidence, a sparkline): a worker keeps at
# most this many of each, enough for the pages it serves again and again.
ROWS_REMEMBERED = 1024
STORED_VALUES = ("today", "last_entry", "nights_silent", "reviewed_through")
# What a row shows of the patient and their account (list_rows); the rest is not read.
# is_active: a deactivated account says so on its row (it gets no reminders, cannot sign in).
LISTED_FIELDS = ("time_zone", "conditions", "user__display_name", "user__email", "user__is_active")


def stored_columns() -> dict:
    """The annotations the list's rows are read from (`stored_row`), on a Patient query."""
    return {
        **{f"stored_{name}": F(f"attention__{name}") for name in STORED_VALUES},
        **{f"stored_{name}": Cast(f"attention__{name}", TextField()) for name in STORED_TEXT},
        # "Last reviewed": the stored latest review's own columns, through two key lookups.
        **{
            name: F(f"attention__last_review__{path}")
            for name, path in dashboard.LAST_REVIEW_FIELDS.items()
        },
        # A closed account is named and badged as closed on its row (is_closed reads it).
        "account_closed_at": closed_at_of("user_id"),
    }


@lru_cache(maxsize=ROWS_REMEMBERED)
def _flags_of(text: str) -> tuple[flag_rules.Flag, ...]:
    return tuple(_flag_from(state) for state in json.loads(text))


@lru_cache(maxsize=4096)
def _position_of(text: str) -> titration.PlanPosition:
    return _position_from(json.loads(text))


@lru_cache(maxsize=4096)
def _adherence_of(text: str):
    return _adherence_from(json.loads(text))


@lru_cache(maxsize=4096)
def _pain_of(text: str) -> tuple:
    return tuple(json.loads(text))


@lru_cache(maxsize=ROWS_REMEMBERED)
def _sparkline_of(language, text: str, dosing_time: str):  # noqa: ARG001 - the language is the memo's key
    return dashboard.pain_sparkline(_pain_of(text), dosing_time)


def _forget_decoded(**_kwargs):
    # A setting can change how a value is written (formats, languages): tests override them.
    _sparkline_of.cache_clear()


setting_changed.connect(_forget_decoded, dispatch_uid="attention_forget_decoded")


def stored_row(patient: Patient) -> dashboard.PatientRow:
    """`row_from` for a patient read with `stored_columns()`: the same row."""
    remember_closed_at(patient.user, patient.account_closed_at)
    pain = patient.stored_pain
    position = _position_of(patient.stored_position)
    return _row(
        patient,
        patient.stored_today,
        patient.stored_last_entry,
        patient.stored_nights_silent,
        patient.stored_reviewed_through,
        flags=list(_flags_of(patient.stored_flags)),
        position=position,
        adherence=_adherence_of(patient.stored_adherence),
        pain=list(_pain_of(pain)),
        sparkline=_sparkline_of(get_language(), pain, position.dosing_time),
        flags_state=patient.stored_flags,
        closed=patient.account_closed_at is not None,
    )


def night_ends(row: dashboard.PatientRow, now: datetime) -> datetime:
    """The next local noon or midnight after `now`: a patient's night turns at one of them
    (noon for evening dosing, midnight for morning dosing), so the row is due then. Looking
    at both whatever the plan keeps this free of the plan's details; a row rewritten at
    the boundary that did not apply simply comes out the same."""
    tz = row.patient.tz
    local = now.astimezone(tz)
    for days in range(2):
        day = local.date() + timedelta(days=days)
        for hour in (0, 12):
            moment = datetime.combine(day, time(hour), tzinfo=tz)
            if moment > now:
                return moment
    return now + timedelta(hours=12)  # unreachable: tomorrow's midnight is after now


# --- Writing rows -----------------------------------------------------------------------------


def recompute(patient_ids, now: datetime | None = None) -> int:
    """Rewrites the stored rows of these patients from a fresh evaluation; returns how many."""
    now = now or timezone.now()
    ids = sorted(set(patient_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        written += _recompute_batch(ids[start : start + BATCH], now)
    return written


def _recompute_batch(ids, now):
    with transaction.atomic():
        # Lock the existing rows first, so that two recomputes of one patient run one after
        # the other: the one that writes last read the data after the other's change
        # committed, and a stale evaluation never overwrites a fresh one.
        list(
            PatientAttention.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows = evaluate(Patient.objects.filter(pk__in=ids), now)
        PatientAttention.objects.bulk_create(
            [
                PatientAttention(
                    patient_id=row.patient.pk,
                    valid_until=night_ends(row, now),
                    computed_at=now,
                    **state_of(row),
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["patient"],
            update_fields=[*STATE_FIELDS, "valid_until", "computed_at"],
        )
        copy_to_team_links(ids)
    return len(rows)


def _name_key():
    return Subquery(
        Patient.objects.filter(pk=OuterRef("patient_id")).values(key=Lower("user__display_name"))[
            :1
        ]
    )


def copy_to_team_links(patient_ids) -> int:
    """Copies the patients' stored sort and name onto each of their care-team links (one
    UPDATE, in the writer's transaction). A patient with no stored row yet keeps their
    links unwritten (name_key null), which the list reads as "write this row first"."""
    row = PatientAttention.objects.filter(pk=OuterRef("patient_id"))
    links = CareTeamMembership.objects.filter(
        patient_id__in=patient_ids, patient__attention__isnull=False
    )
    return links.update(
        **{name: Subquery(row.values(name)[:1]) for name in TEAM_FIELDS}, name_key=_name_key()
    )


def renamed(user_id) -> None:
    """A patient's name changed: their links' name key follows (the list sorts by it)."""
    CareTeamMembership.objects.filter(patient__user_id=user_id, name_key__isnull=False).update(
        name_key=_name_key()
    )


_pending = threading.local()


def changed(patient_id) -> None:
    """Something that can change this patient's row was saved: rewrite the row once the
    transaction commits (once, however many rows the transaction saved)."""
    ids = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    ids.add(patient_id)
    # One callback per call is cheap; the first to run takes every pending id. Ids of a
    # transaction that rolled back stay pending and are rewritten with the next: harmless.
    transaction.on_commit(_flush, robust=True)


def _flush():
    ids = getattr(_pending, "ids", None)
    if not ids:
        return
    _pending.ids = set()
    # An error here is logged by Django (robust callback) and never reaches the patient
    # whose change is already committed; the nightly rebuild repairs the row.
    recompute(ids)


def refresh_due(now: datetime | None = None) -> int:
    """Rows missing or due, rewritten (the minute task)."""
    now = now or timezone.now()
    ids = Patient.objects.filter(
        Q(attention__isnull=True) | Q(attention__valid_until__lte=now)
    ).values_list("pk", flat=True)
    return recompute(list(ids), now)


def rebuild(now: datetime | None = None) -> int:
    """Every patient's row rewritten (the nightly task and `manage.py rebuild_attention`)."""
    return recompute(list(Patient.objects.values_list("pk", flat=True)), now)


# --- Reading the list -------------------------------------------------------------------------


def _bring_up_to_date(due, now):
    """A patient with no row yet always gets one (else the list would leave them out); a few
    due rows are rewritten here, the rest by the minute task. `due` gives (patient id,
    whether they have a row at all)."""
    due = list(due)
    if not due:
        return
    missing = [pk for pk, stored in due if not stored]
    stale = [pk for pk, stored in due if stored][:STALE_INLINE_LIMIT]
    recompute(missing + stale, now)


def _kind_filter(prefix, kind):
    if connection.vendor == "postgresql":  # jsonb @> '["kind"]', GIN-indexed
        return Q(**{f"{prefix}kinds__contains": [kind]})
    # SQLite (the development fallback) has no JSON containment: the list's text.
    return Q(**{f"{prefix}kinds__icontains": f'"{kind}"'})


def _search_filter(user, search):
    # Trigram GIN indexes on PostgreSQL serve both (migration patients 0015). A closed
    # account's address is a placeholder ("closed-7@closed.invalid"), not the person's: a
    # search for "closed" listed every closed account (found by exploratory QA).
    by_address = Q(**{f"{user}email__icontains": search}) & ~closed_account(f"{user}id")
    return Q(**{f"{user}display_name__icontains": search}) | by_address


def team_links(user, *, search="", kind="", needs_review=False):
    """The clinician's care-team links in the list's order, as patient ids: read in the
    order of the index care_team_attention, so a page costs the same for any team."""
    links = CareTeamMembership.objects.filter(clinician=user)
    if search:
        links = links.filter(_search_filter("patient__user__", search))
    if kind:
        links = links.filter(_kind_filter("patient__attention__", kind))
    if needs_review:
        links = links.filter(needs_review=True)
    return links.order_by(*TEAM_ORDER).values_list("patient_id", flat=True)


def _team_links_of(clinician_id):
    # Rows as (patient id,) on every database (a flat values_list is a scalar elsewhere).
    return team_links(User(pk=clinician_id, role=Role.CLINICIAN)).values_list("patient_id")


def _team_size_of(clinician_id):
    links = CareTeamMembership.objects.filter(clinician_id=clinician_id).order_by()
    return links.values("clinician_id").annotate(size=Count("pk")).values_list("size")


# The unfiltered list's page and count, compiled once per process (building and compiling
# them cost more Python than PostgreSQL took to answer): the SQL `team_links` writes.
_TEAM_LINKS = CompiledQuery(_team_links_of, -9_000_021)
_TEAM_SIZE = CompiledQuery(_team_size_of, -9_000_022)


class _TeamLinks:
    """`team_links(clinician)` for a Paginator: its count and its slices, each one query."""

    def __init__(self, clinician_id):
        self.clinician_id = clinician_id

    def count(self):
        sizes = _TEAM_SIZE.values(self.clinician_id)
        return sizes[0][0] if sizes else 0

    def __getitem__(self, part):
        rows = _TEAM_LINKS.values_slice(self.clinician_id, start=part.start, stop=part.stop)
        return [patient_id for (patient_id,) in rows]


def _beyond_team(user, _patient_id, now):
    """A patient the clinician reaches by covering a colleague or by an emergency grant who
    is not on their own care teams (at most one): the gate's routes, each small set checked
    against the team patient by patient (never the whole team read, whatever its size)."""
    routes = access_routes(user, now)
    mine = routes[ROUTE_CARE_TEAM]

    def outside_team(route):
        not_mine = ~Exists(mine.filter(patient_id=OuterRef("patient_id")))
        return routes[route].filter(not_mine).order_by().values_list("patient_id")

    return outside_team(ROUTE_COVERING).union(outside_team(ROUTE_BREAK_GLASS), all=True)[:1]


@functools.cache
def _frozen_beyond_team(using):
    return freeze_clinician_query(using, _beyond_team)


register(_frozen_beyond_team)  # compiled by a gunicorn master before it forks


def _reaches_beyond_team(user, now):
    """Whether the clinician sees patients outside their own care teams right now (covering
    a colleague, or an emergency grant), read from the gate's own routes in one query
    (compiled once per process on PostgreSQL)."""
    using = router.db_for_read(Patient)
    if connections[using].vendor != "postgresql" or not gate_is_frozen_for(user):
        return bool(list(_beyond_team(user, None, now)))
    frozen = _frozen_beyond_team(using)
    return bool(fetch_clinician_query(using, user, None, now, frozen))


def _due_links(clinician_id, now):
    """(patient id, name key) of the clinician's links with no row written yet or whose
    patient's row is due. Two index-served reads, not one OR over the team: links not
    written yet (a partial index) and links whose patient's row is due (the rows'
    valid_until index, few at a time, then the link's unique (patient, clinician) index)."""
    links = CareTeamMembership.objects.filter(clinician_id=clinician_id)
    unwritten = links.filter(name_key__isnull=True).values_list("patient_id", "name_key")
    # The due rows by their own index, as a semi-join on the link's patient id: joining
    # through the patient table as `patient__attention__` spells it doubled the planning
    # PostgreSQL does on every list view (0.55 -> 0.22 ms), for the same rows.
    due_rows = PatientAttention.objects.filter(valid_until__lte=now).values("patient_id")
    due = links.filter(patient_id__in=due_rows)
    return unwritten.union(due.values_list("patient_id", "name_key"), all=True)


# Compiled once per process (ldn_journal.compiled_queries): every list request sends it.
_DUE_LINKS = CompiledQuery(_due_links, -9_000_001, datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC))


def list_page(user, now: datetime, page_number, *, search="", kind="", needs_review=False):
    """One page of the user's patients, attention first, read from the stored rows."""
    # Changes this thread saved and whose rewrite is still waiting for their commit (the
    # same request, or a test's transaction) are shown too.
    _flush()
    filters = {"search": search, "kind": kind, "needs_review": needs_review}
    if getattr(user, "role", None) != Role.CLINICIAN or _reaches_beyond_team(user, now):
        return _gate_page(user, now, page_number, **filters)
    # Two index-served reads, not one OR over the team: links not written yet (a partial
    # index) and links whose patient's row is due (the rows' valid_until index, few at a
    # time, then the link's unique (patient, clinician) index).
    _bring_up_to_date(_DUE_LINKS.values(user.pk, now), now)
    if any(filters.values()):
        page = Paginator(team_links(user, **filters), dashboard.PAGE_SIZE).get_page(page_number)
    else:  # the list as it opens: its two reads compiled once per process
        page = Paginator(_TeamLinks(user.pk), dashboard.PAGE_SIZE).get_page(page_number)
    ids = list(page.object_list)
    patients = {patient.pk: patient for patient in _PAGE_PATIENTS.instances(ids)}
    page.object_list = [stored_row(patients[pk]) for pk in ids]
    return page


def _page_patients(ids):
    """The page's patients with what their rows show: the stored state, the account's name
    and the last review."""
    return (
        Patient.objects.filter(**ids_filter(router.db_for_read(Patient), ids))
        .select_related("user")
        .only(*LISTED_FIELDS)
        .annotate(**stored_columns())
        .order_by()
    )


# Every list request reads its page this way: compiled once per process (PostgreSQL).
_PAGE_PATIENTS = CompiledQuery(_page_patients, [-9_000_011, -9_000_012])


def _gate_page(user, now, page_number, *, search, kind, needs_review):
    """The list through the access gate, sorted by the database over the whole set: while a
    clinician covers a colleague or holds an emergency grant (rare, and bounded), and for
    other roles. The same order as the team's index, by the same columns."""
    team = Patient.objects.visible_to(user)
    _bring_up_to_date(
        team.filter(Q(attention__isnull=True) | Q(attention__valid_until__lte=now))
        .order_by()
        .values_list("pk", "attention__patient"),
        now,
    )
    patients = team
    if search:
        patients = patients.filter(_search_filter("user__", search))
    if kind:
        patients = patients.filter(_kind_filter("attention__", kind))
    if needs_review:
        patients = patients.filter(attention__needs_review=True)
    patients = (
        patients.select_related("user")
        .only(*LISTED_FIELDS)
        .annotate(
            **stored_columns(),
            # How this clinician reaches each row (care team, covering, break-glass), in the
            # same query: the list says which patients are theirs only while covering.
            access_route=access_route_of(user, OuterRef("pk")),
        )
        .order_by(*ORDER)
    )
    page = Paginator(patients, dashboard.PAGE_SIZE).get_page(page_number)
    page.object_list = [stored_row(patient) for patient in page.object_list]
    return page


# --- What triggers a rewrite ------------------------------------------------------------------


def _patient_of(instance):
    if isinstance(instance, Patient):
        return instance.pk
    if hasattr(instance, "patient_id"):
        return instance.patient_id
    if hasattr(instance, "entry_id"):  # a side effect or an extra score
        return instance.entry.patient_id
    return instance.prescription.patient_id  # a plan version


def mark_due(patient_id) -> None:
    """The patient logged something: their row is due for a rewrite (one UPDATE, in the
    same transaction as the change). The minute task or the next list view rewrites it, so
    a patient's POST never waits for the clinic's evaluation."""
    now = timezone.now()
    PatientAttention.objects.filter(pk=patient_id, valid_until__gt=now).update(valid_until=now)


def _saved(sender, instance, raw=False, update_fields=None, **_kwargs):
    if raw:
        return
    if sender is Patient and update_fields and set(update_fields) <= {"next_reminder_at"}:
        return
    if sender in JOURNAL_MODELS:
        mark_due(_patient_of(instance))
    else:
        changed(_patient_of(instance))


def _deleted(sender, instance, **_kwargs):
    if sender in JOURNAL_MODELS:
        mark_due(_patient_of(instance))
    else:
        changed(_patient_of(instance))


JOURNAL_MODELS = set()


def _announced(patient_id, **_kwargs):
    changed(patient_id)


def _user_saved(instance, raw=False, update_fields=None, **_kwargs):
    if raw or instance.role != Role.PATIENT:
        return
    if update_fields is None or "is_active" in update_fields:
        # Closed, deactivated or back: the silence flags follow (flags.evaluate).
        for patient_id in Patient.objects.filter(user=instance).values_list("pk", flat=True):
            changed(patient_id)
    if update_fields is not None and "display_name" not in update_fields:
        return  # a sign-in's last_login, a language: not the name
    renamed(instance.pk)


def _link_saved(instance, created=False, raw=False, **_kwargs):
    if created and not raw:  # a new link takes its patient's row as it stands
        copy_to_team_links([instance.patient_id])


def _row_deleted(instance, **_kwargs):
    # Without its row the patient's links are unwritten again: the list writes the row first.
    CareTeamMembership.objects.filter(patient_id=instance.patient_id).update(name_key=None)


def connect_signals():
    """Saves that can change a row: the journal's (entries, side effects, extra scores) mark
    it due; the clinic's and the urgent report's rewrite it once they commit, so the
    clinician sees their review or the report at once. The journal writes side effects and
    extra scores in bulk with their entry (whose save triggers), so only one saved on its
    own (the admin, a script) triggers through them, and their deletion goes with an entry
    save or delete; plan steps are saved with their version; a change made by an UPDATE (an
    acknowledgement) sends patients.signals.attention_changed."""
    JOURNAL_MODELS.update((NightlyEntry, SideEffect, SymptomScore))
    for model in (SideEffect, SymptomScore):
        post_save.connect(_saved, sender=model, dispatch_uid=f"attention_{model.__name__}_saved")
    for model in (
        Patient,
        NightlyEntry,
        FlagReview,
        UrgentReport,
        SymptomScale,
        PlanVersion,
        Prescription,
    ):
        uid = f"attention_{model.__name__}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}_saved")
        if model is not Patient:
            post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}_deleted")
    attention_changed.connect(_announced, dispatch_uid="attention_announced")
    # The care-team links' copy of the sort (the list's index): a new link, a renamed
    # patient, a row deleted.
    post_save.connect(_user_saved, sender=User, dispatch_uid="attention_user_saved")
    post_save.connect(_link_saved, sender=CareTeamMembership, dispatch_uid="attention_link_saved")
    post_delete.connect(_row_deleted, sender=PatientAttention, dispatch_uid="attention_row_deleted")
