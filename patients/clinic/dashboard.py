"""The clinician's dashboard: the attention-sorted patient list and one patient's page data.

The non-pure half of the flags: it reads a fixed number of querysets (never one per
patient), turns rows into plain records and hands them to patients.rules.flags,
patients.rules.adherence and patients.journal.charts.
"""

from __future__ import annotations

import functools
import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Page, Paginator
from django.db import connection, connections, router
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, JSONObject, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext

from ldn_journal import sql_once
from ldn_journal.accounts.models import (
    Role,
    User,
    closed_account,
    closed_at,
    closed_at_of,
    is_closed,
    remember_closed_at,
)
from ldn_journal.compiled_queries import CompiledQuery, register
from ldn_journal.local_dates import local_date
from patients import records as night_records
from patients.clinic import dose_levels as dose_level_groups
from patients.compiled import PerPatientQuery
from patients.journal.charts import (
    Marker,
    Series,
    day_labels,
    skipped_label,
    small_multiples,
    sparkline,
    trend_chart,
)
from patients.models import (
    CareTeamMembership,
    ClinicianNote,
    FlagReview,
    NightlyEntry,
    NightlyEntryQuerySet,
    Patient,
    SideEffect,
    SymptomScale,
    SymptomScore,
    UrgentReport,
    fetch_clinician_query,
    freeze_clinician_query,
    gate_is_frozen_for,
)
from patients.rules import adherence as adherence_rules
from patients.rules import dose_response
from patients.rules import flags as flag_rules
from patients.rules import pause as pause_rules
from patients.rules import scales as scale_defs
from patients.rules.nights import (
    EVENING,
    LAST_NIGHT,
    MORNING,
    TODAY,
    TONIGHT,
    YESTERDAY,
    last_night_of_record,
    relative_night,
)
from patients.templatetags.journal import amount, logged_time
from patients.urgent.reports import report_night
from patients.wording import translate
from prescriptions import panel, plans, titration
from prescriptions.models import SuggestionDismissal
from prescriptions.plans import NO_PLAN, PlanView, load_many

PAGE_SIZE = 50
SPARKLINE_NIGHTS = 30
CHART_WEEKS = (4, 12, 26, 52)
DEFAULT_CHART_WEEKS = 12


# --- Reading rows as plain records ------------------------------------------------------------


scale_key = night_records.scale_key


def extra_scale(scale: SymptomScale) -> scale_defs.Scale:
    return night_records.extra_scale(
        scale.pk, scale.name, scale.lower_is_better, scale.low_anchor, scale.high_anchor
    )


def entries_with_details():
    """Entries with their side effects and extra scores: 3 queries for any number of rows.

    For the pages that show whole entries (one night); what the rules read comes from
    patients.records as plain values. `entry.side_effects.all()` and
    `entry.extra_scores.all()` read lists attached in bulk: prefetch_related would build two
    querysets per entry.
    """
    return _EntriesWithDetails(NightlyEntry).order_by("night")


class Attached(list):
    """A related set read in bulk, answering what code asks of a prefetched manager."""

    def all(self):
        return self

    def count(self):
        return len(self)

    def exists(self):
        return bool(self)


class _EntriesWithDetails(NightlyEntryQuerySet):
    def _fetch_all(self):
        fetched = self._result_cache is not None
        super()._fetch_all()
        if not fetched and self._result_cache and isinstance(self._result_cache[0], NightlyEntry):
            _attach_details(self._result_cache)


def _attach_details(entries):
    by_pk = {entry.pk: entry for entry in entries}
    effects, scores = defaultdict(Attached), defaultdict(Attached)
    for effect in SideEffect.objects.filter(entry_id__in=by_pk).order_by("kind"):
        effect._state.fields_cache["entry"] = by_pk[effect.entry_id]
        effects[effect.entry_id].append(effect)
    for score in SymptomScore.objects.filter(entry_id__in=by_pk).select_related("scale"):
        score._state.fields_cache["entry"] = by_pk[score.entry_id]
        scores[score.entry_id].append(score)
    for pk, entry in by_pk.items():
        entry._prefetched_objects_cache = {
            "side_effects": effects.get(pk, Attached()),
            "extra_scores": scores.get(pk, Attached()),
        }


def logged_by_night(records) -> dict[date, str]:
    """What was logged on each night of ``records`` (taken, skipped), as
    adherence_rules.night_records reads it."""
    return {record.night: record.status for record in records}


def _open_urgent(ref, field_name, aggregate):
    return Subquery(
        UrgentReport.objects.filter(patient=OuterRef(ref), acknowledged_at__isnull=True)
        .order_by()
        .values("patient")
        .annotate(value=aggregate(field_name))
        .values("value")[:1]
    )


def _oldest_open_urgent(ref, field_name):
    """A column of the oldest open report (UrgentReport.objects.oldest_first, the order
    patients.pause reads for the plan page)."""
    return Subquery(
        UrgentReport.objects.open()
        .filter(patient=OuterRef(ref))
        .oldest_first()
        .values(field_name)[:1]
    )


def urgent_annotations(ref="pk", prefix=""):
    """Open urgent reports as columns (count, the oldest one's moment, zone and id, the worst
    severity): no extra query."""
    return {
        f"{prefix}urgent_count": _open_urgent(ref, "pk", Count),
        f"{prefix}urgent_since": _open_urgent(ref, "created_at", Min),
        # The zone the oldest was made in: its night is read there (urgent.report_night).
        f"{prefix}urgent_since_zone": _oldest_open_urgent(ref, "time_zone"),
        # The oldest by moment, ties by id (not the smallest id: ids need not follow the
        # moments): what the pause note and the urgent flag link to, on every page.
        f"{prefix}urgent_first_id": _oldest_open_urgent(ref, "pk"),
        # "severe" sorts after "moderate", so Max is the worst.
        f"{prefix}urgent_severity": _open_urgent(ref, "severity", Max),
    }


def urgent_pause(patient, now: datetime | None) -> pause_rules.Pause | None:
    """The urgent-report pause in force at ``now`` (patients.rules.pause.pause_at, the one
    rule the patient's card and the reminders read), from the annotated open reports: no
    query. Their oldest decides whether any was made by ``now``; only whether the patient
    was told to wait is read from it (the count and the newest are the annotations')."""
    if not getattr(patient, "urgent_count", None) or now is None:
        return None
    zone = getattr(patient, "urgent_since_zone", None) or ""
    return pause_rules.pause_at((patient.urgent_since,), now, (zone,))


def urgent_records(patient, plan: PlanView):
    """The open reports as one flags.UrgentRecord, on the oldest one's night: in the zone it
    was made in, under the dosing time the plan had then (urgent.reports.report_night, from
    the annotated columns: no query)."""
    if not getattr(patient, "urgent_count", None):
        return []
    oldest = UrgentReport(
        created_at=patient.urgent_since,
        time_zone=getattr(patient, "urgent_since_zone", None) or "",
    )
    night = report_night(oldest, patient.tz, plan)
    return [
        flag_rules.UrgentRecord(
            night,
            patient.urgent_severity,
            patient.urgent_since,
            patient.urgent_count,
            getattr(patient, "urgent_first_id", None),
        )
    ]


