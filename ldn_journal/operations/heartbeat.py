"""The sweep tick's heartbeat: when it last ran, how long it took, how late it started.

`manage.py health` and the metrics read it: no sweep for a few minutes means no worker is
taking the urgent queue, or beat is down, and reminders and urgent alerts wait."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from ldn_journal.operations.models import Heartbeat

SWEEP = "sweep"


def record(name: str, started_at: datetime, finished_at: datetime, lag_seconds: float) -> None:
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={
            "started_at": started_at,
            "finished_at": finished_at,
            "duration_seconds": (finished_at - started_at).total_seconds(),
            "lag_seconds": max(lag_seconds, 0.0),
        },
    )


def last(name: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(name=name).first()


def sweep_is_late(beat: Heartbeat | None, now: datetime) -> bool:
    """No sweep finished within LDN_HEALTH_SWEEP_MAX_AGE_SECONDS."""
    limit = timedelta(seconds=settings.LDN_HEALTH_SWEEP_MAX_AGE_SECONDS)
    return beat is None or now - beat.finished_at > limit
