"""`manage.py health` and /healthz?deep=1: database, cache, broker, worker heartbeat."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ldn_journal.celery import SWEEP_EXPIRES_SECONDS, app
from ldn_journal.operations import health, heartbeat
from patients.notifications import sweep, tasks
from patients.urgent import reports as urgent

TOKEN = "health-token-for-tests-0123456789"


def fresh_sweep(age_seconds=10):
    finished = timezone.now() - timedelta(seconds=age_seconds)
    heartbeat.record(heartbeat.SWEEP, finished - timedelta(seconds=1), finished, 0.2)


@pytest.mark.django_db
def test_health_passes_with_a_recent_sweep():
    fresh_sweep()
    out = StringIO()
    call_command("health", stdout=out)
    text = out.getvalue()
    for name in ("database", "cache", "broker", "worker"):
        assert f"{name:<9} ok" in text


@pytest.mark.django_db
def test_health_fails_when_no_sweep_ran_for_three_minutes(settings):
    fresh_sweep(age_seconds=settings.LDN_HEALTH_SWEEP_MAX_AGE_SECONDS + 5)
    out = StringIO()
    with pytest.raises(CommandError, match="unhealthy: worker"):
        call_command("health", stdout=out)
    assert "worker    FAIL" in out.getvalue()


@pytest.mark.django_db
def test_health_fails_when_no_sweep_ever_ran():
    assert health.check_worker().detail == "no sweep has ever run"
    assert health.check_worker().ok is False


@pytest.mark.django_db
def test_health_fails_when_the_broker_does_not_answer(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(app, "connection_for_write", refuse)
    check = health.check_broker()
    assert (check.ok, check.detail) == (False, "unavailable (ConnectionRefusedError)")


@pytest.mark.django_db
def test_deep_healthz_is_404_without_the_token(client, settings):
    settings.LDN_METRICS_TOKEN = TOKEN
    assert client.get("/healthz?deep=1").status_code == 404
    assert client.get("/healthz?deep=1", headers={"authorization": "Bearer x"}).status_code == 404


@pytest.mark.django_db
def test_deep_healthz_with_the_token_reports_each_check(client, settings):
    settings.LDN_METRICS_TOKEN = TOKEN
    fresh_sweep()
    response = client.get("/healthz?deep=1", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body) == {"status", "database", "cache", "broker", "worker"}


@pytest.mark.django_db
def test_deep_healthz_answers_503_when_a_check_fails(client, settings):
    settings.LDN_METRICS_TOKEN = TOKEN
    response = client.get("/healthz?deep=1", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503
    assert response.json()["worker"] == "no sweep has ever run"


def test_plain_healthz_still_needs_no_token(client, db):
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_each_sweep_tick_leaves_a_heartbeat(monkeypatch):
    monkeypatch.setattr(sweep, "sweep", lambda now, fan_out: sweep.SweepResult())
    monkeypatch.setattr(urgent, "sweep", lambda now: {})
    tasks.sweep_reminders_task.apply()
    assert health.check_worker().ok


def test_a_tick_that_waited_in_the_queue_records_how_long():
    started = datetime(2026, 11, 26, 21, 0, 12, tzinfo=UTC)
    published = started - timedelta(seconds=12)
    expires = published + timedelta(seconds=SWEEP_EXPIRES_SECONDS)
    tick = SimpleNamespace(request=SimpleNamespace(expires=expires.isoformat()))
    assert tasks._queued_for(tick, started) == 12.0
