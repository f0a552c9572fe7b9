"""The Celery app, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery, signals
from celery.schedules import crontab
from kombu import Queue

from ldn_journal.log_redaction import redact_handlers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldn_journal.settings")

app = Celery("ldn_journal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # Off the web path (sweep, retries, beat) a publish may wait a little for a broker that
    # blinked; each attempt is bounded by the socket timeouts in settings. The web path
    # publishes without these retries (ldn_journal/broker.py).
    task_publish_retry_policy={
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 1,
    },
    timezone="UTC",
    enable_utc=True,
)

# Queues by urgency, so an urgent alert never waits behind a burst of reminders:
# - urgent: urgent alerts and escalations, notices about undelivered alerts, the sweep tick;
# - reminders: the sweep's send chunks and its fanned-out parts;
# - retries: what the sweep hands back (due retries, claims the queue lost), in chunks.
# A worker started without -Q takes all of them; production runs a worker that takes only
# `urgent` beside the others (docker-compose.yml). "celery" is the queue of older releases.
URGENT, REMINDERS, RETRIES, LEGACY = "urgent", "reminders", "retries", "celery"
QUEUES = (URGENT, REMINDERS, RETRIES, LEGACY)
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_default_queue = REMINDERS
app.conf.task_routes = {
    "patients.sweep_reminders": {"queue": URGENT},
    "patients.sweep_reminders_part": {"queue": REMINDERS},
    "patients.send_deliveries": {"queue": REMINDERS},
    # A bulk-invitation batch may run for minutes: off the reminders queue, so the sweep's
    # chunks never wait behind it (the main worker takes `celery` too).
    "accounts.send_bulk_invitations": {"queue": LEGACY},
}

# One schedule: the reminder sweep, every minute (never one beat row per patient). A tick
# the worker could not run within the minute is dropped: the next one covers it.
SWEEP_EVERY_SECONDS = 60.0
SWEEP_EXPIRES_SECONDS = 55
app.conf.beat_schedule = {
    "reminder-sweep": {
        "task": "patients.sweep_reminders",
        "schedule": SWEEP_EVERY_SECONDS,
        "options": {"expires": SWEEP_EXPIRES_SECONDS},
    },
    # Expired sessions, and access-log and delivery rows past their retention (SECURITY.md),
    # once a day at a quiet hour; a missed run is caught up by the next.
    "retention": {
        "task": "accounts.retention",
        "schedule": crontab(minute=30, hour=3),
        "options": {"expires": 6 * 3600},
    },
    # Closed patients' records past LDN_CLOSED_RECORD_RETENTION_DAYS, erased once a day.
    "erase-closed-records": {
        "task": "accounts.erase_closed",
        "schedule": crontab(minute=45, hour=3),
        "options": {"expires": 6 * 3600},
    },
    # The clinician list's stored rows: those due (the patient logged, or their night
    # turned; the list itself rewrites a few before reading; nothing due is one indexed
    # query), and every row nightly to repair any drift.
    "attention-refresh": {
        "task": "patients.refresh_attention",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Bulk invitation batches left "sending" (the broker was down when the admin pressed
    # Send, or a worker died) are handed to the broker again.
    "bulk-invitations-resume": {
        "task": "accounts.resume_bulk_invitations",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "attention-rebuild": {
        "task": "patients.rebuild_attention",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3600},
    },
}
# Tasks live beside what they serve, not at the app's top level.
app.autodiscover_tasks(["patients.notifications", "patients.clinic", "ldn_journal.accounts"])


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _redact_worker_logs(logger=None, **_kwargs):
    """A worker logs through Celery's own handlers, not LOGGING's: they redact too."""
    if logger is not None:
        redact_handlers(logger)
