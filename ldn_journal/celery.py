"""The Celery app, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.schedules import crontab

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
    timezone="UTC",
    enable_utc=True,
)
# The reminder sweep, every minute (never one beat row per patient). A tick the worker
# could not run within the minute is dropped: the next one covers it.
app.conf.beat_schedule = {
    "reminder-sweep": {
        "task": "patients.sweep_reminders",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The clinician list's stored rows: those due (the patient logged, or their night
    # turned; the list itself rewrites a few before reading; nothing due is one indexed
    # query), and every row nightly to repair any drift.
    "attention-refresh": {
        "task": "patients.refresh_attention",
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
app.autodiscover_tasks(["patients.notifications", "patients.clinic"])
