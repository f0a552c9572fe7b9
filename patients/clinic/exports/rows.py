"""A patient's nights for the exports, as plain values read a chunk at a time, and for the
CSV every night the plan asked something of (a dose, a hold) or with urgent reaction reports,
each with the reports of its night.

No model instances and no per-row prefetch querysets: each chunk of CHUNK nights is three
queries (the nights, their side effects, their extra scores), so a ten-year export holds
one chunk in memory, not ten years of objects.

The moments (taken_at, bedtime, when each part was saved) are read as UTC text and parsed
with ``datetime.fromisoformat``: Django's timestamptz loader for psycopg is pure Python, about
4 µs a value, most of the nights query's time for a year (about 1,400 moments: 7.3 ms of
query and rows, 2.6 ms so). The values are the same (aware datetimes in UTC).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Func, TextField

from patients.models import NightlyEntry, SideEffect, SymptomScore, UrgentReport
from patients.urgent.reports import report_night, report_zone, reports_between
from prescriptions import titration

CHUNK = 500
FIELDS = (
    "pk",
    "night",
    "status",
    "dose_mg",
    "prescribed_mg",
    "taken_at",
    "bedtime",
    "skip_reason",
    "skip_reason_text",
    "sleep_quality",
    "dreams",
    "dream_intensity",
    "pain",
    "fatigue",
    "mood",
    "notes",
    "evening_logged_at",
    "morning_logged_at",
    "time_zone",
    "logged_offline",
)
MOMENTS = ("taken_at", "bedtime", "evening_logged_at", "morning_logged_at")


class UtcText(Func):
    """A moment as ISO 8601 text in UTC (microseconds included, offset +00:00), whatever the
    session's DateStyle and TimeZone; SQLite keeps moments as UTC text already."""

    output_field = TextField()
    template = "%(expressions)s || '+00:00'"
    POSTGRESQL = (
        "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00'"
    )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.POSTGRESQL, **extra_context)


# What each chunk reads: the moments as text, the rest as they are.
_COLUMNS = tuple(UtcText(name) if name in MOMENTS else name for name in FIELDS)
_MOMENT_AT = tuple(index for index, name in enumerate(FIELDS) if name in MOMENTS)


@dataclass(frozen=True)
class Effect:
    kind: str
    severity: int
    other_text: str

    @property
    def severity_label(self) -> str:
        return SideEffect.Severity(self.severity).label


@dataclass(frozen=True)
class Score:
    scale_id: int
    scale_name: str
    value: int


@dataclass(frozen=True)
class Report:
    """An urgent reaction report as the CSV writes it: its times, and the zone it is read in
    (urgent.reports.report_zone, as the night page shows its times)."""

    reported_at: datetime
    time_zone: str
    severity: str
    symptoms: tuple[str, ...]
    text: str
    acknowledged_at: datetime | None
    decision: str

    @classmethod
    def of(cls, report: UrgentReport, tz) -> Report:
        return cls(
            reported_at=report.created_at,
            time_zone=report_zone(report, tz).key,
            severity=report.severity,
            symptoms=tuple(report.symptoms),
            text=report.text,
            acknowledged_at=report.acknowledged_at,
            decision=report.ack_decision,
        )


@dataclass
class Night:
    pk: int | None  # None: nothing logged (Night.unlogged)
    night: date
    status: str
    dose_mg: Decimal | None
    prescribed_mg: Decimal | None
    taken_at: datetime | None
    bedtime: datetime | None
    skip_reason: str
    skip_reason_text: str
    sleep_quality: int | None
    dreams: str
    dream_intensity: int | None
    pain: int | None
    fatigue: int | None
    mood: int | None
    notes: str
    evening_logged_at: datetime | None
    morning_logged_at: datetime | None
    time_zone: str  # the zone the night was logged in ("" for nights logged before it was kept)
    logged_offline: bool | None  # None: nothing logged
    side_effects: list[Effect] = field(default_factory=list)
    extra_scores: list[Score] = field(default_factory=list)
    urgent_reports: list[Report] = field(default_factory=list)  # nights_with_reports only
    # The plan's state that night (PlanView.status_on: titration's active, on_hold, ended,
    # not_started or no_plan), as every page reads it; nights_with_reports only.
    plan_status: str = ""

    @classmethod
    def unlogged(cls, night: date, reports: list[Report] = ()) -> Night:
        """A night with nothing logged: one the plan prescribed a dose on or held (a missed
        night, a held one), or one with urgent reports made on it. Its logged columns stay
        blank (prescribed_mg is set apart: the plan's dose on a night it was active); its
        plan_status says which."""
        return cls(
            pk=None,
            night=night,
            status="",
            dose_mg=None,
            prescribed_mg=None,
            taken_at=None,
            bedtime=None,
            skip_reason="",
            skip_reason_text="",
            sleep_quality=None,
            dreams="",
            dream_intensity=None,
            pain=None,
            fatigue=None,
            mood=None,
            notes="",
            evening_logged_at=None,
            morning_logged_at=None,
            time_zone="",
            logged_offline=None,
            urgent_reports=list(reports),
        )


