"""Who is due a reminder now, and claiming each delivery exactly once.

The rules (which reminders a night has, when each is due and stops being useful, whether
it is still wanted) are pure functions of plain values. The database part selects due
patients with one indexed query (`due_patients`), turns them into due reminders in batches
(`due_reminders`), and the sweep claims each by inserting a row unique on its key, so two
sweeps, two beats or an operator's `send_reminders` never produce a second message.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from patients.models import (
    ClinicianPreferences,
    NightlyEntry,
    Patient,
    PushSubscription,
    ReminderDelivery,
)
from patients.rules.nights import (
    DOSING_WINDOW_END,
    EVENING,
    MORNING,
    as_zone,
    moment_on_night,
    night_of,
    night_window,
)
from prescriptions import titration

log = logging.getLogger(__name__)

Kind = ReminderDelivery.Kind
Channel = ReminderDelivery.Channel
Status = ReminderDelivery.Status

# An evening reminder stays useful until the end of the dosing window, and at least this long
# after it fired (a reminder set for 02:30 on a spring-forward night fires at 03:00).
MIN_USEFUL = timedelta(hours=1)
# Even with nothing scheduled, look at every patient this often: a missed signal (a bulk
# update, a hold that ends by date) can never silence reminders for longer than this.
RECHECK_AT_LEAST_EVERY = timedelta(hours=6)
# Patients per batch (one transaction each). Measured on the 2-core bench machine: 2,000
# sends a quarter of the statements and commits of 500, for the same memory per batch.
BATCH_SIZE = 2000


def requeue_after():
    """A pending delivery older than this is re-enqueued by the sweep (the queue lost it)."""
    return timedelta(seconds=settings.LDN_REMINDER_REQUEUE_SECONDS)


def stuck_after():
    """A delivery in `sending` this long is taken to be lost with its worker."""
    return timedelta(seconds=settings.LDN_REMINDER_STUCK_SECONDS)


# --- Pure rules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Prefs:
    """A patient's reminder settings as plain values."""

    tz: str
    reminder_time: time = time(21, 0)
    last_call: bool = True
    last_call_time: time = time(23, 30)
    morning_checkin: bool = True
    morning_time: time = time(9, 0)
    quiet_start: time | None = None
    quiet_end: time | None = None
    channels: tuple[str, ...] = (Channel.EMAIL,)
    # Morning dosing's last call comes this long after the dose reminder (None: none).
    morning_last_call_after: timedelta | None = timedelta(hours=2)

    @classmethod
    def of(cls, patient: Patient, has_push_device: bool) -> Prefs:
        channels = []
        if patient.remind_by_email:
            channels.append(Channel.EMAIL)
        if patient.remind_by_push and has_push_device:
            channels.append(Channel.PUSH)
        return cls(
            tz=patient.time_zone,
            reminder_time=patient.reminder_time,
            last_call=patient.last_call,
            last_call_time=patient.last_call_time,
            morning_checkin=patient.morning_checkin,
            morning_time=patient.morning_time,
            quiet_start=patient.quiet_start,
            quiet_end=patient.quiet_end,
            channels=tuple(channels),
            morning_last_call_after=morning_last_call_after(),
        )


def morning_last_call_after() -> timedelta | None:
    minutes = settings.LDN_MORNING_LAST_CALL_MINUTES
    return timedelta(minutes=minutes) if minutes else None


@dataclass(frozen=True)
class NightState:
    """What the plan says and what the patient logged for one night."""

    night: date
    plan_status: str = titration.ACTIVE
    dosing_time: str = EVENING
    dose_mg: Decimal | None = None
    evening_logged: bool = False
    morning_logged: bool = False


@dataclass(frozen=True)
class Slot:
    """One reminder a night may have: due at `due_at` (after quiet hours), useful until
    `expires_at`."""

    night: date
    kind: str
    due_at: datetime
    expires_at: datetime


def in_quiet_hours(local: time, start: time | None, end: time | None) -> bool:
    """Whether a wall time falls in [start, end), a range that may wrap midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(moment: datetime, prefs: Prefs) -> datetime:
    """`moment`, or the end of the patient's quiet hours if it falls inside them."""
    zone = as_zone(prefs.tz)
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), prefs.quiet_start, prefs.quiet_end):
        return moment
    day = local.date() if local.time().replace(tzinfo=None) < prefs.quiet_end else None
    if day is None:
        day = local.date() + timedelta(days=1)
    # Morning dosing maps a wall time to its own calendar date: exactly "that day at end".
    return moment_on_night(day, prefs.quiet_end, zone, MORNING)


