"""What the workers leave for operators to read: a heartbeat per periodic job, and whether
each delivery channel is failing. Shared through the database, so any web process (the
metrics endpoint, `manage.py health`) sees what any worker process saw."""

from django.db import models


class Heartbeat(models.Model):
    """The last run of a periodic job (the reminder sweep tick), written when it ends."""

    name = models.CharField(max_length=40, primary_key=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)
    # How long the tick waited in the queue before a worker started it.
    lag_seconds = models.FloatField(default=0)

    def __str__(self):
        return f"{self.name} at {self.finished_at:%Y-%m-%d %H:%M:%S}"


class ChannelState(models.Model):
    """A delivery channel (email, push): failing since when, and failures counted."""

    channel = models.CharField(max_length=8, primary_key=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    # Transient failures since failing_since (zero while the channel works).
    failures = models.PositiveIntegerField(default=0)
    failures_total = models.PositiveBigIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    recovered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.channel}: {'failing' if self.failing_since else 'ok'}"
