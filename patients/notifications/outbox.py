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
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from ldn_journal.celery import app
from patients.models import PushSubscription, ReminderDelivery
from patients.notifications.channels import PermanentFailure, TransientFailure
from patients.notifications.channels.email import EmailMessageParts, send_email
from patients.notifications.channels.push import send_push
from patients.notifications.claims import stuck_after

log = logging.getLogger(__name__)

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

    def render(self, delivery: ReminderDelivery) -> Rendered:  # pragma: no cover - abstract
        raise NotImplementedError


RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    RENDERERS[kind] = renderer


# --- The state machine -----------------------------------------------------------------------


def retry_countdown(attempts: int) -> int:
    """Exponential backoff, capped below the sweep's re-enqueue age (never a long ETA)."""
    base = settings.LDN_REMINDER_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.LDN_REMINDER_REQUEUE_SECONDS))


# take() and _finish() run twice per message: plain SQL, so a message costs two short round
# trips and no query building (the ORM's compile was as long as the UPDATE itself).
_TABLE = ReminderDelivery._meta.db_table


def _finish_sql(delivery_id: int, status: str, reason: str = "", sent_at=None):
    return (
        f"UPDATE {_TABLE} SET status = %s, last_error = %s, "  # noqa: S608
        "sent_at = COALESCE(%s, sent_at) WHERE id = %s AND status = %s",
        [
            status,
            reason[:300],
            connection.ops.adapt_datetimefield_value(sent_at),
            delivery_id,
            Status.SENDING,
        ],
    )


def _finish(delivery_id: int, status: str, reason: str = "", sent_at=None) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(*_finish_sql(delivery_id, status, reason, sent_at))
        return cursor.rowcount == 1


def take(delivery_id: int, real_now: datetime, after=None) -> bool:
    """pending (or stuck in sending) -> sending; False if another sender has it or it is
    done. The one place where a delivery is taken for sending.

    `after` is the previous message's finishing UPDATE: on PostgreSQL both go in one round
    trip, the finish first, so the previous message is recorded before this one is sent."""
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
            cursor.execute(f"{after[0]}; {sql}", [*after[1], *params])
            cursor.nextset()
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
    rows = ReminderDelivery.objects.select_related("recipient", "patient").in_bulk(ids)
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
            taken = take(delivery_id, timezone.now(), after=recorded)
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
            with connection.cursor() as cursor:
                cursor.execute(*recorded)
    return outcomes


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
    renderer = RENDERERS.get(delivery.kind)
    if renderer is None:
        return finish(Status.FAILED, f"No renderer for {delivery.kind}.")
    reason = renderer.skip_reason(delivery, now)
    if reason:
        return finish(Status.SKIPPED, reason)
    try:
        rendered = renderer.render(delivery)
        if delivery.channel == Channel.EMAIL:
            if rendered.email is None:
                raise PermanentFailure("This message has no email form.")
            send_email(delivery.recipient.email, rendered.email)
        else:
            if rendered.push is None:
                raise PermanentFailure("This message has no push form.")
            send_push(PushSubscription.objects.filter(user=delivery.recipient), rendered.push)
    except PermanentFailure as exc:
        log.warning("delivery %s failed: %s", delivery_id, exc)
        return finish(Status.FAILED, str(exc))
    except TransientFailure as exc:
        if delivery.attempts >= settings.LDN_REMINDER_MAX_ATTEMPTS:
            log.warning(
                "delivery %s failed after %s attempts: %s", delivery_id, delivery.attempts, exc
            )
            return finish(Status.FAILED, f"Gave up after {delivery.attempts} attempts: {exc}")
        # Back to pending; sending_since keeps the attempt time so the sweep waits too.
        _finish(delivery_id, Status.PENDING, str(exc))
        return Outcome(
            delivery_id, Status.PENDING, str(exc), retry_in=retry_countdown(delivery.attempts)
        )
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
# The send tasks (patients.notifications.tasks), published by name: the outbox sits below the
# module that defines them, and the producers above it enqueue through here.
SEND_ONE = "patients.send_delivery"
SEND_CHUNK_TASK = "patients.send_deliveries"


def enqueue_deliveries(ids) -> None:
    """Hand delivery ids to the workers over one broker connection: a few ids as one send
    task each, more in chunks of SEND_CHUNK ids per task (100k due reminders are 1,000
    publishes, not 100,000). Raises if the broker is down: the caller decides whether that
    is loud (the sweep) or logged."""
    ids = list(ids)
    with app.producer_or_acquire() as producer:
        if len(ids) <= ONE_TASK_EACH_UP_TO:
            for delivery_id in ids:
                app.tasks[SEND_ONE].apply_async((delivery_id,), producer=producer)
            return
        for start in range(0, len(ids), SEND_CHUNK):
            app.tasks[SEND_CHUNK_TASK].apply_async(
                (ids[start : start + SEND_CHUNK],), producer=producer
            )


def retry_later(outcomes) -> None:
    """Re-enqueue each transient failure of a chunk on its own, after its backoff. If the
    broker is down it stays pending and the sweep re-enqueues it."""
    for outcome in outcomes:
        if outcome.retry_in is None:
            continue
        try:
            app.tasks[SEND_ONE].apply_async((outcome.delivery_id,), countdown=outcome.retry_in)
        except Exception:
            log.exception("could not schedule a retry of delivery %s", outcome.delivery_id)


def enqueue_on_commit(ids) -> None:
    """For web requests: enqueue after the transaction commits; a broker failure is logged,
    never raised (the claims are committed and the next sweep re-enqueues them)."""
    ids = list(ids)

    def _enqueue():
        try:
            enqueue_deliveries(ids)
        except Exception:
            log.exception("could not enqueue %s deliveries; the sweep will retry", len(ids))

    transaction.on_commit(_enqueue)
