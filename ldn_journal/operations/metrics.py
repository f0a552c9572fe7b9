"""Prometheus metrics: what the database and the broker say at scrape time, and request
latency by view measured in each web process.

The delivery, urgent, sweep and channel figures are read from the database when scraped,
so every web process answers the same whatever worker did the work. Request latency is a
histogram per process; with several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (compose
does) and the processes' histograms are summed at scrape time.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ldn_journal.celery import QUEUES, app
from ldn_journal.operations import heartbeat
from ldn_journal.operations.models import ChannelState
from patients.models import ReminderDelivery, UrgentReport

log = logging.getLogger(__name__)

# Deliveries are counted over the claims of the last day: the table keeps every night's.
DELIVERY_WINDOW = timedelta(hours=24)

# Per process; summed over processes through PROMETHEUS_MULTIPROC_DIR when it is set (each
# process writes its values to files there, so it must exist before the first request).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_LATENCY = Histogram(
    "ldn_request_duration_seconds",
    "Time to answer a request, by resolved view name (never the path: it holds ids).",
    ["view", "method", "status"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=PROCESS_REGISTRY,
)


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        return "unresolved"
    return match.view_name


class RequestLatencyMiddleware:
    """Outermost middleware: times each request and files it under its view's URL name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_LATENCY.labels(
            _view_name(request), request.method, f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


class OperationsCollector:
    """Reads deliveries, urgent reports, the sweep heartbeat, channels and queue lengths."""

    def collect(self):
        now = timezone.now()
        yield from self._deliveries(now)
        yield from self._urgent(now)
        yield from self._sweep(now)
        yield from self._channels()
        yield from self._queues()

    def _deliveries(self, now):
        Status = ReminderDelivery.Status
        counts = GaugeMetricFamily(
            "ldn_deliveries",
            "Deliveries claimed in the last 24 hours, by kind and status.",
            labels=["kind", "status"],
        )
        rows = (
            # Every status named, so PostgreSQL reads the (status, claimed_at) index per status
            # instead of scanning months of deliveries at each scrape.
            ReminderDelivery.objects.filter(
                status__in=Status.values, claimed_at__gte=now - DELIVERY_WINDOW
            )
            .values("kind", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts.add_metric([row["kind"], row["status"]], row["n"])
        yield counts
        oldest = GaugeMetricFamily(
            "ldn_delivery_oldest_pending_seconds",
            "Age of the oldest delivery still pending or sending, by kind (0: none).",
            labels=["kind"],
        )
        waiting = (
            ReminderDelivery.objects.filter(status__in=(Status.PENDING, Status.SENDING))
            .values("kind")
            .annotate(first=Min("claimed_at"))
            .order_by()
        )
        seen = {row["kind"]: (now - row["first"]).total_seconds() for row in waiting}
        for kind in ReminderDelivery.Kind.values:
            oldest.add_metric([kind], max(seen.get(kind, 0.0), 0.0))
        yield oldest

    def _urgent(self, now):
        open_reports = UrgentReport.objects.open()
        summary = open_reports.aggregate(n=Count("pk"), first=Min("created_at"))
        yield GaugeMetricFamily(
            "ldn_urgent_reports_open",
            "Urgent reports no clinician has acknowledged yet.",
            value=summary["n"],
        )
        first = summary["first"]
        yield GaugeMetricFamily(
            "ldn_urgent_report_oldest_unacknowledged_seconds",
            "Age of the oldest unacknowledged urgent report (0: none).",
            value=(now - first).total_seconds() if first else 0.0,
        )
        Kind, Status = ReminderDelivery.Kind, ReminderDelivery.Status
        undelivered = ReminderDelivery.objects.filter(
            Q(attempts__gte=settings.LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS)
            | Q(status=Status.FAILED),
            kind__in=(Kind.URGENT, Kind.ESCALATION),
            report__acknowledged_at__isnull=True,
        ).exclude(status__in=(Status.SENT, Status.SKIPPED, Status.EXPIRED))
        yield GaugeMetricFamily(
            "ldn_urgent_alerts_undelivered",
            "Alerts of open urgent reports that keep failing (the admins have been told).",
            value=undelivered.count(),
        )

    def _sweep(self, now):
        beat = heartbeat.last(heartbeat.SWEEP)
        since = GaugeMetricFamily(
            "ldn_sweep_seconds_since_last",
            "Seconds since the reminder sweep tick last finished (-1: never).",
        )
        duration = GaugeMetricFamily(
            "ldn_sweep_duration_seconds", "How long the last sweep tick took."
        )
        lag = GaugeMetricFamily(
            "ldn_sweep_lag_seconds",
            "How long the last sweep tick waited in the queue before a worker started it.",
        )
        if beat is None:
            since.add_metric([], -1)
        else:
            since.add_metric([], (now - beat.finished_at).total_seconds())
            duration.add_metric([], beat.duration_seconds)
            lag.add_metric([], beat.lag_seconds)
        yield since
        yield duration
        yield lag

    def _channels(self):
        failing = GaugeMetricFamily(
            "ldn_channel_failing", "1 while a delivery channel is failing.", labels=["channel"]
        )
        current = GaugeMetricFamily(
            "ldn_channel_outage_failures",
            "Transient failures since the channel started failing (0 while it works).",
            labels=["channel"],
        )
        total = CounterMetricFamily(
            "ldn_channel_failures",
            "Transient delivery failures by channel, ever.",
            labels=["channel"],
        )
        for state in ChannelState.objects.order_by("channel"):
            failing.add_metric([state.channel], 1 if state.failing_since else 0)
            current.add_metric([state.channel], state.failures)
            total.add_metric([state.channel], state.failures_total)
        yield failing
        yield current
        yield total

    def _queues(self):
        up = GaugeMetricFamily("ldn_broker_up", "1 when the broker answered this scrape.")
        lengths = GaugeMetricFamily(
            "ldn_broker_queue_length", "Messages waiting in each queue.", labels=["queue"]
        )
        try:
            with app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1)
                channel = conn.default_channel
                sizes = {queue: channel._size(queue) for queue in QUEUES}
        except Exception as exc:  # noqa: BLE001 - the scrape still answers, broker_up 0
            log.warning("metrics: broker unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for queue, size in sizes.items():
            lengths.add_metric([queue], size)
        yield up
        yield lengths


def exposition() -> bytes:
    """The text format Prometheus scrapes."""
    registry = CollectorRegistry(auto_describe=True)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(PROCESS_REGISTRY)
    registry.register(OperationsCollector())
    return generate_latest(registry)