@lru_cache(maxsize=8192)
def slots_for_night(prefs: Prefs, night: date, dosing_time: str) -> tuple[Slot, ...]:
    """Every reminder `night` can have, with quiet hours applied; ones that quiet hours push
    past their usefulness are left out."""
    zone = as_zone(prefs.tz)
    _start, window_end = night_window(night, zone, dosing_time)
    raw: list[tuple[str, datetime, datetime]] = []
    if dosing_time == MORNING:
        # Morning dosing: the dose reminder at the patient's morning time, a last call a
        # little later that day, and the follow-up at the next day's morning time when
        # nothing was logged (useful while that day lasts: the day can still be logged).
        due = moment_on_night(night, prefs.morning_time, zone, MORNING)
        raw.append((Kind.EVENING, due, window_end))
        if prefs.last_call and prefs.morning_last_call_after:
            raw.append((Kind.LAST_CALL, due + prefs.morning_last_call_after, window_end))
        next_day = night + timedelta(days=1)
        follow_up = moment_on_night(next_day, prefs.morning_time, zone, MORNING)
        raw.append((Kind.MISSED, follow_up, night_window(next_day, zone, MORNING)[1]))
    else:
        dosing_end = moment_on_night(night, DOSING_WINDOW_END, zone, EVENING)
        evening = moment_on_night(night, prefs.reminder_time, zone, EVENING)
        raw.append((Kind.EVENING, evening, max(dosing_end, evening + MIN_USEFUL)))
        if prefs.last_call:
            last_call = moment_on_night(night, prefs.last_call_time, zone, EVENING)
            if last_call > evening:
                raw.append((Kind.LAST_CALL, last_call, max(dosing_end, last_call + MIN_USEFUL)))
        morning = moment_on_night(night, prefs.morning_time, zone, EVENING)
        if prefs.morning_checkin:
            raw.append((Kind.MORNING, morning, window_end))
        raw.append((Kind.MISSED, morning, window_end))
    slots = []
    for kind, due, expires in raw:
        due = after_quiet_hours(due, prefs)
        if due < expires:
            slots.append(Slot(night=night, kind=kind, due_at=due, expires_at=expires))
    # Cached: at scale most patients share their settings, and a night's slots never change.
    return tuple(slots)


def is_wanted(kind: str, state: NightState) -> bool:
    """Whether a reminder of `kind` still makes sense for a night in `state`."""
    if state.plan_status != titration.ACTIVE:
        return False  # on hold (stop before opioids), not started, or no plan: nothing to take
    if kind in (Kind.EVENING, Kind.LAST_CALL, Kind.MISSED):
        return not state.evening_logged
    if kind == Kind.MORNING:
        return state.evening_logged and not state.morning_logged
    return False


def reminder_key(patient_id: int, night: date, kind: str, channel: str) -> str:
    return f"r:{patient_id}:{night.isoformat()}:{kind}:{channel}"


class DueReminder(NamedTuple):
    # NamedTuples, not frozen dataclasses, for what the sweep makes per patient: a frozen
    # dataclass's __init__ costs several times more, and a 100k sweep makes 100k of each.
    patient_id: int
    recipient_id: int
    night: date
    kind: str
    channel: str
    due_at: datetime
    expires_at: datetime
    tz: str
    email: str = ""
    key: str = ""  # reminder_key(patient_id, night, kind, channel), made once by plan_patient

    @property
    def local_due(self) -> datetime:
        return self.due_at.astimezone(as_zone(self.tz))