def _latest_review(ref="pk"):
    """The night the patient's latest review (not undone) covers flags through: the night it
    names, or the night before the first night it names that the patient logged or changed
    after the review was made. A review covers what the clinician could see: one through
    tonight (the form's default) covered a severe side effect the patient reported the next
    morning for that night, and it never raised them in the list (found in QA)."""
    # The first such night as an aggregate over the nights changed after the review, which
    # an index on the patient, updated_at and night finds without reading the rest ("the
    # first night, in order, changed after the review" read every night of the record up
    # to the review's, on every clinician page of the patient (the gate) and in the list).
    changed_after = (
        NightlyEntry.objects.filter(
            patient=OuterRef("patient"),
            night__lte=OuterRef("reviewed_through"),
            updated_at__gt=OuterRef("at"),
        )
        .order_by()
        .values("patient")
        .annotate(first=Min("night"))
        .values("first")
    )
    day_before_change = Cast(
        ExpressionWrapper(
            Subquery(changed_after, output_field=DateField()) - timedelta(days=1),
            output_field=DateField(),
        ),
        DateField(),
    )
    return Subquery(
        FlagReview.objects.filter(patient=OuterRef(ref), undone_at__isnull=True)
        .order_by("-at", "-pk")
        .annotate(covered=Coalesce(day_before_change, F("reviewed_through")))
        .values("covered")[:1],
        output_field=DateField(),
    )


def _latest_reviews(ref="pk"):
    """The patient's reviews that were not undone, latest first."""
    return FlagReview.objects.filter(patient=OuterRef(ref), undone_at__isnull=True).order_by(
        "-at", "-pk"
    )


def _latest_review_field(name, output_field, ref="pk"):
    """One column of the patient's latest review that was not undone (who, when)."""
    return Subquery(_latest_reviews(ref).values(name)[:1], output_field=output_field)


# Who last reviewed and when, as columns of the review (the stored list reads them through
# the attention row's last_review: patients.clinic.attention.stored_columns).
LAST_REVIEW_FIELDS = {
    "reviewed_at": "at",
    "reviewed_by_name": "reviewed_by__display_name",
    "reviewed_by_email": "reviewed_by__email",
}


def last_review_annotations():
    """Who last reviewed the patient's flags and when (the list's "last reviewed")."""
    return {
        "reviewed_at": _latest_review_field("at", DateTimeField()),
        "reviewed_by_name": _latest_review_field("reviewed_by__display_name", CharField()),
        "reviewed_by_email": _latest_review_field("reviewed_by__email", CharField()),
    }


def _last_entry():
    return Subquery(
        NightlyEntry.objects.logged()
        .filter(patient=OuterRef("pk"))
        .order_by("-night")
        .values("night")[:1],
        output_field=DateField(),
    )


def annotated_patients(user, now=None):
    """The access gate at `now` plus what the list needs on each patient row (one query)."""
    return with_list_annotations(Patient.objects.visible_to(user, now))


def with_list_annotations(patients):
    return patients.select_related("user").annotate(
        last_entry=_last_entry(),
        reviewed_through=_latest_review(),
        last_review_pk=_latest_review_field("pk", BigIntegerField()),
        **last_review_annotations(),
        **urgent_annotations(),
        account_closed_at=closed_at_of("user_id"),
    )


def closed_on(patient):
    """The date the patient's account was closed on, in their zone (the badge's "Account
    closed on 5 Dec 2026"); None while it is open. Read from the query that loaded them when
    it read the closure (closed_at_of)."""
    when = closed_at(patient.user)
    return None if when is None else timezone.localtime(when, patient.tz).date()


# --- The patient list -------------------------------------------------------------------------


@dataclass
class PatientRow:
    patient: Patient
    today: date
    position: titration.PlanPosition
    last_entry: date | None
    nights_silent: int
    adherence_7: adherence_rules.Adherence
    adherence_30: adherence_rules.Adherence
    flags: list
    open_flags: list
    reviewed_through: date | None
    sparkline: str = ""
    sort_key: tuple = field(default=(), repr=False)
    pain: list = field(default_factory=list, repr=False)  # the sparkline's values
    # The stored row's flags as their JSON text (rows the list reads, attention.stored_row):
    # it decides the flags exactly, so the list writes their badges once per process for
    # each distinct text and language (list_rows). Empty for a freshly evaluated row.
    flags_state: str = field(default="", repr=False, compare=False)
    # The patient's plan (a freshly evaluated row only): what places a moment on a night for
    # this patient (the digest's window), by their dosing time.
    plan: PlanView = field(default=NO_PLAN, repr=False, compare=False)
    # The account was closed (is_closed): its record is kept read-only, with no flags, and
    # the list shows it after every open account.
    closed: bool = False

    @property
    def closed_on(self):
        """The date the account was closed on (closed_on), None while it is open."""
        return closed_on(self.patient)

    @property
    def needs_review(self):
        return bool(self.open_flags)


def pain_sparkline(values, dosing_time: str = EVENING):
    """The list's pain line; a morning doser's covers days (the row's plan position's)."""
    if dosing_time == MORNING:
        label = gettext("Pain over the last %(days)s days") % {"days": SPARKLINE_NIGHTS}
    else:
        label = gettext("Pain over the last %(nights)s nights") % {"nights": SPARKLINE_NIGHTS}
    return sparkline(values, label=label)


def patient_rows(user, now: datetime, *, search: str = "", kind: str = "", needs_review=False):
    """Every patient the user may see, attention first, with flags, adherence and sparkline,
    freshly evaluated (the clinician list reads the stored copy: patients.clinic.attention).

    Query count is constant: patients, recent nights (+ side effects, extra scores), plans,
    first reports of each side effect and open urgent reports, whatever the number of
    patients or nights.
    """
    # The gate at the same moment as the flags: a digest judged for 07:30 covers the patients
    # the clinician saw (their team, a colleague they covered) at 07:30.
    patients = annotated_patients(user, now)
    if search:
        # A closed account's placeholder address is not the person's (attention._search_filter).
        patients = patients.filter(user__display_name__icontains=search) | patients.filter(
            Q(user__email__icontains=search) & ~closed_account("user_id")
        )
    rows = evaluate_rows(patients.order_by(Lower("user__display_name"), "pk"), now)
    if kind:
        rows = [row for row in rows if any(flag.kind == kind for flag in row.flags)]
    if needs_review:
        rows = [row for row in rows if row.needs_review]
    rows.sort(key=lambda row: (row.closed, row.sort_key))
    return rows