def nights(patient, start: date, end: date) -> Iterator[Night]:
    """The patient's nights with something logged (an undone dose's row is none), from start
    to end, oldest first."""
    entries = NightlyEntry.objects.logged().filter(
        patient=patient, night__gte=start, night__lte=end
    )
    after = None
    while True:
        chunk = entries if after is None else entries.filter(night__gt=after)
        rows = [list(row) for row in chunk.order_by("night").values_list(*_COLUMNS)[:CHUNK]]
        if not rows:
            return
        for row in rows:
            for index in _MOMENT_AT:
                if row[index] is not None:
                    row[index] = datetime.fromisoformat(row[index])  # aware, in UTC
        # The chunk is every night from its first to its last (one entry per night): its
        # side effects and scores are those of that range, three parameters rather than an
        # id list that costs more to build and send than the rows it selects.
        span = {"entry__patient_id": patient.pk, "entry__night__range": (rows[0][1], rows[-1][1])}
        effects = defaultdict(list)
        for entry_id, *values in (
            SideEffect.objects.filter(**span)
            .order_by("kind")
            .values_list("entry_id", "kind", "severity", "other_text")
        ):
            effects[entry_id].append(Effect(*values))
        scores = defaultdict(list)
        for entry_id, *values in (
            SymptomScore.objects.filter(**span)
            .order_by("pk")
            .values_list("entry_id", "scale_id", "scale__name", "value")
        ):
            scores[entry_id].append(Score(*values))
        for row in rows:
            yield Night(*row, side_effects=effects[row[0]], extra_scores=scores[row[0]])
        if len(rows) < CHUNK:
            return
        after = rows[-1][1]


def nights_with_reports(patient, start: date, end: date, plan, tonight: date) -> Iterator[Night]:
    """Every night from start to end, oldest first, that the CSV has a row for: each night
    logged (nights()), each night the plan prescribed a dose on or held (PlanView.status_on:
    active or on_hold) up to ``tonight`` with nothing logged (Night.unlogged: a missed or a
    held night), and each night with urgent reports made on it, each with them: the reports
    of the range as the night page and the FHIR export select them
    (urgent.reports.reports_between, each on its night in the zone it was made in, under
    ``plan``, a plans.PlanView). Every row carries the plan's state that night.

    An eleven-night hold was missing from the file, as eleven missed nights would have been,
    and a range of tonight on hold with nothing logged was a header alone: a clinician reads
    the rows as the nights the plan asked something of. A night with nothing prescribed and
    nothing logged (before the plan, after it ended) is left out.

    The nights are walked one by one beside the logged ones (read a chunk at a time): the
    plan answers from memory, so no query more than nights() and one for the reports, when
    the first night is asked for; the reports are few, held for the range."""
    tz = patient.tz
    by_night = defaultdict(list)
    for report in reports_between(patient, start, end, plan):  # oldest first
        by_night[report_night(report, tz, plan)].append(Report.of(report, tz))
    logged = nights(patient, start, end)
    upcoming = next(logged, None)
    night = start
    while night <= end:
        if upcoming is not None and upcoming.night == night:
            upcoming.urgent_reports = by_night.get(night, [])
            yield _with_plan(upcoming, plan)
            upcoming = next(logged, None)
        else:
            status = plan.status_on(night)
            if night in by_night or (night <= tonight and status in _ASKED):
                row = Night.unlogged(night, by_night.get(night, ()))
                row.plan_status = status
                # The column is "the dose the plan prescribed that night": a missed night's
                # too (a logged night keeps what was prescribed when it was logged).
                if status == titration.ACTIVE:
                    row.prescribed_mg = plan.dose_on(night)
                yield row
        night += timedelta(days=1)


# The plan's states in which it asks something of a night: a dose (active) or none (on hold).
_ASKED = frozenset({titration.ACTIVE, titration.ON_HOLD})


def _with_plan(night: Night, plan) -> Night:
    night.plan_status = plan.status_on(night.night)
    return night