@dataclass(frozen=True)
class Plan:
    """What reminders need from a patient's active prescription."""

    versions: tuple[titration.PlanVersion, ...] = ()
    prescription_on_hold: bool = False
    # Night states already computed for this plan (a batch shares one Plan per distinct
    # prescription, so most patients cost a dict lookup here).
    _states: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def state(self, night: date, evening_logged=False, morning_logged=False) -> NightState:
        key = (night, evening_logged, morning_logged)
        cached = self._states.get(key)
        if cached is not None:
            return cached
        position = titration.current_step(self.versions, night)
        status = titration.ON_HOLD if self.prescription_on_hold else position.status
        state = self._states[key] = NightState(
            night=night,
            plan_status=status,
            dosing_time=position.dosing_time,
            dose_mg=position.dose_mg if status == titration.ACTIVE else None,
            evening_logged=evening_logged,
            morning_logged=morning_logged,
        )
        return state


NO_PLAN = Plan()


@lru_cache(maxsize=1024)
def nights_around(now: datetime, tz: str) -> tuple[date, ...]:
    """Last night (its morning messages), tonight, and tomorrow night (to schedule ahead)."""
    tonight = night_of(now, tz, EVENING)
    return (tonight - timedelta(days=1), tonight, tonight + timedelta(days=1))


@dataclass
class PatientPlan:
    """The outcome of looking at one patient at `now`."""

    due: list[DueReminder] = field(default_factory=list)
    missed: list[DueReminder] = field(default_factory=list)  # expired before any sweep saw them
    next_at: datetime | None = None


@lru_cache(maxsize=4096)
def _wanted_slots(
    prefs: Prefs,
    states: tuple[tuple[date, NightState], ...],
    now: datetime,
    checked_since: datetime | None,
) -> tuple[tuple[Slot, ...], datetime]:
    """The slots of `states`' nights that are due (or were missed) at `now`, and when to
    look next: everything of plan_patient that does not depend on who the patient is.
    Patients with the same settings, plan state and schedule (at scale, most of a minute's
    due patients) share one computation."""
    slots = []
    next_at = now + RECHECK_AT_LEAST_EVERY
    for night, state in states:
        for slot in slots_for_night(prefs, night, state.dosing_time):
            future = slot.due_at > now
            if future and slot.due_at >= next_at:
                continue
            if (
                not future
                and now >= slot.expires_at
                and (checked_since is None or slot.due_at < checked_since)
            ):
                continue  # long gone, and already looked at when it was due
            if not is_wanted(slot.kind, state):
                continue
            if future:
                # Not due yet, so not claimed by any sweep that ran at the real time (one run
                # ahead with --at only makes this look come early and find it claimed).
                next_at = slot.due_at
                continue
            slots.append(slot)
    return tuple(slots), next_at


def plan_patient(
    *,
    patient_id: int,
    recipient_id: int,
    email: str,
    prefs: Prefs,
    states: dict[date, NightState],
    claimed: set[str],
    now: datetime,
    checked_since: datetime | None,
) -> PatientPlan:
    """Pure: the reminders due now for one patient, and when to look at them next.

    `states` maps each night of `nights_around(now)` to its NightState; `claimed` holds the
    keys already claimed; `checked_since` is the moment the patient was last scheduled to be
    looked at (their previous `next_reminder_at`), so a late sweep can record what it missed.
    """
    result = PatientPlan()
    slots, next_at = _wanted_slots(prefs, tuple(sorted(states.items())), now, checked_since)
    for slot in slots:
        for channel in prefs.channels:
            key = reminder_key(patient_id, slot.night, slot.kind, channel)
            if key in claimed:
                continue
            due = DueReminder(
                patient_id=patient_id,
                recipient_id=recipient_id,
                night=slot.night,
                kind=slot.kind,
                channel=channel,
                due_at=slot.due_at,
                expires_at=slot.expires_at,
                tz=prefs.tz,
                email=email,
                key=key,
            )
            if now < slot.expires_at:
                result.due.append(due)
            else:
                result.missed.append(due)
    result.next_at = next_at
    if len(result.due) > 1:
        # A late sweep that finds the evening reminder and the last call both due sends only
        # the newer one; the older is recorded as expired (one nudge, not two at once).
        latest: dict[tuple, DueReminder] = {}
        for due in result.due:
            group = (due.night, due.channel)
            if group not in latest or due.due_at > latest[group].due_at:
                latest[group] = due
        keep = set(map(id, latest.values()))
        result.missed += [due for due in result.due if id(due) not in keep]
        result.due = [due for due in result.due if id(due) in keep]
    return result


# --- Loading plain values in batches --------------------------------------------------------