def evaluate_rows(patients, now: datetime) -> list[PatientRow]:
    """Each patient's list row at `now`, from the flag, adherence and plan rules.

    `patients` come with the list's annotations (with_list_annotations). The one evaluation
    behind the clinician list: patients.clinic.attention stores what this returns.
    """
    patients = list(patients)
    if not patients:
        return []
    ids = [p.pk for p in patients]
    plans = load_many(ids)
    # Each row's night: tonight, or a closed account's closure night (record_tonight).
    todays = {
        p.pk: plans.get(p.pk, NO_PLAN).record_tonight(_with_closure(p), now) for p in patients
    }
    # Two extra nights cover the patients whose zone is a day ahead of or behind UTC.
    reach = timedelta(days=flag_rules.LOOKBACK_NIGHTS + 2)
    window = Q(patient__in=ids, night__gte=now.date() - reach)
    # A closed account's weeks end at its closure night: read those (its row's adherence
    # and sparkline), in the same query.
    for patient in patients:
        if is_closed(patient.user):
            window |= Q(patient=patient.pk, night__gte=todays[patient.pk] - reach)
    nights = night_records.read(NightlyEntry.objects.filter(window))
    first_reported = night_records.first_reported(SideEffect.objects.filter(entry__patient__in=ids))

    rows = []
    for patient in patients:
        closed = is_closed(patient.user)
        plan = plans.get(patient.pk, NO_PLAN)
        patient_nights = nights[patient.pk]
        records = patient_nights.records
        today = todays[patient.pk]
        flags = flag_rules.evaluate(
            records,
            plan.versions,
            today,
            tz=patient.tz,
            scales=[*scale_defs.SYMPTOMS, scale_defs.SLEEP, *patient_nights.scales.values()],
            first_reported=first_reported[patient.pk],
            last_entry=patient.last_entry,
            joined=plan.night_joined(patient),
            urgent=urgent_records(patient, plan),
            account_open=patient.user.is_active,
            account_closed=closed,
        )
        open_flags = flag_rules.unreviewed(flags, patient.reviewed_through)
        silent = flag_rules.nights_silent(patient.last_entry, today)
        last_night = last_night_of_record(today, records[-1].night if records else None)
        nightly = adherence_rules.night_records(
            plan, logged_by_night(records), last_night - timedelta(days=29), last_night
        )
        pain = {r.night: r.scores.get("pain") for r in records}
        pain_values = [
            pain.get(today - timedelta(days=offset))
            for offset in range(SPARKLINE_NIGHTS - 1, -1, -1)
        ]
        position = plan.on(today)
        rows.append(
            PatientRow(
                patient=patient,
                today=today,
                position=position,
                last_entry=patient.last_entry,
                nights_silent=silent,
                adherence_7=adherence_rules.adherence(nightly, today, 7, through=last_night),
                adherence_30=adherence_rules.adherence(nightly, today, 30, through=last_night),
                flags=flags,
                open_flags=open_flags,
                reviewed_through=patient.reviewed_through,
                sparkline=pain_sparkline(pain_values, position.dosing_time),
                sort_key=flag_rules.attention_key(flags, patient.reviewed_through, silent),
                pain=pain_values,
                plan=plan,
                closed=closed,
            )
        )
    return rows


# --- One patient's page -----------------------------------------------------------------------


@dataclass
class PatientPage:
    """What the patient page and the visit report show of one patient. Their nights are read
    range by range (``nights``: records.PatientNights), only those each part shows, and the
    whole record's figures from ``summary``: a page costs the same after a year or ten."""

    patient: Patient
    care_team: list
    today: date
    # The last night a range on the page (chart, report, export) may reach: today, or the
    # newest night logged when a move west has put it ahead of today.
    last_night: date
    plan: PlanView
    position: titration.PlanPosition
    nights: night_records.PatientNights
    summary: night_records.Summary  # the first and last night logged, how many, first reports
    reviewed_through: date | None
    scales: list  # SymptomScale rows for this patient
    timeline: list  # notes and reviews, newest first (a Page on the patient page)
    now: datetime | None = None  # the moment the page was read at (its words for nights)
    # The night the latest review named; later than reviewed_through when a night up to it
    # was logged or changed after the review (_latest_review): the page says why.
    review_named: date | None = None

    def between(self, first: date, last: date) -> list:
        """The records (flags.NightRecord) of the nights first..last, oldest first."""
        return self.nights.between(first, last)

    @property
    def first_night(self) -> date:
        """The record's first night: its first entry or plan night, else today
        (record_nights)."""
        return record_nights(self.today, self.summary.first, None, self.plan.versions)[0]

    @functools.cached_property
    def flags(self) -> list:
        """Every flag on the patient tonight (flags.evaluate), from the nights the flags read
        (flags.LOOKBACK_NIGHTS before tonight and every night after it) and the record's
        summary: the same flags as from the whole record (a property test compares them)."""
        records = self.between(self.today - timedelta(days=flag_rules.LOOKBACK_NIGHTS), date.max)
        return flag_rules.evaluate(
            records,
            self.plan.versions,
            self.today,
            tz=self.patient.tz,
            scales=[*scale_defs.SYMPTOMS, scale_defs.SLEEP, *map(extra_scale, self.scales)],
            first_reported=self.summary.first_reported,
            last_entry=self.summary.last,
            joined=self.plan.night_joined(self.patient),
            urgent=urgent_records(self.patient, self.plan),
            account_open=self.patient.user.is_active,
            account_closed=self.closed,
        )

    @property
    def closed(self) -> bool:
        """The account was closed (is_closed): the record is kept, read-only."""
        return is_closed(self.patient.user)

    @property
    def closed_at(self):
        """When the account was closed, None while it is open."""
        return closed_at(self.patient.user)

    @property
    def pause(self) -> pause_rules.Pause | None:
        """The pause the patient is under at the page's moment (urgent_pause): the page
        shows it beside tonight's dose, which it leaves as prescribed (the app never
        decides a dose). The clinician's page showed "Tonight 4.5 mg" with no hint that the
        patient was told to wait (found by exploratory QA)."""
        return urgent_pause(self.patient, self.now)

    @property
    def pause_report_id(self) -> int | None:
        """The open report the pause note links to: the oldest, as the urgent flag's."""
        return getattr(self.patient, "urgent_first_id", None) if self.pause else None

    @functools.cached_property
    def _adherence(self):
        # As the patient's history counts it: through the last night of record.
        first = self.last_night - timedelta(days=29)
        nightly = adherence_rules.night_records(
            self.plan, logged_by_night(self.between(first, self.last_night)), first, self.last_night
        )
        return (
            adherence_rules.adherence(nightly, self.today, 7, through=self.last_night),
            adherence_rules.adherence(nightly, self.today, 30, through=self.last_night),
        )

    @property
    def adherence_7(self) -> adherence_rules.Adherence:
        return self._adherence[0]

    @property
    def adherence_30(self) -> adherence_rules.Adherence:
        return self._adherence[1]


GATE_PATIENT_ATTRIBUTES = (
    "reviewed_through",
    "review_named",
    "urgent_count",
    "urgent_since",
    "urgent_since_zone",
    "urgent_severity",
    "urgent_first_id",
    # The patient's extra scales and the care team's suggestion dismissals, as JSON rows
    # (gate_scales, gate_dismissals): two round trips fewer on the patient page and report.
    "scale_rows",
    "dismissal_rows",
    # When the account was closed (None: open), put on the patient's user (_with_closure).
    "account_closed_at",
)

_SCALE_COLUMNS = (
    "id",
    "patient_id",
    "name",
    "lower_is_better",
    "low_anchor",
    "high_anchor",
    "active",
    "created_by_id",
    "created_at",
)
_DISMISSAL_COLUMNS = ("id", "patient_id", "kind", "evidence_key", "dismissed_by_id", "reason")


def _not_in_one_query():
    """None where the gate may read the rows below in its own query (PostgreSQL's arrays);
    elsewhere (SQLite: `make run` without PostgreSQL, which had the patient page answer 500)
    a NULL column, so gate_scales and gate_dismissals answer None and their readers make
    their own query."""
    if connection.vendor == "postgresql":
        return None
    return Value(None, output_field=JSONField())


def _scale_rows(ref):
    # As SymptomScale's own order (by name, unique per patient).
    if (instead := _not_in_one_query()) is not None:
        return instead
    return ArraySubquery(
        SymptomScale.objects.filter(patient_id=OuterRef(ref))
        .order_by("name")
        .values_list(JSONObject(**{name: name for name in _SCALE_COLUMNS}))
    )


def _dismissal_rows(ref):
    # Newest first, as SuggestionDismissal's own order (panel.dismissals_of), ties by id.
    if (instead := _not_in_one_query()) is not None:
        return instead
    return ArraySubquery(
        SuggestionDismissal.objects.filter(patient_id=OuterRef(ref))
        .order_by("-dismissed_at", "-pk")
        .values_list(
            JSONObject(
                **{name: name for name in _DISMISSAL_COLUMNS},
                dismissed_at="dismissed_at",
                by_name="dismissed_by__display_name",
                by_email="dismissed_by__email",
            )
        )
    )


