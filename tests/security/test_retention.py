"""Finding 11: a daily task clears expired sessions and applies the documented retention
periods to access-log rows (6 years by default: HIPAA's documentation rule) and reminder
delivery rows (400 days). The clock is fixed; nothing younger than its period is touched.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from ldn_journal.accounts.models import AccessLog
from ldn_journal.accounts.tasks import apply_retention_task
from ldn_journal.celery import app
from patients.models import ReminderDelivery, UrgentReport

pytestmark = pytest.mark.django_db

NOW = datetime(2032, 6, 1, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def run_daily_task():
    return apply_retention_task.apply().get()


def test_the_defaults_keep_access_logs_six_years_and_deliveries_400_days(settings):
    assert settings.LDN_ACCESS_LOG_RETENTION_DAYS == 6 * 365 + 2  # with the leap days
    assert settings.LDN_DELIVERY_RETENTION_DAYS == 400


def test_the_task_runs_daily_from_beat():
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == "accounts.retention"]
    assert entry["schedule"] == crontab(minute=30, hour=3)


def log_at(at, patient=None):
    return AccessLog.objects.create(at=at, action="patient.view", patient=patient)


def test_access_log_rows_older_than_the_period_are_deleted_and_younger_kept(settings, patient_a):
    settings.LDN_ACCESS_LOG_RETENTION_DAYS = 2192
    cutoff = NOW - 2192 * DAY
    old = log_at(cutoff - timedelta(seconds=1), patient_a)
    kept = log_at(cutoff + timedelta(seconds=1), patient_a)
    run_daily_task()
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert AccessLog.objects.filter(pk=kept.pk).exists()


def test_zero_keeps_access_log_rows_for_ever(settings):
    settings.LDN_ACCESS_LOG_RETENTION_DAYS = 0
    ancient = log_at(NOW - 10_000 * DAY)
    run_daily_task()
    assert AccessLog.objects.filter(pk=ancient.pk).exists()


def delivery(patient, claimed_at, status="sent", kind="evening", report=None):
    return ReminderDelivery.objects.create(
        key=f"{patient.pk}:{claimed_at.isoformat()}:{kind}:{status}",
        recipient=patient.user,
        patient=patient,
        night=claimed_at.date(),
        kind=kind,
        channel="email",
        status=status,
        report=report,
        due_at=claimed_at,
        claimed_at=claimed_at,
    )


def test_finished_deliveries_older_than_the_period_are_deleted(settings, patient_a):
    settings.LDN_DELIVERY_RETENTION_DAYS = 400
    old = NOW - 401 * DAY
    finished = [delivery(patient_a, old, status) for status in ("sent", "failed", "skipped")]
    young = delivery(patient_a, NOW - 399 * DAY)
    run_daily_task()
    assert not ReminderDelivery.objects.filter(pk__in=[d.pk for d in finished]).exists()
    assert ReminderDelivery.objects.filter(pk=young.pk).exists()


def test_an_unfinished_delivery_is_never_deleted(settings, patient_a):
    settings.LDN_DELIVERY_RETENTION_DAYS = 400
    stuck = delivery(patient_a, NOW - 500 * DAY, status="pending")
    run_daily_task()
    assert ReminderDelivery.objects.filter(pk=stuck.pk).exists()


def test_urgent_alert_deliveries_stay_with_their_report(settings, patient_a):
    # Who was alerted about a bad reaction, and when, is part of the report's record.
    settings.LDN_DELIVERY_RETENTION_DAYS = 400
    report = UrgentReport.objects.create(patient=patient_a, symptoms=["other"], severity="severe")
    alert = delivery(patient_a, NOW - 500 * DAY, kind="urgent", report=report)
    run_daily_task()
    assert ReminderDelivery.objects.filter(pk=alert.pk).exists()


def test_expired_sessions_are_cleared_and_live_ones_kept():
    for expiry, key in ((NOW - DAY, "old"), (NOW + DAY, "live")):
        store = SessionStore()
        store["marker"] = key
        store.set_expiry(expiry)
        store.create()
    run_daily_task()
    assert [SessionStore().decode(s.session_data)["marker"] for s in Session.objects.all()] == [
        "live"
    ]


def test_the_task_reports_what_it_removed(settings, patient_a):
    settings.LDN_ACCESS_LOG_RETENTION_DAYS = 10
    settings.LDN_DELIVERY_RETENTION_DAYS = 10
    log_at(NOW - 11 * DAY)
    delivery(patient_a, NOW - 11 * DAY)
    assert run_daily_task() == {
        "access_log": 1,
        "deliveries": 1,
        "sessions": 0,
        "bulk_invitations": 0,
    }