def due_patients(now: datetime):
    """THE query for "who may be due at `now`": one range scan on the indexed
    next_reminder_at (null = never looked at yet), active accounts only."""
    return Patient.objects.filter(
        Q(next_reminder_at__lte=now) | Q(next_reminder_at__isnull=True),
        user__is_active=True,
    )


def _pg_array(values: Iterable) -> str:
    """A PostgreSQL array literal of integers: psycopg's generic list dumper costs more than
    the query it feeds when a batch passes a few arrays of hundreds of ids."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def id_set(ids: Iterable[int]):
    """`ids` for an `__in` filter: one array parameter on PostgreSQL (a 500-item IN list
    costs more to build and parse than to run), a plain list elsewhere."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (_pg_array(ids),))
    return ids


_STEP_COLUMNS = (
    "version__prescription_id",
    "version_id",
    "version__number",
    "version__effective_night",
    "version__start_date",
    "version__dosing_time",
    "version__hold_from",
    "version__hold_until",
    "dose_mg",
    "days",
)


def load_plans(patient_ids: Sequence[int]) -> dict[int, Plan]:
    """Each patient's newest non-ended prescription as a Plan (2 queries for the batch).
    Patients whose plans are identical share one Plan object, and so its cached states."""
    from prescriptions.models import PlanStep, Prescription

    chosen: dict[int, tuple] = {}
    rows = (
        Prescription.objects.filter(patient_id__in=id_set(patient_ids))
        .exclude(status=Prescription.Status.ENDED)
        .order_by("patient_id", "-start_date", "-pk")
        .values_list("patient_id", "id", "status")
    )
    for patient_id, prescription_id, status in rows:
        chosen.setdefault(patient_id, (prescription_id, status))  # current_prescription's order
    if not chosen:
        return {}
    versions: dict[int, dict[int, list]] = defaultdict(dict)
    for row in (
        PlanStep.objects.filter(
            version__prescription_id__in=id_set(pid for pid, _status in chosen.values())
        )
        .order_by("version_id", "position")
        .values_list(*_STEP_COLUMNS)
    ):
        versions[row[0]].setdefault(row[1], []).append(row)
    interned: dict[tuple, Plan] = {}
    plans = {}
    for patient_id, (prescription_id, status) in chosen.items():
        on_hold = status == Prescription.Status.ON_HOLD
        shape = tuple(
            (steps[0][2:8], tuple((s[8], s[9]) for s in steps))
            for steps in versions[prescription_id].values()
        )
        plan = interned.get((shape, on_hold))
        if plan is None:
            plan = interned[(shape, on_hold)] = Plan(
                versions=tuple(
                    titration.PlanVersion(
                        number=head[0],
                        effective_night=head[1],
                        start_date=head[2],
                        dosing_time=head[3],
                        hold_from=head[4],
                        hold_until=head[5],
                        steps=tuple(titration.Step(dose_mg=d, days=n) for d, n in steps),
                    )
                    for head, steps in shape
                ),
                prescription_on_hold=on_hold,
            )
        plans[patient_id] = plan
    return plans


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
def _prefs(columns: tuple, has_push_device: bool, last_call_after: timedelta | None) -> Prefs:
    (tz, reminder, last_call, last_call_time, checkin, morning, q_start, q_end, email, push) = (
        columns
    )
    channels = []
    if email:
        channels.append(Channel.EMAIL)
    if push and has_push_device:
        channels.append(Channel.PUSH)
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
    )


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
) -> list[tuple[DuePatient, PatientPlan]]:
    ids = [p.pk for p in patients]
    first, last = (now - timedelta(days=2)).date(), (now + timedelta(days=2)).date()
    plans = load_plans(ids)
    entries = load_entries(ids, first, last)
    push_users = [p.user_id for p in patients if p.prefs[-1]]
    with_push = (
        set(
            PushSubscription.objects.filter(user_id__in=id_set(push_users))
            .values_list("user_id", flat=True)
            .distinct()
        )
        if push_users
        else set()
    )
    claimed = _claimed_keys(patients, first)
    last_call_after = morning_last_call_after()
    out = []
    for patient in patients:
        plan = plans.get(patient.pk, NO_PLAN)
        states = {}
        for night in nights_around(now, patient.time_zone):
            evening, morning = entries.get((patient.pk, night), (False, False))
            states[night] = plan.state(night, evening, morning)
        out.append(
            (
                patient,
                plan_patient(
                    patient_id=patient.pk,
                    recipient_id=patient.user_id,
                    email=patient.email,
                    prefs=_prefs(patient.prefs, patient.user_id in with_push, last_call_after),
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
) -> Iterator[list[tuple[DuePatient, PatientPlan]]]:
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


# --- Claims -------------------------------------------------------------------------------


class ClaimRow(NamedTuple):
    key: str
    recipient_id: int
    kind: str
    channel: str
    due_at: datetime
    expires_at: datetime | None = None
    patient_id: int | None = None
    night: date | None = None
    report_id: int | None = None
    status: str = Status.PENDING
    last_error: str = ""


_CLAIM_COLUMNS = (
    "key",
    "recipient_id",
    "patient_id",
    "night",
    "kind",
    "channel",
    "status",
    "report_id",
    "due_at",
    "expires_at",
    "claimed_at",
    "attempts",
    "last_error",
)


_PG_TYPES = (
    "varchar",
    "bigint",
    "bigint",
    "date",
    "varchar",
    "varchar",
    "varchar",
    "bigint",
    "timestamptz",
    "timestamptz",
    "timestamptz",
    "integer",
    "varchar",
)


def _json_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _claim_sql_postgresql(table: str, rows: Sequence[ClaimRow], now: datetime):
    """One INSERT for the whole chunk from one JSON parameter (json_to_recordset): building
    and binding thousands of placeholders, or one typed array per column, costs more in
    Python than the insert costs PostgreSQL."""
    claimed_at = now.isoformat()
    # The rows of a batch share a handful of nights and slot times: format each once.
    iso: dict = {None: None}

    def text(value):
        found = iso.get(value, iso)
        if found is iso:
            found = iso[value] = value.isoformat()
        return found

    payload = json.dumps(
        [
            [
                row.key,
                row.recipient_id,
                row.patient_id,
                text(row.night),
                row.kind,
                row.channel,
                row.status,
                row.report_id,
                text(row.due_at),
                text(row.expires_at),
                claimed_at,
                0,
                row.last_error,
            ]
            for row in rows
        ]
    )
    columns = ", ".join(f'"{c}"' for c in _CLAIM_COLUMNS)
    values = ", ".join(f"(r->>{i})::{pg_type}" for i, pg_type in enumerate(_PG_TYPES))
    # Only fixed identifiers are interpolated; the values travel in the one parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {values} "  # noqa: S608
        "FROM jsonb_array_elements(%s::jsonb) AS r "
        'ON CONFLICT ("key") DO NOTHING RETURNING "id"'
    )
    return sql, [payload]


def claim_many(rows: Iterable[ClaimRow], now: datetime) -> list[int]:
    """Insert one delivery per row; a key that already exists is skipped by the unique
    index (never an error). Returns the ids of the rows this call inserted, so only the
    claimer sends. PostgreSQL and SQLite both speak ON CONFLICT ... RETURNING."""
    rows = list(rows)
    if not rows:
        return []
    ops = connection.ops
    table = ops.quote_name(ReminderDelivery._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _CLAIM_COLUMNS)
    dt = ops.adapt_datetimefield_value
    placeholder = "(" + ", ".join(["%s"] * len(_CLAIM_COLUMNS)) + ")"
    ids: list[int] = []
    # Parameter limits (SQLite: 32766) allow a few thousand rows per statement.
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        if connection.vendor == "postgresql":
            sql, params = _claim_sql_postgresql(table, chunk, now)
        else:
            params: list = []
            for row in chunk:
                params += [
                    row.key,
                    row.recipient_id,
                    row.patient_id,
                    ops.adapt_datefield_value(row.night),
                    row.kind,
                    row.channel,
                    row.status,
                    row.report_id,
                    dt(row.due_at),
                    dt(row.expires_at),
                    dt(now),
                    0,
                    row.last_error,
                ]
            values = ", ".join([placeholder] * len(chunk))
            # Only quoted identifiers and placeholders are interpolated; values are parameters.
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
                f"ON CONFLICT ({ops.quote_name('key')}) DO NOTHING RETURNING {ops.quote_name('id')}"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def claim(
    key: str,
    recipient_id: int,
    kind: str,
    channel: str,
    *,
    due_at: datetime,
    now: datetime,
    expires_at: datetime | None = None,
    patient_id: int | None = None,
    night: date | None = None,
    report_id: int | None = None,
) -> int | None:
    """Claim one message of any kind (reminder, digest, urgent alert): its delivery id if
    this call claimed it, None if someone already had. Enqueue the id after commit."""
    ids = claim_many(
        [
            ClaimRow(
                key=key,
                recipient_id=recipient_id,
                kind=kind,
                channel=channel,
                due_at=due_at,
                expires_at=expires_at,
                patient_id=patient_id,
                night=night,
                report_id=report_id,
            )
        ],
        now,
    )
    return ids[0] if ids else None


def _claim_rows(plans: Iterable[PatientPlan]) -> tuple[list[ClaimRow], list[ClaimRow]]:
    due_rows, missed_rows = [], []
    for plan in plans:
        for due in plan.due:
            due_rows.append(_row_for(due))
        for due in plan.missed:
            missed_rows.append(_row_for(due, status=Status.EXPIRED, last_error="Not sent in time."))
    return due_rows, missed_rows


def _row_for(due: DueReminder, **extra) -> ClaimRow:
    return ClaimRow(
        key=due.key,
        recipient_id=due.recipient_id,
        kind=due.kind,
        channel=due.channel,
        due_at=due.due_at,
        expires_at=due.expires_at,
        patient_id=due.patient_id,
        night=due.night,
        **extra,
    )


def _moves(batch: list[tuple[DuePatient, PatientPlan]]) -> list[tuple]:
    """(patient id, next_reminder_at as read, new next_reminder_at) where it changes."""
    return [
        (patient.pk, patient.next_reminder_at, plan.next_at)
        for patient, plan in batch
        if plan.next_at != patient.next_reminder_at
    ]


def _save_next_times(moves: list[tuple]) -> None:
    """Move each patient's next_reminder_at on, unless something changed it meanwhile (a
    logged dose marks it for a fresh look; the newer value wins). On PostgreSQL one
    UPDATE ... FROM for the whole batch; elsewhere one UPDATE per distinct (old, new) pair."""
    if not moves:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Patient._meta.db_table)
        iso = {None: None}
        for _pk, old, new in moves:
            for value in (old, new):
                if value not in iso:
                    iso[value] = value.isoformat()
        payload = json.dumps([[pk, iso[old], iso[new]] for pk, old, new in moves])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS p SET next_reminder_at = (m->>2)::timestamptz "  # noqa: S608
                "FROM jsonb_array_elements(%s::jsonb) AS m "
                "WHERE p.id = (m->>0)::bigint "
                "AND p.next_reminder_at IS NOT DISTINCT FROM (m->>1)::timestamptz",
                [payload],
            )
        return
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, old, new in moves:
        groups[(old, new)].append(pk)
    for (old, new), ids in groups.items():
        unchanged = Q(next_reminder_at__isnull=True) if old is None else Q(next_reminder_at=old)
        Patient.objects.filter(unchanged, pk__in=id_set(ids)).update(next_reminder_at=new)


