"""The one loader of a patient's (or a batch's) urgent-report state: the moments of their
open reports (what patients.rules.pause judges) and the latest clinician's answer.

One query for one patient or a whole batch. Deliberately free of the notifications code, so
the reminder sweep can read it without an import cycle (patients.urgent.reports imports the
sweep's claim functions).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q

from ldn_journal.compiled_queries import CompiledQuery
from patients.models import UrgentReport
from patients.rules import pause as pause_rules

# How long the tonight card shows the clinician's answer after a report is acknowledged.
ANSWER_SHOWN_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    report_id: int
    at: datetime
    decision: str  # UrgentReport.Decision value ("" for answers older than the decision)
    note: str
    by: str


@dataclass(frozen=True)
class UrgentState:
    """A patient's open reports (moment and id, oldest first: UrgentReport.objects.oldest_first,
    as _rows reads them) and the latest answer."""

    open: tuple[tuple[datetime, int], ...] = ()
    answer: Answer | None = None
    # The zone each open report was made in (UrgentReport.time_zone), in the order of
    # ``open``: read with them, so the wait card dates the report as it was made.
    zones: tuple[str, ...] = ()

    @property
    def moments(self) -> tuple[datetime, ...]:
        return tuple(moment for moment, _pk in self.open)

    def pause(self, now: datetime) -> pause_rules.Pause | None:
        return pause_rules.pause_at(self.moments, now, self.zones)

    def paused(self, now: datetime) -> bool:
        return self.pause(now) is not None

    def latest_open_id(self, now: datetime) -> int | None:
        ids = [pk for moment, pk in self.open if moment <= now]
        return ids[-1] if ids else None

    def first_open_id(self, now: datetime) -> int | None:
        """The oldest open report made by `now` (UrgentReport.objects.oldest_first): the one
        the clinician's pause note links to, as the urgent flag does, and as the patient
        page's annotation (clinic.dashboard.urgent_annotations, urgent_first_id) reads it."""
        ids = [pk for moment, pk in self.open if moment <= now]
        return ids[0] if ids else None


NO_REPORTS = UrgentState()


def _rows(patient_ids, answers_since: datetime | None):
    wanted = Q(acknowledged_at__isnull=True)
    if answers_since is not None:
        wanted |= Q(acknowledged_at__gte=answers_since)
    return (
        UrgentReport.objects.filter(wanted, patient_id__in=patient_ids)
        .oldest_first()
        .values_list(
            "patient_id",
            "pk",
            "created_at",
            "acknowledged_at",
            "ack_decision",
            "ack_note",
            "acknowledged_by__display_name",
            "time_zone",
        )
    )


# One patient's rows (every patient page reads them): the same query, compiled once.
_ONE_PATIENT = CompiledQuery(
    lambda patient_id, since: _rows([patient_id], since),
    -7_000_001,
    datetime(1001, 1, 1, tzinfo=UTC),
)


def urgent_states(patient_ids, *, answers_since: datetime | None = None) -> dict[int, UrgentState]:
    """Per patient id: their UrgentState, in one query (patients without any: absent, read
    them as NO_REPORTS). `patient_ids` is anything an `__in` filter takes. Answers are read
    only when `answers_since` is given (the sweep needs just the open reports)."""
    return _states(_rows(patient_ids, answers_since))


def _states(rows) -> dict[int, UrgentState]:
    open_by: dict[int, list] = defaultdict(list)
    zones_by: dict[int, list] = defaultdict(list)
    answers: dict[int, Answer] = {}
    for patient_id, pk, created_at, acked_at, decision, note, by, zone in rows:
        if acked_at is None:
            open_by[patient_id].append((created_at, pk))
            zones_by[patient_id].append(zone)
        elif patient_id not in answers or acked_at > answers[patient_id].at:
            answers[patient_id] = Answer(pk, acked_at, decision, note, by or "")
    return {
        patient_id: UrgentState(
            open=tuple(open_by.get(patient_id, ())),
            answer=answers.get(patient_id),
            zones=tuple(zones_by.get(patient_id, ())),
        )
        for patient_id in set(open_by) | set(answers)
    }


def urgent_state(patient_id: int, now: datetime) -> UrgentState:
    """One patient's state at `now`, with an answer given in the last ANSWER_SHOWN_FOR."""
    rows = _ONE_PATIENT.values(patient_id, now - ANSWER_SHOWN_FOR)
    return _states(rows).get(patient_id, NO_REPORTS)
