"""The reminder sweep: expire what is no longer useful, claim what is due (a batch, one
transaction, at a time), re-enqueue what the queue lost, and claim the clinicians' digests.

What is due comes from patients.notifications.due; each claim is a unique row
(patients.notifications.claims), so two sweeps, two beats or an operator's `send_reminders`
never produce a second message.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Count, Max, Min, Q

from ldn_journal.celery import REMINDERS, RETRIES, URGENT
from patients.models import Patient, ReminderDelivery
from patients.notifications.claims import (
    ClaimRow,
    claim_many,
    id_set,
    requeue_after,
    stuck_after,
)
from patients.notifications.digest import claim_digests
from patients.notifications.due import BATCH_SIZE, DuePatient, due_patients, due_reminders
from patients.notifications.outbox import URGENT_KINDS, enqueue_deliveries
from patients.rules.schedule import DueReminder, PatientReminders

log = logging.getLogger(__name__)

Status = ReminderDelivery.Status


def _claim_rows(plans: Iterable[PatientReminders]) -> tuple[list[ClaimRow], list[ClaimRow]]:
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


def _moves(batch: list[tuple[DuePatient, PatientReminders]]) -> list[tuple]:
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


class DispatchError(Exception):
    """Claims are committed but could not be handed to the queue (the broker is down)."""

    def __init__(self, ids, queue: str = REMINDERS):
        super().__init__(f"could not enqueue {len(ids)} claimed deliveries")
        self.ids = list(ids)
        self.queue = queue


def _dispatch(dispatch, ids, queue: str | None = None) -> None:
    try:
        if queue is None:
            dispatch(ids)
        else:
            dispatch(ids, queue)
    except Exception as exc:
        log.error("reminder sweep: could not enqueue %s deliveries", len(ids), exc_info=True)
        raise DispatchError(ids, queue or REMINDERS) from exc


# Patients per part when a sweep fans out: a 100k minute becomes ten parts that every
# worker process takes from the queue, so adding workers shortens the minute's sweep.
PART_SIZE = 10000


def sweep_parts(now: datetime, part_size: int | None = None) -> list[tuple[int, int]]:
    """The due patients' id range cut into (first_id, last_id) parts of about `part_size`
    due patients each: one aggregate over the indexed selection. Empty when nobody is due.
    The parts are even in ids, not exactly in due patients; a part that overlaps another
    or runs twice is harmless (claims are unique by key)."""
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
                    # Whatever it is (even a KeyboardInterrupt), it is the sweep's to raise.
                    except BaseException as exc:  # noqa: BLE001 - handed to the sweep's thread
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


@contextmanager
def custom_plans() -> Iterator[None]:
    """PostgreSQL plans each of this connection's statements for its values while the sweep
    reads its batches, instead of reusing a generic plan.

    The settings prepare a statement run five times, and after five runs PostgreSQL may keep
    one plan for every later value (a generic plan), chosen from the table's statistics of
    that moment. The claims a sweep reads back grow from none to 100,000 while it runs: a
    plan chosen when the statistics said "empty" (a new clinic, or a bench's reset) scanned
    the whole deliveries table once per patient of each batch, and the 100,000-patient sweep
    took 262 s instead of 10 (measured, `python -m bench reminders`). Planning each read
    costs well under a millisecond per batch of 1,000 patients."""
    options = connection.settings_dict.get("OPTIONS", {})
    prepared = options.get("server_side_binding") and options.get("prepare_threshold") is not None
    if connection.vendor != "postgresql" or not prepared:
        # Without prepared statements every statement is planned for its values already,
        # and behind a transaction-pooling PgBouncer (the reason to turn them off) a
        # session's SET would reach other clients.
        yield
        return
    if connection.in_atomic_block:
        # Inside a transaction: SET LOCAL ends with it, committed or rolled back.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET plan_cache_mode")
        except DatabaseError:
            connection.close()  # a session whose settings are unknown is not reused


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
        dispatch = enqueue_deliveries
    result = result if result is not None else SweepResult()
    if overlap is None:
        overlap = overlap_writes()

    def write(item: BatchWrite) -> None:
        _write_batch(item, now, dispatch, result)

    writer = _Writer(write) if overlap else None
    try:
        with custom_plans():
            batches = due_reminders(now, batch_size=batch_size, first_id=first_id, last_id=last_id)
            for batch in batches:
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
    by_queue = dispatch is None
    if dispatch is None:
        dispatch = enqueue_deliveries
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
    result.requeued = requeue_stale(now, dispatch, by_queue=by_queue)
    return result


def expire_stale(now: datetime) -> int:
    """Mark deliveries past their usefulness expired (a sweep or worker that ran late)."""
    waiting = Q(status=Status.PENDING) | Q(
        status=Status.SENDING, sending_since__lt=now - stuck_after()
    )
    return ReminderDelivery.objects.filter(waiting, expires_at__lte=now).update(
        status=Status.EXPIRED, last_error="Expired before it could be sent."
    )


class Stale(NamedTuple):
    pk: int
    kind: str
    why: str  # LOST, RETRY or STUCK


LOST, RETRY, STUCK = "lost", "retry", "stuck"


def _stale(now: datetime, limit: int = 20000) -> list[Stale]:
    """Deliveries to hand to the workers again: retries whose time has come, claims pending
    a while with no retry planned (the queue lost them), and deliveries stuck in `sending`
    (the worker died mid-send)."""
    cut = now - requeue_after()
    lost = Q(status=Status.PENDING, retry_at__isnull=True) & (
        Q(sending_since__isnull=True, claimed_at__lt=cut) | Q(sending_since__lt=cut)
    )
    due_retry = Q(status=Status.PENDING, retry_at__lte=now)
    stuck = Q(status=Status.SENDING, sending_since__lt=now - stuck_after())
    rows = (
        ReminderDelivery.objects.filter(lost | due_retry | stuck)
        .order_by("claimed_at")
        .values_list("pk", "kind", "status", "retry_at")[:limit]
    )
    return [
        Stale(pk, kind, STUCK if status == Status.SENDING else RETRY if retry_at else LOST)
        for pk, kind, status, retry_at in rows
    ]


def stale_deliveries(now: datetime, limit: int = 20000) -> list[int]:
    """The ids `requeue_stale` would hand back now."""
    return [row.pk for row in _stale(now, limit)]


def requeue_stale(now: datetime, dispatch, *, by_queue: bool = True) -> list[int]:
    """Hand stale deliveries back: urgent alerts one task each on the urgent queue, the
    rest in chunks on the retries queue (`by_queue`; otherwise all to `dispatch`). Lost and
    stuck ones are logged at WARNING with counts: a stuck one may have reached its
    recipient before its worker died, so re-sending it risks a duplicate."""
    rows = _stale(now)
    if not rows:
        return []
    counts = Counter(row.why for row in rows)
    if counts[LOST]:
        log.warning(
            "sweep: re-enqueueing %s pending deliveries the queue lost (%s urgent)",
            counts[LOST],
            sum(1 for r in rows if r.why == LOST and r.kind in URGENT_KINDS),
        )
    if counts[STUCK]:
        log.warning(
            "sweep: re-sending %s deliveries stuck in sending (their worker died mid-send); "
            "each is a possible duplicate",
            counts[STUCK],
        )
    if counts[RETRY]:
        # While they wait in the queue, the next tick must not hand them out again.
        retries = [r.pk for r in rows if r.why == RETRY]
        ReminderDelivery.objects.filter(pk__in=id_set(retries), status=Status.PENDING).update(
            retry_at=now + requeue_after()
        )
        log.info("sweep: handing back %s due retries", counts[RETRY])
    ids = [row.pk for row in rows]
    if not by_queue:
        _dispatch(dispatch, ids)
        return ids
    urgent = [row.pk for row in rows if row.kind in URGENT_KINDS]
    others = [row.pk for row in rows if row.kind not in URGENT_KINDS]
    if urgent:
        _dispatch(dispatch, urgent, URGENT)
    if others:
        _dispatch(dispatch, others, RETRIES)
    return ids