# --- The sweep ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    looked_at: int = 0
    claimed: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    expired: int = 0
    missed: int = 0
    digests: list[int] = field(default_factory=list)

    @property
    def to_send(self) -> list[int]:
        return self.claimed + self.requeued + self.digests


class DispatchError(Exception):
    """Claims are committed but could not be handed to the queue (the broker is down)."""

    def __init__(self, ids):
        super().__init__(f"could not enqueue {len(ids)} claimed deliveries")
        self.ids = list(ids)


def _dispatch(dispatch, ids) -> None:
    try:
        dispatch(ids)
    except Exception as exc:
        log.error("reminder sweep: could not enqueue %s deliveries", len(ids), exc_info=True)
        raise DispatchError(ids) from exc


# Patients per part when a sweep fans out: a 100k minute becomes ten parts that every
# worker process takes from the queue, so adding workers shortens the minute's sweep.
PART_SIZE = 10000


def sweep_parts(now: datetime, part_size: int | None = None) -> list[tuple[int, int]]:
    """The due patients' id range cut into (first_id, last_id) parts of about `part_size`
    due patients each: one aggregate over the indexed selection. Empty when nobody is due.
    The parts are even in ids, not exactly in due patients; a part that overlaps another
    or runs twice is harmless (claims are unique by key)."""
    from django.db.models import Count, Max, Min

    part_size = part_size or PART_SIZE
    found = due_patients(now).aggregate(low=Min("pk"), high=Max("pk"), count=Count("pk"))
    if not found["count"]:
        return []
    low, high = found["low"], found["high"]
    parts = max(1, -(-found["count"] // part_size))
    step = -(-(high - low + 1) // parts)
    return [(first, min(first + step - 1, high)) for first in range(low, high + 1, step)]


class BatchWrite(NamedTuple):
    """What one batch of the sweep writes, worked out before any of it is written."""

    due: list[ClaimRow]
    missed: list[ClaimRow]
    moves: list[tuple]


def _write_batch(write: BatchWrite, now: datetime, dispatch, result: SweepResult) -> None:
    """One transaction: claim the batch's reminders and move its patients' next times on;
    then hand the claimed ids to `dispatch`."""
    with transaction.atomic():
        ids = claim_many(write.due, now)
        result.missed += len(claim_many(write.missed, now))
        _save_next_times(write.moves)
    result.claimed += ids
    if ids:
        _dispatch(dispatch, ids)


class _Writer:
    """Writes batches on a thread of its own (so its own database connection) while the
    sweep reads and plans the next batch: reading and planning are Python, writing is mostly
    waiting for PostgreSQL, so the two overlap. At most one batch waits in between.

    After a failed write the rest are dropped (as the in-turn sweep stops at its first
    failure) and the error is raised to the sweep at its next hand-over or at the end."""

    def __init__(self, write):
        self._write = write
        self._queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="reminder-sweep-writer")
        self._thread.start()

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                if self.error is None:
                    try:
                        self._write(item)
                    except BaseException as exc:  # handed to the sweep's thread
                        self.error = exc
        finally:
            connections.close_all()  # this thread's connections only

    def put(self, item) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put(item)

    def close(self, raise_error: bool = True) -> None:
        self._queue.put(None)
        self._thread.join()
        if raise_error and self.error is not None:
            raise self.error


def overlap_writes() -> bool:
    """Whether a sweep may write on a second connection: PostgreSQL, and not inside a
    transaction (whose uncommitted rows a second connection could not see)."""
    return (
        settings.LDN_REMINDER_SWEEP_OVERLAP
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def sweep_part(
    now: datetime,
    first_id: int,
    last_id: int,
    *,
    dispatch=None,
    batch_size: int = BATCH_SIZE,
    result: SweepResult | None = None,
    overlap: bool | None = None,
) -> SweepResult:
    """Claim what is due for the due patients with ids in [first_id, last_id], a batch
    (one transaction) at a time, calling `dispatch(ids)` after each commit. With `overlap`
    (default: `overlap_writes()`) each batch is written while the next is being planned."""
    if dispatch is None:
        from patients.notifications.outbox import enqueue_deliveries as dispatch
    result = result if result is not None else SweepResult()
    if overlap is None:
        overlap = overlap_writes()

    def write(item: BatchWrite) -> None:
        _write_batch(item, now, dispatch, result)

    writer = _Writer(write) if overlap else None
    try:
        for batch in due_reminders(now, batch_size=batch_size, first_id=first_id, last_id=last_id):
            due_rows, missed_rows = _claim_rows(plan for _patient, plan in batch)
            item = BatchWrite(due_rows, missed_rows, _moves(batch))
            result.looked_at += len(batch)
            if writer is None:
                write(item)
            else:
                writer.put(item)
    except BaseException:
        if writer is not None:
            writer.close(raise_error=False)  # this error, not a later write's, is the story
        raise
    if writer is not None:
        writer.close()
    return result


def sweep(
    now: datetime, *, dispatch=None, batch_size: int = BATCH_SIZE, fan_out=None
) -> SweepResult:
    """One pass: expire what is no longer useful, claim what is due, re-enqueue what the
    queue lost, claim due clinician digests. `dispatch(ids)` runs after each commit
    (default: enqueue one send task per id; `send_reminders` sends in-process instead).

    With `fan_out(parts)` (the beat task's: one sub-sweep task per part) and more than one
    part's worth of due patients, the patients are handed over as id ranges for the
    workers to sweep in parallel; `claimed` and `looked_at` then stay empty here. Without
    it the whole range is swept here, in one pass.

    A dispatch failure (Redis down) is logged and raised as DispatchError after the claims
    are committed; the next sweep re-enqueues them once they are `requeue_after()` old."""
    if dispatch is None:
        from patients.notifications.outbox import enqueue_deliveries as dispatch
    result = SweepResult(expired=expire_stale(now))
    parts = sweep_parts(now)
    if fan_out is not None and len(parts) > 1:
        fan_out(parts)
    elif parts:
        # In one process the parts are one range: a single pass keeps one writer busy
        # from the first batch to the last.
        sweep_part(
            now, parts[0][0], parts[-1][1], dispatch=dispatch, batch_size=batch_size, result=result
        )
    result.digests = claim_digests(now)
    if result.digests:
        _dispatch(dispatch, result.digests)
    result.requeued = stale_deliveries(now)
    if result.requeued:
        _dispatch(dispatch, result.requeued)
    return result


def expire_stale(now: datetime) -> int:
    """Mark deliveries past their usefulness expired (a sweep or worker that ran late)."""
    waiting = Q(status=Status.PENDING) | Q(
        status=Status.SENDING, sending_since__lt=now - stuck_after()
    )
    return ReminderDelivery.objects.filter(waiting, expires_at__lte=now).update(
        status=Status.EXPIRED, last_error="Expired before it could be sent."
    )


def stale_deliveries(now: datetime, limit: int = 20000) -> list[int]:
    """Deliveries the queue seems to have lost: pending a while after their claim or last
    attempt, or stuck in `sending` (the worker died mid-send)."""
    cut = now - requeue_after()
    pending = Q(status=Status.PENDING) & (
        Q(sending_since__isnull=True, claimed_at__lt=cut) | Q(sending_since__lt=cut)
    )
    stuck = Q(status=Status.SENDING, sending_since__lt=now - stuck_after())
    return list(
        ReminderDelivery.objects.filter(pending | stuck)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Clinician digests ---------------------------------------------------------------------


def digest_slot(prefs: ClinicianPreferences, now: datetime) -> tuple[datetime, datetime]:
    """(due, next due) of the clinician's daily digest around `now`, in their zone."""
    zone = as_zone(prefs.time_zone)
    today = now.astimezone(zone).date()
    due = moment_on_night(today, prefs.digest_time, zone, MORNING)
    if due > now:
        return moment_on_night(today - timedelta(days=1), prefs.digest_time, zone, MORNING), due
    return due, moment_on_night(today + timedelta(days=1), prefs.digest_time, zone, MORNING)


def digest_key(user_id: int, day: date) -> str:
    return f"d:{user_id}:{day.isoformat()}:email"


DIGEST_USEFUL_FOR = timedelta(hours=12)


def claim_digests(now: datetime) -> list[int]:
    """Claim today's digest for each clinician whose digest time has come, when they have
    new flags since the previous one. Selected by the indexed next_digest_at."""
    from patients.notifications.digest import new_flags_for

    rows = ClinicianPreferences.objects.filter(
        Q(next_digest_at__lte=now) | Q(next_digest_at__isnull=True),
        digest_enabled=True,
        user__is_active=True,
    ).select_related("user")
    claimed = []
    for prefs in rows:
        due, next_due = digest_slot(prefs, now)
        if now < due + DIGEST_USEFUL_FOR and new_flags_for(
            prefs.user, due - timedelta(days=1), due
        ):
            zone = as_zone(prefs.time_zone)
            delivery_id = claim(
                digest_key(prefs.user_id, due.astimezone(zone).date()),
                prefs.user_id,
                Kind.DIGEST,
                Channel.EMAIL,
                due_at=due,
                now=now,
                expires_at=due + DIGEST_USEFUL_FOR,
                night=due.astimezone(zone).date(),
            )
            if delivery_id:
                claimed.append(delivery_id)
        ClinicianPreferences.objects.filter(pk=prefs.pk).update(next_digest_at=next_due)
    return claimed
