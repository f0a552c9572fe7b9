"""Who is due a reminder at a moment: THE selection used by the sweep and by
`send_reminders --dry-run` (one query-building function, so the two never drift).

Due patients are read with one indexed query, a batch at a time, as plain values; the pure
schedule (patients.rules.schedule) decides what is due for each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q

from patients.models import NightlyEntry, Patient, PushSubscription, ReminderDelivery
from patients.notifications.claims import id_set
from patients.rules.schedule import (
    EMAIL,
    PUSH,
    NightState,
    PatientPlan,
    Prefs,
    nights_around,
    plan_patient,
)
from prescriptions import titration
from prescriptions.models import PlanStep, Prescription

# Patients per batch (one transaction each). Measured on the 2-core bench machine: 2,000
# sends a quarter of the statements and commits of 500, for the same memory per batch.
BATCH_SIZE = 2000


def morning_last_call_after() -> timedelta | None:
    minutes = settings.LDN_MORNING_LAST_CALL_MINUTES
    return timedelta(minutes=minutes) if minutes else None


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


NO_PLAN = Plan()


def due_patients(now: datetime):
    """THE query for "who may be due at `now`": one range scan on the indexed
    next_reminder_at (null = never looked at yet), active accounts only."""
    return Patient.objects.filter(
        Q(next_reminder_at__lte=now) | Q(next_reminder_at__isnull=True),
        user__is_active=True,
    )


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
        channels.append(EMAIL)
    if push and has_push_device:
        channels.append(PUSH)
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
