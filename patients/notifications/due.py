"""Who is due a reminder at a moment: THE selection used by the sweep and by
`send_reminders --dry-run` (one query-building function, so the two never drift).

Due patients are read with one indexed query, a batch at a time, as plain values; the pure
schedule (patients.rules.schedule) decides what is due for each.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q

from patients.models import (
    NightlyEntry,
    Patient,
    ReminderDelivery,
    known_time_zones,
)
from patients.notifications.claims import id_set
from patients.notifications.reach import push_reachable
from patients.pause import NO_REPORTS, urgent_states
from patients.rules.schedule import (
    RECHECK_AT_LEAST_EVERY,
    UNKNOWN_ZONE,
    NightState,
    PatientReminders,
    Prefs,
    Slot,
    next_reminder,
    nights_around,
    no_reminder_reason,
    plan_patient,
    reminder_channels,
)
from prescriptions.plans import NO_PLAN, PlanView, load_many

# Patients per batch (one transaction each). Measured on the 2-core bench machine: 2,000
# sends a quarter of the statements and commits of 500, for the same memory per batch.
BATCH_SIZE = 2000

log = logging.getLogger(__name__)


def morning_last_call_after() -> timedelta | None:
    minutes = settings.LDN_MORNING_LAST_CALL_MINUTES
    return timedelta(minutes=minutes) if minutes else None


def morning_window_end() -> time:
    """The end of a morning dose's window (the setting the journal's "Taken now" reads):
    the morning dose reminders are useful until then (schedule.Prefs)."""
    return settings.LDN_MORNING_DOSING_WINDOW_END


def night_state(
    plan: PlanView,
    night: date,
    evening_logged: bool = False,
    morning_logged: bool = False,
    paused: bool = False,
) -> NightState:
    """What the plan says on ``night`` (titration's answer, through the PlanView), what the
    patient logged, and whether an open urgent report pauses them (patients.rules.pause):
    the only input the reminder rules read about a plan."""
    position = plan.on(night)
    return NightState(
        night=night,
        plan_status=position.status,
        dosing_time=position.dosing_time,
        dose_mg=position.dose_mg,
        evening_logged=evening_logged,
        morning_logged=morning_logged,
        paused=paused,
    )


def due_patients(now: datetime):
    """THE query for "who may be due at `now`": one range scan on the indexed
    next_reminder_at (null = never looked at yet), active accounts only."""
    return Patient.objects.filter(
        Q(next_reminder_at__lte=now) | Q(next_reminder_at__isnull=True),
        user__is_active=True,
    )


def load_entries(patient_ids: Sequence[int], first: date, last: date) -> dict[tuple, tuple]:
    rows = NightlyEntry.objects.filter(
        patient_id__in=id_set(patient_ids), night__gte=first, night__lte=last
    ).values_list("patient_id", "night", "status", "morning_logged_at")
    return {(pid, night): (bool(status), logged is not None) for pid, night, status, logged in rows}


_PREF_COLUMNS = (
    "time_zone",
    "reminder_time",
    "last_call",
    "last_call_time",
    "morning_checkin",
    "morning_time",
    "quiet_start",
    "quiet_end",
    "remind_by_email",
    "remind_by_push",
)
_ROW_COLUMNS = ("id", "user_id", "user__email", "next_reminder_at", *_PREF_COLUMNS)


class DuePatient(NamedTuple):
    """The columns the sweep reads for one patient (no model instance: at 100k a minute,
    building Patient objects costs more than the reminders)."""

    pk: int
    user_id: int
    email: str
    next_reminder_at: datetime | None
    time_zone: str
    prefs: tuple

    @classmethod
    def of(cls, row: tuple) -> DuePatient:
        return cls(row[0], row[1], row[2], row[3], row[4], row[4:])  # prefs: _PREF_COLUMNS


@lru_cache(maxsize=4096)
def _prefs(
    columns: tuple, has_push_device: bool, last_call_after: timedelta | None, window_end: time
) -> Prefs:
    (tz, reminder, last_call, last_call_time, checkin, morning, q_start, q_end, email, push) = (
        columns
    )
    channels = reminder_channels(email, push, has_push_device)
    return Prefs(
        tz=tz,
        reminder_time=reminder,
        last_call=last_call,
        last_call_time=last_call_time,
        morning_checkin=checkin,
        morning_time=morning,
        quiet_start=q_start,
        quiet_end=q_end,
        channels=tuple(channels),
        morning_last_call_after=last_call_after,
        morning_window_end=window_end,
    )


def prefs_of(patient: Patient, has_push_device: bool) -> Prefs:
    """A patient's reminder settings as the schedule reads them (the sweep's, from its
    columns), in the zone their pages use (Patient.zone_name)."""
    columns = (patient.zone_name, *(getattr(patient, c) for c in _PREF_COLUMNS[1:]))
    return _prefs(columns, has_push_device, morning_last_call_after(), morning_window_end())


def _night_states(
    plan: PlanView,
    patient_id: int,
    tz: str,
    entries: dict[tuple, tuple],
    paused: bool,
    now: datetime,
    memo: dict[tuple, NightState],
) -> dict[date, NightState]:
    """The NightState of each night the reminder rules look at (`nights_around(now)`)."""
    states = {}
    for night in nights_around(now, tz):
        evening, morning = entries.get((patient_id, night), (False, False))
        key = (id(plan), night, evening, morning, paused)
        state = memo.get(key)
        if state is None:
            state = memo[key] = night_state(plan, night, evening, morning, paused)
        states[night] = state
    return states


def _outlook(patient: Patient, plan: PlanView, now: datetime):
    """The settings and night states the sweep reads for ``patient`` on the nights it looks
    at, or None for a zone this server does not know (the sweep skips them)."""
    if not patient.time_zone_known:
        return None
    first, last = (now - timedelta(days=2)).date(), (now + timedelta(days=2)).date()
    has_device = bool(patient.remind_by_push) and (
        patient.user_id in push_reachable([patient.user_id])
    )
    prefs = prefs_of(patient, has_device)
    paused = urgent_states([patient.pk]).get(patient.pk, NO_REPORTS).paused(now)
    entries = load_entries([patient.pk], first, last)
    states = _night_states(plan, patient.pk, patient.time_zone, entries, paused, now, {})
    return prefs, tuple(sorted(states.items()))


def reminder_outlook(patient: Patient, plan: PlanView, now: datetime) -> tuple[Slot | None, str]:
    """The next reminder the sweep will send ``patient`` after ``now``, read from the same
    settings, plan, entries and pause as the sweep and judged by the same rule
    (schedule.next_reminder); with none, why (schedule.no_reminder_reason; UNKNOWN_ZONE
    for a zone this server does not know, which the sweep skips). The settings page's
    "Next reminder" line: one read of the four for both."""
    outlook = _outlook(patient, plan, now)
    if outlook is None:
        return None, UNKNOWN_ZONE
    slot = next_reminder(*outlook, now)
    return slot, "" if slot is not None else no_reminder_reason(*outlook)


def next_reminder_for(patient: Patient, plan: PlanView, now: datetime) -> Slot | None:
    """The next reminder alone (reminder_outlook)."""
    return reminder_outlook(patient, plan, now)[0]


def _claimed_keys(patients: Sequence[DuePatient], first: date) -> set[str]:
    """Keys already claimed for these patients' recent nights. Read through the (recipient,
    claimed_at) index: a claim for a night is never made before the day before it, and a
    year of deliveries per patient is never scanned. A key missed here is still refused by
    the unique index when claimed again."""
    since = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    return set(
        ReminderDelivery.objects.filter(
            recipient_id__in=id_set(p.user_id for p in patients),
            claimed_at__gte=since,
            patient_id__isnull=False,
            night__gte=first,
        ).values_list("key", flat=True)
    )


def _plan_batch(
    patients: Sequence[DuePatient], now: datetime
) -> list[tuple[DuePatient, PatientReminders]]:
    ids = [p.pk for p in patients]
    first, last = (now - timedelta(days=2)).date(), (now + timedelta(days=2)).date()
    plans = load_many(id_set(ids))
    entries = load_entries(ids, first, last)
    # Push only where it can arrive (reach.push_reachable): none without a VAPID key, so no
    # push delivery is claimed that could only fail.
    with_push = push_reachable(p.user_id for p in patients if p.prefs[-1])
    claimed = _claimed_keys(patients, first)
    # The urgent pause, read through its one loader and judged by its one rule.
    urgent = urgent_states(id_set(ids))
    last_call_after = morning_last_call_after()
    window_end = morning_window_end()
    out = []
    # Patients with identical plans share one PlanView (load_many), so most night states
    # are a dict lookup here: a frozen dataclass costs too much to make 300k times a sweep.
    memo: dict[tuple, NightState] = {}
    known_zones = known_time_zones()
    for patient in patients:
        if patient.time_zone not in known_zones:
            # A zone this server's tz database does not know (renamed, or stored before the
            # check) has no nights to compute: skip this one patient, not the whole batch,
            # and look again after the usual interval (saving a zone marks them sooner).
            # By id only: no patient data in the logs.
            log.warning("reminder sweep: patient %s has an unknown time zone; skipped", patient.pk)
            out.append((patient, PatientReminders(next_at=now + RECHECK_AT_LEAST_EVERY)))
            continue
        plan = plans.get(patient.pk, NO_PLAN)
        paused = urgent.get(patient.pk, NO_REPORTS).paused(now)
        states = _night_states(plan, patient.pk, patient.time_zone, entries, paused, now, memo)
        out.append(
            (
                patient,
                plan_patient(
                    patient_id=patient.pk,
                    recipient_id=patient.user_id,
                    email=patient.email,
                    prefs=_prefs(
                        patient.prefs, patient.user_id in with_push, last_call_after, window_end
                    ),
                    states=states,
                    claimed=claimed,
                    now=now,
                    checked_since=patient.next_reminder_at,
                ),
            )
        )
    return out


def due_reminders(
    now: datetime,
    *,
    batch_size: int = BATCH_SIZE,
    first_id: int = 1,
    last_id: int | None = None,
) -> Iterator[list[tuple[DuePatient, PatientReminders]]]:
    """The due patients at `now`, a batch at a time, each with what is due for them.

    Used by the sweep and by `send_reminders --dry-run`: one selection, no drift. Each batch
    is one indexed query (keyset-paginated on the primary key), so a sweep never holds a
    list of every due id and a batch costs the same however far into the sweep it is.
    `first_id`/`last_id` limit it to one part of a fanned-out sweep (inclusive)."""
    selection = due_patients(now).order_by("pk").values_list(*_ROW_COLUMNS)
    if last_id is not None:
        selection = selection.filter(pk__lte=last_id)
    after = first_id - 1
    while True:
        rows = list(selection.filter(pk__gt=after)[:batch_size])
        if not rows:
            return
        after = rows[-1][0]
        yield _plan_batch([DuePatient.of(row) for row in rows], now)
        if len(rows) < batch_size:
            return