def _moment(value):
    # A timestamptz written into JSON by PostgreSQL (ISO 8601, with its offset).
    return None if value is None else datetime.fromisoformat(value)


def _from_row(model, using, values: dict):
    """A model instance from some of its columns (the rest deferred), as the ORM makes one:
    Model.from_db takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(using, names, [values[name] for name in names])


def gate_scales(patient) -> list | None:
    """The patient's extra scales (SymptomScale rows, by name) as care_team_gate read them;
    None for a patient not read through the gate."""
    rows = getattr(patient, "scale_rows", None)
    if rows is None:
        return None
    using = router.db_for_read(SymptomScale)
    return [
        _from_row(SymptomScale, using, {**row, "created_at": _moment(row["created_at"])})
        for row in rows
    ]


def gate_dismissals(patient) -> list | None:
    """The care team's suggestion dismissals, newest first, each with who dismissed it (their
    name and address only), as care_team_gate read them; None for a patient not read
    through the gate (panel.dismissals_of reads them)."""
    rows = getattr(patient, "dismissal_rows", None)
    if rows is None:
        return None
    using = router.db_for_read(SuggestionDismissal)
    dismissals = []
    for row in rows:
        dismissal = _from_row(
            SuggestionDismissal,
            using,
            {
                **{name: row[name] for name in _DISMISSAL_COLUMNS},
                "dismissed_at": _moment(row["dismissed_at"]),
            },
        )
        dismissal.dismissed_by = _from_row(
            User,
            using,
            {
                "id": row["dismissed_by_id"],
                "display_name": row["by_name"],
                "email": row["by_email"],
            },
        )
        dismissals.append(dismissal)
    return dismissals


def _gate_links(user, patient_pk, now=None):
    """The patient's care-team links, if the gate lets `user` reach the patient, with the
    patient's latest review and open urgent reports (prefixed "patient_")."""
    return (
        CareTeamMembership.objects.filter(
            patient_id=patient_pk, patient__in=Patient.objects.visible_to(user, now)
        )
        .annotate(
            patient_reviewed_through=_latest_review("patient_id"),
            patient_review_named=_latest_review_field(
                "reviewed_through", DateField(), "patient_id"
            ),
            **urgent_annotations("patient_id", prefix="patient_"),
            patient_scale_rows=_scale_rows("patient_id"),
            patient_dismissal_rows=_dismissal_rows("patient_id"),
            patient_account_closed_at=closed_at_of("patient__user_id"),
            # Each clinician's closure: the page names a closed colleague on the care team
            # ("Closed account", User.name) without a query per name.
            clinician_closed_at=closed_at_of("clinician_id"),
        )
        .order_by("added_at", "pk")
    )


def _concrete(model):
    return [f.attname for f in model._meta.concrete_fields]


@dataclass(frozen=True)
class _FrozenGate:
    sql: object  # sql_once.Frozen
    converters: dict  # column index: (converter functions, expression), as the ORM applies


@functools.cache
def _frozen_gate(using) -> _FrozenGate:
    """`care_team_gate`'s query as plain columns, compiled once per process: the patient,
    their user, each link's clinician and the annotations (building and compiling its six
    subqueries cost more than running them, on every patient page and report)."""

    def build(user, patient_pk, now):
        return _gate_links(user, patient_pk, now).values_list(
            *(f"patient__{name}" for name in _concrete(Patient)),
            *(f"patient__user__{name}" for name in _concrete(User)),
            *(f"clinician__{name}" for name in _concrete(User)),
            "clinician_closed_at",
            *(f"patient_{name}" for name in GATE_PATIENT_ATTRIBUTES),
        )

    frozen = freeze_clinician_query(using, build)
    # The ORM's own converters for these columns (from_db_value, the backend's adapters).
    clinician = User(pk=0, role=Role.CLINICIAN, is_active=True)
    compiler = build(clinician, 0, timezone.now()).query.get_compiler(using)
    compiler.setup_query()
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return _FrozenGate(frozen, converters)


register(_frozen_gate)  # compiled by a gunicorn master before it forks


def _gate_rows(user, patient_pk, using):
    gate = _frozen_gate(using)
    rows = fetch_clinician_query(using, user, patient_pk, timezone.now(), gate.sql)
    return sql_once.converted(connections[using], rows, gate.converters)


def care_team_gate(user, patient_pk):
    """The patient (through the access gate) with their care team, in one query.

    Returns (patient, [clinicians]) or None when the user may not see the patient.
    """
    if not isinstance(patient_pk, int) or not gate_is_frozen_for(user):
        return _care_team_gate_orm(user, patient_pk)
    using = router.db_for_read(CareTeamMembership)
    rows = _gate_rows(user, patient_pk, using)
    if not rows:
        return None
    patient_width, user_width = len(_concrete(Patient)), len(_concrete(User))
    first = rows[0]
    patient = Patient.from_db(using, _concrete(Patient), first[:patient_width])
    patient.user = User.from_db(
        using, _concrete(User), first[patient_width : patient_width + user_width]
    )
    attributes = first[len(first) - len(GATE_PATIENT_ATTRIBUTES) :]
    for name, value in zip(GATE_PATIENT_ATTRIBUTES, attributes, strict=True):
        setattr(patient, name, value)
    _with_closure(patient)
    start = patient_width + user_width
    clinicians = []
    for row in rows:
        clinician = User.from_db(using, _concrete(User), row[start : start + user_width])
        remember_closed_at(clinician, row[start + user_width])
        clinicians.append(clinician)
    return patient, clinicians


def _care_team_gate_orm(user, patient_pk):
    links = list(_gate_links(user, patient_pk).select_related("patient__user", "clinician"))
    if not links:
        return None
    patient = links[0].patient
    for name in GATE_PATIENT_ATTRIBUTES:
        setattr(patient, name, getattr(links[0], f"patient_{name}"))
    _with_closure(patient)
    for link in links:
        remember_closed_at(link.clinician, link.clinician_closed_at)
    return patient, [link.clinician for link in links]


def _with_closure(patient):
    """The account's closure, read with the patient, kept on their user: every part of the
    page asks is_closed (its name, badge, forms, flags) without another query."""
    if hasattr(patient, "account_closed_at"):
        remember_closed_at(patient.user, patient.account_closed_at)
    return patient


def _timeline_query(patient_id, since=None, before=None):
    # Each part drops its model's default ordering: a compound query orders once, at the end.
    # ``since`` and ``before`` (both or neither): only the items written in [since, before).
    notes = (
        ClinicianNote.objects.filter(patient_id=patient_id)
        .filter(**({"created_at__gte": since, "created_at__lt": before} if since else {}))
        .order_by()
        .values(
            "pk",
            when=F("created_at"),
            who=F("author__display_name"),
            who_email=F("author__email"),
            who_closed=closed_account("author_id"),
            body=F("text"),
            through=Value(None, output_field=DateField()),
            undone=Value(None, output_field=ClinicianNote._meta.get_field("created_at")),
            item=Value("note"),
        )
    )
    reviews = (
        FlagReview.objects.filter(patient_id=patient_id)
        .filter(**({"at__gte": since, "at__lt": before} if since else {}))
        .order_by()
        .values(
            "pk",
            when=F("at"),
            who=F("reviewed_by__display_name"),
            who_email=F("reviewed_by__email"),
            who_closed=closed_account("reviewed_by_id"),
            body=F("note"),
            through=F("reviewed_through"),
            undone=F("undone_at"),
            item=Value("review"),
        )
    )
    return notes.union(reviews, all=True).order_by("-when")


