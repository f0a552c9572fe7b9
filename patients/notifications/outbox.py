"""Sending one claimed delivery, exactly once, whatever its kind.

`send_delivery(id)` moves a delivery pending -> sending -> sent/failed/skipped with
conditional UPDATEs, so a redelivered task, a second worker or an operator's command finds
nothing left to do. What a message says is a *renderer* per kind (`register_renderer`):
reminders and digests are here; urgent alerts register their own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from ldn_journal import broker
from ldn_journal.celery import REMINDERS, URGENT, app
from ldn_journal.operations import channel_health
from patients.models import PushSubscription, ReminderDelivery
from patients.notifications import delivery_reasons as reasons
from patients.notifications.channels import PermanentFailure, TransientFailure
from patients.notifications.channels.email import EmailMessageParts, send_email
from patients.notifications.channels.push import send_push, ttl_until
from patients.notifications.claims import stuck_after

log = logging.getLogger(__name__)

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status
Channel = ReminderDelivery.Channel


class RetryLater(Exception):
    """A transient failure: the task retries after `countdown` seconds."""

    def __init__(self, reason: str, countdown: int):
        super().__init__(reason)
        self.countdown = countdown


# --- Unsubscribe tokens -------------------------------------------------------------------

UNSUBSCRIBE_SALT = "ldn.reminders.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=90)
# What a token may switch off: a patient's email reminders, a clinician's digest.
UNSUBSCRIBE_SCOPES = ("reminders", "digest")


def unsubscribe_token(user_id: int, scope: str) -> str:
    return signing.dumps({"u": user_id, "s": scope}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, scope) of a genuine, unexpired token; None for anything else."""
    try:
        data = signing.loads(
            token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("s") not in UNSUBSCRIBE_SCOPES:
        return None
    if not isinstance(data.get("u"), int):
        return None
    return data["u"], data["s"]


def unsubscribe_url(user_id: int, scope: str) -> str:
    token = unsubscribe_token(user_id, scope)
    return settings.SITE_URL + reverse("reminders_unsubscribe", args=[token])


@lru_cache(maxsize=8)
def site_links(site_url: str) -> dict[str, str]:
    """The URLs every reminder carries, reversed once per process (not four times a
    message)."""
    return {
        "tonight_path": reverse("journal:home") + "#tonight-title",
        "tonight": site_url + reverse("journal:home") + "#tonight-title",
        "settings": site_url + reverse("journal:reminders"),
    }


# --- Renderers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    email: EmailMessageParts | None
    push: dict | None


class Renderer:
    """What one kind of message says, and whether it should still go out."""

    def prepare(self, deliveries: list[ReminderDelivery]) -> None:
        """Load what render/skip_reason need for a whole chunk at once (optional)."""

    def skip_reason(self, delivery: ReminderDelivery, now: datetime) -> str:  # noqa: ARG002
        return ""

    def render(self, delivery: ReminderDelivery, now: datetime) -> Rendered:  # pragma: no cover
        """What the message says when it is sent at `now` (the patient's clock then, not
        when it was due, decides words such as "tonight")."""
        raise NotImplementedError


RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    RENDERERS[kind] = renderer


# --- The state machine -----------------------------------------------------------------------


# Alerts about an urgent report: never given up on, and sent from the `urgent` queue.
URGENT_KINDS = (Kind.URGENT, Kind.ESCALATION, Kind.UNDELIVERED)


def retry_countdown(attempts: int, kind: str = "") -> int:
    """Exponential backoff. A reminder's is capped at the sweep's re-enqueue age; an urgent
    alert's at LDN_URGENT_RETRY_MAX_SECONDS, and it goes on at that pace until delivered."""
    base = settings.LDN_REMINDER_RETRY_BASE_SECONDS
    cap = (
        settings.LDN_URGENT_RETRY_MAX_SECONDS
        if kind in URGENT_KINDS
        else settings.LDN_REMINDER_REQUEUE_SECONDS
    )
    return int(min(base * 2 ** max(attempts - 1, 0), cap))


# take() and _finish() run twice per message: plain SQL, so a message costs two short round
# trips and no query building (the ORM's compile was as long as the UPDATE itself).
_TABLE = ReminderDelivery._meta.db_table


def _finish_sql(delivery_id: int, status: str, reason: str = "", sent_at=None, retry_at=None):
    adapt = connection.ops.adapt_datetimefield_value
    return (
        f"UPDATE {_TABLE} SET status = %s, last_error = %s, "  # noqa: S608
        "sent_at = COALESCE(%s, sent_at), retry_at = %s WHERE id = %s AND status = %s",
        [
            status,
            reason[:300],
            adapt(sent_at),
            adapt(retry_at),
            delivery_id,
            Status.SENDING,
        ],
    )


def _finish(delivery_id: int, status: str, reason: str = "", sent_at=None, retry_at=None) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(*_finish_sql(delivery_id, status, reason, sent_at, retry_at))
        return cursor.rowcount == 1


def _finished_id(finish) -> int:
    """The delivery id of a `_finish_sql` statement (for the logs)."""
    return finish[1][-2]


def _record_on_fresh_connection(finish) -> None:
    """Run a sent message's finishing UPDATE after the round trip carrying it failed.

    Whether the server ran it is unknown and the connection is most likely dead (a
    terminated backend, a failover): retried on it, the finish would fail again, the
    delivery would stay `sending` and be sent a second time once it looks stuck. So the
    connection is closed and the finish recorded on a new one before anything else. It is
    conditional on `sending`, so running it twice changes nothing."""
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(*finish)


def take(delivery_id: int, real_now: datetime, after=None) -> bool:
    """pending (or stuck in sending) -> sending; False if another sender has it or it is
    done. The one place where a delivery is taken for sending.

    `after` is the previous message's finishing UPDATE: on PostgreSQL both go in one round
    trip as one statement (the finish as a data-modifying WITH, which PostgreSQL runs to
    completion whether or not it is read), so the previous message is recorded before this
    one is sent. One statement, not two joined by ";": parameters bound by the server (the
    settings' prepared statements) allow one command per statement."""
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"UPDATE {_TABLE} SET status = %s, sending_since = %s, "  # noqa: S608
        "attempts = attempts + 1 WHERE id = %s AND (status = %s "
        "OR (status = %s AND sending_since < %s))"
    )
    params = [
        Status.SENDING,
        adapt(real_now),
        delivery_id,
        Status.PENDING,
        Status.SENDING,
        adapt(real_now - stuck_after()),
    ]
    with connection.cursor() as cursor:
        if after is not None and connection.vendor == "postgresql":
            cursor.execute(f"WITH finished AS ({after[0]}) {sql}", [*after[1], *params])
        else:
            if after is not None:
                cursor.execute(*after)
            cursor.execute(sql, params)
        return cursor.rowcount == 1


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str
    reason: str = ""
    retry_in: int | None = None  # seconds, for a transient failure worth retrying


