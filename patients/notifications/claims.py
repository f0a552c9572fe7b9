"""Claiming a message exactly once: one delivery row per key, inserted or skipped by the
unique index, so only the claimer sends (reminders, digests and urgent alerts alike)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL

from patients.models import ReminderDelivery

Status = ReminderDelivery.Status


def requeue_after():
    """A pending delivery older than this is re-enqueued by the sweep (the queue lost it)."""
    return timedelta(seconds=settings.LDN_REMINDER_REQUEUE_SECONDS)


def stuck_after():
    """A delivery in `sending` this long is taken to be lost with its worker."""
    return timedelta(seconds=settings.LDN_REMINDER_STUCK_SECONDS)


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