_TIMELINE = PerPatientQuery(_timeline_query)


def _named(items: list[dict]) -> list[dict]:
    """A closed colleague's notes and reviews stay theirs, named "Closed account" as User.name
    names a closed account: the timeline showed the placeholder address closing left them
    ("closed-7@closed.invalid"), as if it were someone's (found by exploratory QA)."""
    for item in items:
        if item.get("who_closed") and not item["who"]:
            item["who"] = gettext("Closed account")
    return items


def timeline(patient):
    """Clinician notes and flag reviews, newest first, in one query (compiled once per
    process on PostgreSQL: patients.compiled)."""
    if connection.vendor != "postgresql":
        return _named(list(_timeline_query(patient.pk)))
    names, rows = _TIMELINE.rows(patient.pk, ClinicianNote.objects.db)
    return _named([dict(zip(names, row, strict=True)) for row in rows])


def timeline_between(patient, since: datetime, before: datetime) -> list[dict]:
    """The clinician notes and flag reviews written from ``since`` to before ``before``,
    newest first, in one query: what the visit report reads for its range (it read every
    note and review the patient ever had, and kept those of the range). On PostgreSQL the
    timeline's SQL compiled once per process, cut to the range (building and compiling the
    two-part union on each report cost a tenth of the report's time)."""
    if connection.vendor != "postgresql":
        return _named(list(_timeline_query(patient.pk, since, before)))
    alias = ClinicianNote.objects.db
    sql, params = _TIMELINE.sql(patient.pk, alias)
    ranged = (
        f'SELECT * FROM ({sql}) AS timeline WHERE "when" >= %s AND "when" < %s '  # noqa: S608 - the frozen ORM query
        'ORDER BY "when" DESC'
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(ranged, (*params, since, before))
        names = [column.name for column in cursor.description]
        return _named([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])


TIMELINE_PER_PAGE = 20
# A page number past this is read as this one (an OFFSET beyond bigint was a 500).
_TIMELINE_LAST_ASKABLE = 100_000


def _timeline_slice(patient_id, offset: int, limit: int) -> tuple[list[dict], int | None]:
    """``limit`` timeline items from ``offset`` and how many there are in all (None when the
    slice is empty: nothing to read the count from), in one query."""
    if connection.vendor != "postgresql":
        items = list(_timeline_query(patient_id))
        return _named(items[offset : offset + limit]), len(items)
    alias = ClinicianNote.objects.db
    sql, params = _TIMELINE.sql(patient_id, alias)
    # The pk and kind break ties of "when", so an item never shows on two pages or none.
    wrapped = (
        f"SELECT *, COUNT(*) OVER () FROM ({sql}) AS timeline "  # noqa: S608 - the frozen ORM query
        'ORDER BY "when" DESC, "item", "pk" DESC LIMIT %s OFFSET %s'
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(wrapped, (*params, int(limit), int(offset)))
        names = [column.name for column in cursor.description][:-1]
        rows = cursor.fetchall()
    if not rows:
        return [], None
    return _named([dict(zip(names, row[:-1], strict=True)) for row in rows]), rows[0][-1]


def timeline_page(patient, number, per_page: int = TIMELINE_PER_PAGE):
    """One page of the timeline, newest first (a Page): the patient page showed every note
    and review a patient ever had, each render. One query; a page past the end is the last
    page (two more, on that path only); a number that is not one is the first page."""
    try:
        number = min(max(int(str(number)), 1), _TIMELINE_LAST_ASKABLE)
    except ValueError:
        number = 1
    items, total = _timeline_slice(patient.pk, (number - 1) * per_page, per_page)
    if total is None:
        total = 0
        if number > 1:
            _, total = _timeline_slice(patient.pk, 0, 1)
            number = max(1, -(-(total or 0) // per_page))
            items, total = _timeline_slice(patient.pk, (number - 1) * per_page, per_page)
            total = total or 0
    paginator = _CountedPaginator([], per_page, total)
    return Page(items, number, paginator)


# A patient's extra scales (compiled once per process: every patient page and report reads them).
_PATIENT_SCALES = CompiledQuery(
    lambda patient_id: SymptomScale.objects.filter(patient_id=patient_id), -7_000_202
)


def record_nights(
    today: date, first_entry: date | None, last_entry: date | None, versions
) -> tuple[date, date]:
    """The first and last night of a patient's record as the patient page shows it: from
    the first entry or plan night (``versions``: the plan's, the first in order), else
    today, to the last night of record (nights.last_night_of_record: today, or a night
    logged ahead of it). The night page (views.night_detail) reads views.record_start and
    record_end, which count urgent reports too."""
    firsts = [today]
    if first_entry is not None:
        firsts.append(first_entry)
    firsts += [version.effective_night for version in versions[:1]]
    return min(firsts), last_night_of_record(today, last_entry)


def patient_page(
    patient, care_team, now: datetime, *, timeline_number=None, with_timeline=True
) -> PatientPage:
    """What the patient page and the visit report show, read as plain values: the extra
    scales (1 query), the record's summary (1: records.summary), the plan (2) and the
    timeline (1). The nights are read when first shown, those of every part the page has
    asked for (``page.nights.want``) in one query (and 1 for their scores when the patient
    has extra scales): the flags' weeks and the page's own ranges, never the whole record.
    ``timeline_number``: the patient page's page of the timeline (timeline_page); without it
    the whole timeline. ``with_timeline=False``: none (the visit report reads its range's:
    timeline_between)."""
    scales = gate_scales(patient)
    if scales is None:
        scales = _PATIENT_SCALES.instances(patient.pk)
    summary = night_records.summary(patient.pk)
    plan = plans.load(patient)
    # Tonight, or a closed account's closure night: its calendar, chart, stats and
    # adherence end there, as the list row and the exports (PlanView.record_tonight).
    today = plan.record_tonight(patient, now)
    _first, last_night = record_nights(today, summary.first, summary.last, plan.versions)
    # A score is on one of the patient's own scales (kept while scored): with none, no query
    # for scores.
    nights = night_records.PatientNights(patient.pk, extra_scores=bool(scales))
    # The flags' nights and the adherence's 30 (flags.evaluate, PatientPage._adherence).
    nights.want(
        (today - timedelta(days=flag_rules.LOOKBACK_NIGHTS), date.max),
        (last_night - timedelta(days=29), last_night),
    )
    return PatientPage(
        patient=patient,
        care_team=care_team,
        today=today,
        last_night=last_night,
        plan=plan,
        position=plan.on(today),
        nights=nights,
        summary=summary,
        reviewed_through=getattr(patient, "reviewed_through", None),
        review_named=getattr(patient, "review_named", None),
        scales=scales,
        timeline=(
            []
            if not with_timeline
            else timeline(patient)
            if timeline_number is None
            else timeline_page(patient, timeline_number)
        ),
        now=now,
    )


def trend_range(page: PatientPage, weeks: int) -> tuple[date, date]:
    """The nights the patient page's chart of ``weeks`` shows: to the last night of record."""
    return page.last_night - timedelta(weeks=weeks) + timedelta(days=1), page.last_night


def trend(page: PatientPage, weeks: int):
    """The trend chart (SVG), its series (for the table) and the range shown."""
    start, end = trend_range(page, weeks)
    title = gettext("Dose prescribed and taken over %(weeks)s weeks") % {"weeks": weeks}
    svg, series = trend_between(page, start, end, title, multiples=True)
    return svg, series, start, end


# The patient page's dose chart, in viewBox units: drawn as wide as the page gives it on a
# tablet (678 px at 768, 730 at 820), so its 11-unit text reads at 11-12 px there, as the
# small multiples' beside it do. Drawn 720 wide, the chart was scaled down and its text read
# at 8 px (and the printed report's one chart keeps its 720).
DOSE_CHART_WIDTH = 660


def trend_between(
    page: PatientPage,
    start: date,
    end: date,
    title: str = "",
    *,
    multiples: bool = False,
    changes=None,
):
    """The trend chart from start to end and its series.

    With ``multiples`` (the patient page): the dose chart (taken dose beside the prescribed
    step line, with the plan's markers) and then one small panel per measure with the dose
    steps shaded behind it (charts.small_multiples, as the patient's own trends); otherwise
    (the printed report) one chart with every series. ``changes``: the plan changes to
    mark (default PlanView.changes_between, the list the visit report's table shows)."""
    shown = page.between(start, end)
    dose = []
    night = start
    while night <= end:
        dose.append((night, page.plan.dose_on(night)))
        night += timedelta(days=1)
    taken = [(r.night, r.dose_mg if r.status == "taken" else None) for r in shown]
    series = [
        Series("dose", gettext("Prescribed dose (mg)"), dose, axis="dose", stepped=True),
        Series("taken", gettext("Dose taken (mg)"), taken, axis="dose"),
    ]
    for key, scale in (
        ("pain", scale_defs.PAIN),
        ("fatigue", scale_defs.FATIGUE),
        ("mood", scale_defs.MOOD),
        ("sleep", scale_defs.SLEEP),
        ("dreams", scale_defs.DREAMS),
    ):
        label = gettext(scale.label)
        series.append(Series(key, label, [(r.night, r.scores.get(scale.key)) for r in shown]))
    for scale in page.scales:
        key = scale_key(scale.pk)
        series.append(Series(key, scale.name, [(r.night, r.scores.get(key)) for r in shown]))
    dosing_time = page.position.dosing_time
    skipped = skipped_label(dosing_time)
    markers = [Marker(r.night, "skipped", skipped) for r in shown if r.status == "skipped"]
    if changes is None:
        changes = page.plan.changes_between(start, end)
    for version in changes:
        kind = plan_marker_kind(page.plan, version)
        # As the report's table names it: a number alone is ambiguous once a patient has had
        # more than one prescription (each counts from 1).
        label = gettext("Plan version %(number)s: %(change)s") % {
            "number": version.number,
            "change": version.get_kind_display(),
        }
        if ends := hold_ending(page.plan, version):
            label = f"{label} — {ends}"
        markers.append(Marker(version.effective_night, kind, label))
    top = max((s.dose_mg for v in page.plan.versions for s in v.steps), default=Decimal("5"))
    measures = [s for s in series if s.axis != "dose"]
    title = title or gettext("Dose and symptoms, %(start)s to %(end)s") % {
        "start": local_date(start, "date"),
        "end": local_date(end, "date"),
    }
    svg = trend_chart(
        [s for s in series if s.axis == "dose"] if multiples else series,
        start,
        end,
        markers=markers,
        title=title,
        dose_max=max(Decimal("5"), top),
        dosing_time=dosing_time,
        **({"height": 200, "width": DOSE_CHART_WIDTH} if multiples else {}),
    )
    if multiples:
        panels = "".join(
            p.svg
            for p in small_multiples(measures, start, end, dose=series[0], dosing_time=dosing_time)
        )
        # The dose chart keeps a width its 11 px labels can be read at (on a phone they were
        # 5 px): narrower, it scrolls sideways in its own box, which a keyboard can focus.
        svg = format_html(
            '<div class="chart-scroll" tabindex="0" role="region" aria-label="{}">{}</div>'
            '<div class="multiples">{}</div>',
            title,
            svg,
            mark_safe(panels),  # noqa: S308 - panels escape every value
        )
    return svg, series


def plan_marker_kind(plan: PlanView, version) -> str:
    """How the trend chart marks ``version`` (a signed PlanVersion): "hold" when the hold that
    begins on its first night is its own (PlanView.hold_begun_on), "end" when it ends the
    prescription (an ending is signed as a hold: it was marked as one, and the legend read
    "Plan on hold" under an ended prescription, found by QA), else "plan_change". Asked of
    the plan, not read from the version's hold fields: a change signed before a hold it
    carries was marked a hold when the two began on one night, and the hold's own marker
    was lost."""
    night = version.effective_night
    begun = plan.hold_begun_on(night)
    if begun is not None:
        return "hold" if begun.pk == version.pk else "plan_change"
    ending = plan.row_in_effect(night)
    if (
        ending is not None
        and ending.pk == version.pk
        and plan.status_on(night) == titration.ENDED
        and plan.status_on(night - timedelta(days=1)) != titration.ENDED
    ):
        return "end"
    return "plan_change"


def hold_ending(plan: PlanView, version) -> str:
    """How the hold that ``version`` (a signed PlanVersion) begins ends, as the plan says
    now (PlanView.held_until and the dose on the night after it): a hold with a restart
    signed, or a dated one, had the same marker as an open-ended hold ("Put on hold"), so the
    chart did not show that the plan restarts, nor when nor at what dose. The chart's hold
    marker and the visit report's plan-changes row both say it from here. "" when the version
    begins no hold or the plan is not on hold then (an ending is signed as a hold too: it is
    marked as one, and says it ended). A hold that the prescription's ending cut (an
    open-ended one, or one dated past the ending) says so, with the ending's night as the
    plan panel names it: it read "until 2 Dec 2026" as if the hold had simply run out."""
    night = version.effective_night
    begun = plan.hold_begun_on(night)
    if begun is None or begun.pk != version.pk:
        return ""
    last = plan.held_until(night)
    if last is None:
        return gettext("until resumed")
    after = last + timedelta(days=1)
    if plan.status_on(after) == titration.ENDED:
        return gettext("until the prescription ended on %(ended)s") % {
            "ended": local_date(after, "date")
        }
    dose = plan.dose_on(after)
    if dose is None:
        return gettext("until %(until)s") % {"until": local_date(last, "date")}
    return gettext("until %(until)s, restart at %(dose)s mg") % {
        "until": local_date(last, "date"),
        "dose": amount(dose),
    }


def dose_levels(page: PatientPage) -> dose_response.DoseResponse:
    """Symptoms by the dose taken, over the patient's whole journal (not only the nights the
    page reads): from the groups the database makes of them, in one query (dose_levels)."""
    return dose_level_groups.by_dose_level(page.patient.pk, dosing_time=page.position.dosing_time)


def dose_level_rows_html(dr: dose_response.DoseResponse, dosing_time: str = EVENING) -> str:
    """The rows of the by-dose-level table as HTML: what the template loop wrote (each level
    a dozen cells of translated, localized values), a level at a time. ``dosing_time``: the
    page's (PatientPage.position); a morning doser's vivid dreams are "of N days"."""
    first_label, last_label = day_labels("day_month"), day_labels("date")
    baseline = _escaped(gettext("baseline"))
    # {% translate %} doubles a literal's percent signs for the catalog, then restores them.
    title = _escaped(gettext("At least 30 %% better than the baseline")).replace("%%", "%")
    improved = f' <span class="improved-mark" title="{title}">★</span>'
    # A no-break space: the sign stays with its figure (it wrapped alone at 390 px). Put in
    # after translating: xgettext does not read "\u00a0" in a msgid, so `make makemessages`
    # dropped the catalogs' entries and these showed in English.
    better, worse = (
        gettext(text).replace(" %%", "\u00a0%%")
        for text in ("%(change)s %% better", "%(change)s %% worse")
    )
    no_change = _escaped(gettext("no change"))
    out = []
    for level in dr.levels:
        cells = []
        for summary in level.scales:
            spread = summary.spread
            if not spread:
                cells.append(
                    '\n          <td class="num"><span class="muted">—</span></td>\n          '
                )
                continue
            change = ""
            percent = summary.change_percent
            if percent is not None:
                if percent > 0:
                    said = better % {"change": _escaped(localize(percent))}
                elif percent < 0:
                    # As the template's stringformat:"d"|slice:"1:" wrote it.
                    said = worse % {"change": _escaped(("%d" % percent)[1:])}  # noqa: UP031
                else:
                    said = no_change
                change = f'<div class="small">{said}</div>'
            cells.append(
                f'\n          <td class="num"><strong>{_escaped(localize(spread.median))}</strong>'
                f"{improved if summary.improved else ''}\n"
                f'            <div class="small muted">{_escaped(localize(spread.q1))}–'
                f"{_escaped(localize(spread.q3))}</div>\n"
                f"            {change}\n            </td>\n          "
            )
        if level.vivid_percent is not None:
            nights = (
                ngettext("of %(days)s day", "of %(days)s days", level.dream_nights)
                if dosing_time == MORNING
                else ngettext("of %(nights)s night", "of %(nights)s nights", level.dream_nights)
            )
            counts = {"nights": level.dream_nights, "days": level.dream_nights}
            vivid = (
                f"{_escaped(localize(level.vivid_percent))}&nbsp;%"
                f'<div class="small muted">{nights % counts}</div>'
            )
        else:
            vivid = '<span class="muted">—</span>'
        caution = (
            f'<div class="small caution">{_escaped(capfirst(translate(level.caution)))}</div>'
            if level.caution
            else ""
        )
        row_class, badge = "", ""
        if level.is_baseline:
            row_class = ' class="baseline-row"'
            badge = f' <span class="badge badge-info">{baseline}</span>'
        out.append(
            f"\n        <tr{row_class}>\n"
            f'          <th scope="row">{_escaped(localize(translate(level.label)))}{badge}\n'
            f'            <div class="small muted">{_escaped(first_label(level.first_night))} – '
            f"{_escaped(last_label(level.last_night))}</div>\n"
            f"            {caution}</th>\n"
            f'          <td class="num">{level.nights}</td>\n          '
            + "".join(cells)
            + f'\n          <td class="num">{vivid}</td>\n        </tr>\n      '
        )
    # Safe: every value went through _escaped(); the rest is our own markup.
    return mark_safe("".join(out))  # noqa: S308


def month_start(value: date) -> date:
    return value.replace(day=1)


def previous_month(first: date) -> date:
    return month_start(first - timedelta(days=1))


def next_month(first: date) -> date:
    return month_start(first + timedelta(days=32))


def calendar_range(first_of_month: date) -> tuple[date, date]:
    """The first and last night of the weeks (Monday first) covering one calendar month."""
    first = first_of_month - timedelta(days=first_of_month.weekday())
    end_of_month = next_month(first_of_month) - timedelta(days=1)
    return first, end_of_month + timedelta(days=6 - end_of_month.weekday())


def calendar_month(page: PatientPage, first_of_month: date):
    """The weeks (Monday first) covering one calendar month; days outside it are marked."""
    weeks = _calendar(page, *calendar_range(first_of_month))
    for week in weeks:
        for day in week:
            day["outside"] = day["night"].month != first_of_month.month
    return weeks


# The page's night, still open, in the patient's own word for it (nights.relative_night):
# before noon an evening doser's open night is last night, a morning doser's is today.
_OPEN_NIGHT = {
    TONIGHT: gettext_lazy("Tonight, not logged yet"),
    LAST_NIGHT: gettext_lazy("Last night, not logged yet"),
    TODAY: gettext_lazy("Today, not logged yet"),
    YESTERDAY: gettext_lazy("Yesterday, not logged yet"),
    None: gettext_lazy("Tonight, not logged yet"),
}


def _relative_today(page: PatientPage) -> str | None:
    """nights.relative_night of the page's night on the patient's calendar day."""
    local_today = timezone.localtime(page.now or timezone.now(), page.patient.tz).date()
    return relative_night(page.today, local_today, page.plan.dosing_time_on(page.today))


def _calendar(page: PatientPage, first: date, last: date):
    """Each night's cell: its mark is adherence_rules.night_mark of the records the page's
    adherence counts (adherence_rules.night_records), as the patient's own calendar."""
    records = adherence_rules.night_records(
        page.plan, logged_by_night(page.between(first, last)), first, last
    )
    tonight = page.today
    # Seven marks, each worded once per calendar rather than once per day.
    states = {
        adherence_rules.FUTURE: ("future", "", gettext("Not yet")),
        adherence_rules.TAKEN: ("taken", "✓", gettext("Taken")),
        adherence_rules.SKIPPED: ("skipped", "✕", gettext("Skipped")),
        adherence_rules.HELD: ("future", "‖", gettext("On hold")),
        adherence_rules.NO_DOSE: ("future", "", gettext("No dose prescribed")),
        adherence_rules.OPEN: ("missing", "…", str(_OPEN_NIGHT[_relative_today(page)])),
        adherence_rules.MISSING: ("missing", "?", gettext("Not logged")),
    }
    if page.closed:
        # The record ends on the closure night (page.today): that night is no "tonight" to
        # log any more, and the nights after it are nobody's to come.
        states[adherence_rules.OPEN] = ("missing", "…", gettext("Not logged"))
        states[adherence_rules.FUTURE] = ("future", "", gettext("Closed account"))
    held_words = gettext("plan on hold")  # the patient's calendar's words for it
    rows, week = [], []
    for night, record in records.items():
        mark = adherence_rules.night_mark(record, tonight)
        state = states[mark]
        if record.held and mark in (adherence_rules.TAKEN, adherence_rules.SKIPPED):
            # Logged on a held night: both, as the patient's own calendar marks it.
            css, symbol, text = state
            state = (css, symbol + states[adherence_rules.HELD][1], f"{text}, {held_words}")
        week.append({"night": night, "css": state[0], "symbol": state[1], "text": state[2]})
        if len(week) == 7:
            rows.append(week)
            week = []
    return rows


def calendar_html(weeks, today: date) -> str:
    """The adherence calendar's rows as HTML (what the template loop wrote: 42 cells with two
    dates each were a tenth of the patient page's template time)."""
    label = day_labels("day_month")
    out = []
    for week in weeks:
        out.append("<tr>")
        for day in week:
            night = day["night"]
            css = _escaped(day["css"])
            if night == today:
                css += " night-today"
            if day.get("outside"):
                css += " night-outside"
            out.append(
                f'<td class="night-{css}"><span class="day">{night.day}</span>'
                f'<span class="status" aria-hidden="true">{_escaped(day["symbol"])}</span>'
                f'<span class="status-text">{_escaped(label(night))}: '
                f"{_escaped(day['text'])}</span>"
                "</td>"
            )
        out.append("</tr>")
    # Safe: every value went through _escaped(); the rest is our own markup.
    return mark_safe("".join(out))  # noqa: S308


def plan_panel_context(page: PatientPage):
    """The titration panel, built by the one panel builder from the page's loaded plan and
    entries and the gate's dismissals (no query); this page records its own read in the
    access log."""
    state = panel.plan_state(page.patient, page.now, view=page.plan, tonight=page.today)
    return {
        # Under the pause, only suggestions answering a side effect (suggestions_for).
        **panel.panel_context(
            page.patient,
            state,
            nights=page.nights,
            paused=page.pause is not None,
            dismissals=gate_dismissals(page.patient),
        ),
        # Beside tonight's dose, as in the page's header (from the gate's columns).
        "pause": page.pause,
        "pause_report_id": page.pause_report_id,
    }


def tonight_heading(page: PatientPage) -> str:
    """The plan panel's heading for the page's night ("Last night (1 Dec)", "Today (2 Dec)"),
    from the panel's own plan_state: the visit report's plan line says the same."""
    return panel.plan_state(page.patient, page.now, view=page.plan, tonight=page.today)[
        "tonight_heading"
    ]


# --- The entries table ------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryRow:
    """One row of the patient page's entries table, as plain values."""

    pk: int
    night: date
    status: str
    dose_mg: Decimal | None
    prescribed_mg: Decimal | None
    skip_reason: str
    taken_at: datetime | None
    time_zone: str
    logged_offline: bool
    pain: int | None
    fatigue: int | None
    mood: int | None
    sleep_quality: int | None
    dreams: str
    notes: str
    side_effects: tuple = ()  # "Insomnia (Mild)", as the entry's own page names them
    # The plan was on hold that night (PlanView.status_on, as the calendar and night page).
    held: bool = False

    @property
    def deviates(self):
        """The dose taken differs from the dose prescribed (NightlyEntry.deviates)."""
        return (
            self.status == NightlyEntry.Status.TAKEN
            and self.prescribed_mg is not None
            and self.dose_mg != self.prescribed_mg
        )

    # As get_FOO_display: a stored value outside the choices shows as itself, never a 500.
    @property
    def skip_reason_label(self):
        return dict(NightlyEntry.SkipReason.choices).get(self.skip_reason, self.skip_reason)

    @property
    def dreams_label(self):
        return dict(NightlyEntry.Dreams.choices).get(self.dreams, self.dreams)


# The columns read from the database: every field but those entry_rows adds.
_ENTRY_ROW_FIELDS = tuple(
    name for name in EntryRow.__dataclass_fields__ if name not in ("side_effects", "held")
)


class _CountedPaginator(Paginator):
    """A paginator told its count (the page already knows how many nights there are), so
    paging costs one LIMIT/OFFSET query and no COUNT."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self):
        return self._known_count


def side_effect_label(effect: flag_rules.SideEffectRecord) -> str:
    """As str(SideEffect): "Insomnia (Mild)"."""
    kind = dict(SideEffect.Kind.choices).get(effect.kind, effect.kind)
    return f"{kind} ({dict(SideEffect.Severity.choices).get(effect.severity, effect.severity)})"


# The entries table's rows of one patient, newest first: compiled once per process, each page
# read with its LIMIT and OFFSET (CompiledQuery.values_slice).
_ENTRY_ROWS = CompiledQuery(
    lambda patient_id: (
        NightlyEntry.objects.logged()
        .filter(patient_id=patient_id)
        .order_by("-night")
        .values_list(*_ENTRY_ROW_FIELDS)
    ),
    -7_000_201,
)


class _EntryRowsOf:
    """The entries table's rows as the paginator slices them: one query per page."""

    def __init__(self, patient_id):
        self.patient_id = patient_id

    def __getitem__(self, wanted: slice):
        return _ENTRY_ROWS.values_slice(self.patient_id, start=wanted.start, stop=wanted.stop)


def entry_rows(page: PatientPage, number, per_page):
    """A page of the entries table, newest first, paged in SQL (one query); the side effects
    come from the page's records of those nights (read with the rest of the page's for the
    newest entries; an older page of the table reads its own)."""
    rows = _EntryRowsOf(page.patient.pk)
    shown = _CountedPaginator(rows, per_page, page.summary.count).get_page(number)
    nights = [row[1] for row in shown.object_list]
    effects = {
        r.night: r.side_effects
        for r in (page.between(min(nights), max(nights)) if nights else ())
        if r.side_effects
    }
    shown.object_list = [
        EntryRow(
            *row,
            side_effects=tuple(side_effect_label(e) for e in effects.get(row[1], ())),
            held=page.plan.status_on(row[1]) == titration.ON_HOLD,
        )
        for row in shown.object_list
    ]
    return shown


def _escaped(value) -> str:
    """Django's escape() without its lazy-string wrapper (a lazy label is read once, here)."""
    return html.escape(str(value))


def entry_rows_html(rows, patient_pk) -> str:
    """The entries table's rows as HTML: what the template loop wrote, a row at a time.

    Written here rather than as a template loop (as charts.table_body): thirty rows of eleven
    cells cost the template engine a fifth of the patient page. Call it with the patient's
    zone active: a dose logged in another zone is labelled with that zone (logged_time).
    """
    night_url = reverse("clinic:night", args=[patient_pk, "0000-00-00"])
    history_url = reverse("clinic:entry_history", args=[patient_pk, 999999999]).split("999999999")
    night_label = day_labels("day_date")
    skipped, offline, history = gettext("Skipped"), gettext("logged offline"), gettext("History")
    plan_dose = gettext("plan %(dose)s")
    # The calendar's words for a night logged while the plan was on hold.
    held = f' <span class="badge badge-moderate">{_escaped(gettext("plan on hold"))}</span>'

    # The labels as EntryRow gives them (a stored value outside the choices shows as itself),
    # translated once per table rather than once per row.
    reasons = {value: _escaped(label) for value, label in NightlyEntry.SkipReason.choices}
    dreams = {value: _escaped(label) for value, label in NightlyEntry.Dreams.choices}
    out = []
    for e in rows:
        if e.status == NightlyEntry.Status.TAKEN:
            dose = f"{_escaped(localize(e.dose_mg.normalize()))} mg"
            if e.deviates:
                planned = plan_dose % {"dose": _escaped(localize(e.prescribed_mg.normalize()))}
                dose += f' <span class="badge badge-moderate">{planned}</span>'
        elif e.status == NightlyEntry.Status.SKIPPED:
            dose = _escaped(skipped)
            if e.skip_reason:
                dose += f" ({reasons.get(e.skip_reason) or _escaped(e.skip_reason)})"
        else:
            dose = '<span class="muted">—</span>'
        if e.held:
            dose += held
        taken = _escaped(logged_time(e, "taken_at"))
        if e.logged_offline:
            taken += f' <span class="badge badge-info">{_escaped(offline)}</span>'
        # Scores are whole numbers 0–10: localize() writes them as str() does.
        scores = "".join(
            f'<td class="num">{"" if value is None else value}</td>'
            for value in (e.pain, e.fatigue, e.mood, e.sleep_quality)
        )
        night_link = _escaped(night_url.replace("0000-00-00", e.night.isoformat()))
        dreamt = (dreams.get(e.dreams) or _escaped(e.dreams)) if e.dreams else ""
        notes = _escaped(Truncator(e.notes).chars(80)) if e.notes else ""
        out.append(
            "\n        <tr>\n"
            f'          <th scope="row"><a href="{night_link}">'
            f"{_escaped(night_label(e.night))}</a></th>\n"
            f"          <td>{dose}</td>\n"
            f"          <td>{taken}</td>\n"
            f"          {scores}\n"
            f"          <td>{dreamt}</td>\n"
            f"          <td>{', '.join(_escaped(label) for label in e.side_effects)}</td>\n"
            f'          <td class="small">{notes}</td>\n'
            f'          <td><a href="{_escaped(str(e.pk).join(history_url))}">'
            f"{_escaped(history)}</a></td>\n"
            "        </tr>\n      "
        )
    # Safe: every value went through _escaped(); the rest is our own markup.
    return mark_safe("".join(out))  # noqa: S308