def send_deliveries(delivery_ids, now: datetime | None = None) -> list[Outcome]:
    """Send each delivery that is still ours to send, over one SMTP connection.

    The rows (with recipient and patient) are read in one query and each renderer prepares
    the whole chunk at once (a reminder's plan and entry: a few queries for all of them),
    so a message costs its two conditional UPDATEs (take, finish) and the send itself.
    Each delivery is taken just before it is sent, never the whole chunk at once: a chunk
    that sends slowly must not look stuck to the sweep, and a killed worker leaves at most
    the one message in flight to be sent again."""
    real_now = timezone.now()
    now = now or real_now
    ids = list(dict.fromkeys(delivery_ids))
    # A redelivered or re-enqueued chunk finds most of its rows done: skip them unloaded.
    rows = (
        ReminderDelivery.objects.select_related("recipient", "patient")
        .filter(status__in=(Status.PENDING, Status.SENDING))
        .in_bulk(ids)
    )
    by_renderer: dict[Renderer, list] = {}
    for delivery in rows.values():
        renderer = RENDERERS.get(delivery.kind)
        if renderer is not None:
            by_renderer.setdefault(renderer, []).append(delivery)
    for renderer, deliveries in by_renderer.items():
        renderer.prepare(deliveries)
    outcomes = []
    # A sent message's finishing UPDATE rides with the next message's take (one round trip
    # a message instead of two); whatever is left is run before returning, or on the way out.
    recorded = None
    try:
        for delivery_id in ids:
            delivery = rows.get(delivery_id)
            if delivery is None:
                continue
            try:
                taken = take(delivery_id, timezone.now(), after=recorded)
            except DatabaseError:
                if recorded is None:
                    raise
                log.warning(
                    "delivery %s: recording a sent message failed with the next claim; "
                    "recording it on a fresh connection",
                    _finished_id(recorded),
                )
                _record_on_fresh_connection(recorded)
                taken = take(delivery_id, timezone.now())
            recorded = None
            if not taken:
                continue
            delivery.attempts += 1  # as take() counted it
            outcome = _send_one(delivery, now)
            if outcome.status == Status.SENT:
                recorded = _finish_sql(delivery_id, Status.SENT, sent_at=timezone.now())
            outcomes.append(outcome)
    finally:
        if recorded is not None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(*recorded)
            except DatabaseError:
                log.warning(
                    "delivery %s: recording a sent message failed; recording it on a fresh "
                    "connection",
                    _finished_id(recorded),
                )
                _record_on_fresh_connection(recorded)
    return outcomes


# What the renderers' skip_reason and the channels read of the account: re-read just before
# each send. The chunk's rows are loaded once, before its first message; a patient
# deactivated, or who switched a channel off, while earlier messages went out (or while the
# sweep that claimed it ran) must get nothing.
_ACCOUNT_COLUMNS = (
    "recipient__is_active",
    "recipient__email",
    "recipient__language",
    "patient__remind_by_email",
    "patient__remind_by_push",
)


def _reread_account(delivery: ReminderDelivery) -> bool:
    """Refresh ``delivery``'s recipient (and patient) with what the account says now: one
    primary-key read. False when the row is gone (nothing to send)."""
    row = ReminderDelivery.objects.filter(pk=delivery.pk).values_list(*_ACCOUNT_COLUMNS).first()
    if row is None:
        return False
    is_active, email, language, by_email, by_push = row
    recipient = delivery.recipient
    recipient.is_active, recipient.email, recipient.language = is_active, email, language
    # A clinician's digest switch is read through this relation: not the chunk's copy either.
    recipient._state.fields_cache.pop("clinician_preferences", None)
    if delivery.patient_id is not None:
        delivery.patient.remind_by_email, delivery.patient.remind_by_push = by_email, by_push
    return True


def send_delivery(delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery if it is still ours to send; returns the status it ended in
    ("" when there was nothing to do). Raises RetryLater on a transient failure."""
    outcomes = send_deliveries([delivery_id], now)
    if not outcomes:
        return ""
    outcome = outcomes[0]
    if outcome.retry_in is not None:
        raise RetryLater(outcome.reason, outcome.retry_in)
    return outcome.status


def _send_one(delivery: ReminderDelivery, now: datetime) -> Outcome:
    delivery_id = delivery.pk

    def finish(status, reason="", **extra):
        _finish(delivery_id, status, reason, **extra)
        return Outcome(delivery_id, status, reason)

    if delivery.expires_at is not None and delivery.expires_at <= now:
        return finish(Status.EXPIRED, "Expired before it could be sent.")
    if not _reread_account(delivery):
        return Outcome(delivery_id, Status.SKIPPED, "Gone before it could be sent.")
    renderer = RENDERERS.get(delivery.kind)
    if renderer is None:
        return finish(Status.FAILED, reasons.NO_RENDERER(kind=delivery.kind))
    reason = renderer.skip_reason(delivery, now)
    if reason:
        return finish(Status.SKIPPED, reason)
    try:
        rendered = renderer.render(delivery, now)
        if delivery.channel == Channel.EMAIL:
            if rendered.email is None:
                raise PermanentFailure(reasons.NO_EMAIL_FORM())
            send_email(delivery.recipient.email, rendered.email)
        else:
            if rendered.push is None:
                raise PermanentFailure(reasons.NO_PUSH_FORM())
            send_push(
                PushSubscription.objects.filter(user=delivery.recipient),
                rendered.push,
                ttl=ttl_until(delivery.expires_at, now),
            )
    except PermanentFailure as exc:
        log.warning("delivery %s failed: %s", delivery_id, exc)
        return finish(Status.FAILED, str(exc))
    except TransientFailure as exc:
        real_now = timezone.now()
        channel_health.failed(delivery.channel, exc, real_now)
        urgent = delivery.kind in URGENT_KINDS
        if not urgent and delivery.attempts >= settings.LDN_REMINDER_MAX_ATTEMPTS:
            log.warning(
                "delivery %s failed after %s attempts: %s", delivery_id, delivery.attempts, exc
            )
            return finish(Status.FAILED, reasons.GAVE_UP(attempts=delivery.attempts, reason=exc))
        # Back to pending until retry_at: the sweep hands due retries back in batches (no
        # task per message waiting in the queue). Urgent alerts never give up; after a few
        # failures the admins are told (patients.notifications.undelivered).
        countdown = retry_countdown(delivery.attempts, delivery.kind)
        _finish(
            delivery_id,
            Status.PENDING,
            str(exc),
            retry_at=real_now + timedelta(seconds=countdown),
        )
        return Outcome(delivery_id, Status.PENDING, str(exc), retry_in=countdown)
    channel_health.succeeded(delivery.channel, timezone.now())
    # Recorded by the caller, together with the next take.
    return Outcome(delivery_id, Status.SENT)


# --- Enqueueing ------------------------------------------------------------------------------


# Deliveries per send task: enough that a task's own cost (publish, fetch, ack, the chunk's
# few loading queries) is small against its sends, few enough that the chunks of one sweep
# spread over every worker process.
SEND_CHUNK = 100
# Up to this many ids go out as one task each: an urgent alert or a handful of reminders is
# sent in parallel at once, not one after another.
ONE_TASK_EACH_UP_TO = 4
# The send tasks (patients.notifications.tasks), published by name (send_task: a web process
# never imports the tasks module, so they are not in its registry): the outbox sits below the
# module that defines them, and the producers above it enqueue through here.
SEND_ONE = "patients.send_delivery"
SEND_CHUNK_TASK = "patients.send_deliveries"


def enqueue_deliveries(ids, queue: str = REMINDERS, *, retry: bool = True) -> None:
    """Hand delivery ids to the workers over one broker connection, on `queue`: a few ids
    (and any number on the urgent queue) as one send task each, more in chunks of
    SEND_CHUNK ids per task (100k due reminders are 1,000 publishes, not 100,000). Raises if
    the broker is down: the caller decides whether that is loud (the sweep) or logged.
    `retry=False` skips Celery's publish retries (the web path bounds its own)."""
    ids = list(ids)
    with app.producer_or_acquire() as producer:
        if queue == URGENT or len(ids) <= ONE_TASK_EACH_UP_TO:
            for delivery_id in ids:
                app.send_task(SEND_ONE, (delivery_id,), producer=producer, queue=queue, retry=retry)
            return
        for start in range(0, len(ids), SEND_CHUNK):
            app.send_task(
                SEND_CHUNK_TASK,
                (ids[start : start + SEND_CHUNK],),
                producer=producer,
                queue=queue,
                retry=retry,
            )


def enqueue_on_commit(ids, queue: str = URGENT) -> None:
    """For web requests (urgent alerts): enqueue after the transaction commits, bounded in
    time; a broker failure is logged, never raised (the claims are committed and the next
    sweep re-enqueues them)."""
    ids = list(ids)

    def _enqueue():
        broker.publish_for_request(
            lambda: enqueue_deliveries(ids, queue, retry=False), f"{len(ids)} deliveries"
        )

    transaction.on_commit(_enqueue)
