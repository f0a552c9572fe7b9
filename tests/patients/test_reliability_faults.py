"""Issue 20's acceptance faults with the real moving parts: a private redis-server, a
Celery worker subprocess, an SMTP sink, PostgreSQL.

- The broker frozen (SIGSTOP: it accepts TCP and never answers): the urgent report POST
  returns (bounded by the clients' socket timeouts) with the report stored, and the alerts
  go out once the broker is back (SIGCONT).
- The worker's database backend terminated between SMTP acceptance and the UPDATE, three
  times: every message sent, none twice.
- SMTP refusing, then back: every urgent alert delivered exactly once.
"""

import os
import signal
import threading
import time
import uuid

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from patients.models import ReminderDelivery, UrgentReport
from patients.notifications import sweep
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.reminder_support import patient_on_plan
from tests.patients.urgent_support import urgent_report
from tests.patients.worker_support import (
    Sink,
    Worker,
    evening_now,
    plan_start,
    start_sink,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status


def tick():
    """What beat does, a second apart (the thresholds are seconds in these tests)."""
    sweep.sweep(timezone.now())


def sweep_until(predicate, what, timeout=60):
    def done():
        tick()
        return predicate()

    wait_for(done, timeout, interval=1.0, what=what)


def urgent_form():
    return {
        "submission_id": str(uuid.uuid4()),
        "symptoms": ["racing_heart"],
        "since": "within_hour",
        "severity": "severe",
    }


# --- The broker frozen ------------------------------------------------------------------------


@pytest.fixture
def frozen_cache_too(redis_server, settings):
    """In production the cache lives in the same Redis as the broker: freeze both."""
    settings.CACHES = {
        "default": {
            "BACKEND": "ldn_journal.cache.FailOpenRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {
                "socket_connect_timeout": settings.LDN_REDIS_TIMEOUT_SECONDS,
                "socket_timeout": settings.LDN_REDIS_TIMEOUT_SECONDS,
            },
        }
    }


def test_with_the_broker_frozen_the_urgent_report_answers_and_the_alert_goes_out_after(
    redis_server, frozen_cache_too, sink, tmp_path, client, caplog
):
    clinician = ClinicianFactory()
    patient = PatientFactory(clinicians=[clinician])
    worker = Worker(redis_server.url, sink.port, tmp_path).start()
    try:
        client.force_login(patient.user)
        os.kill(redis_server.process.pid, signal.SIGSTOP)
        try:
            answered = []

            def post():
                try:
                    answered.append(client.post("/journal/reaction/", urgent_form()))
                finally:
                    connections.close_all()  # this thread's own: left open, it outlived the tests

            request = threading.Thread(target=post)
            started = time.monotonic()
            request.start()
            # Only a guard against a hang wedging CI: the bound under test is the clients'
            # socket timeout (LDN_REDIS_TIMEOUT_SECONDS), not this join.
            request.join(60)
            seconds = time.monotonic() - started
            assert answered, "the urgent report POST hung on the frozen broker"
            assert answered[0].status_code == 200
            assert "Your report was sent" in answered[0].content.decode()
            report = UrgentReport.objects.get(patient=patient)
            assert list(report.deliveries.values_list("status", flat=True)) == [Status.PENDING]
            assert "left to the sweep" in caplog.text
            print(f"\nurgent report POST with the broker frozen: answered in {seconds:.2f} s")
        finally:
            os.kill(redis_server.process.pid, signal.SIGCONT)
        sweep_until(lambda: len(sink.messages) >= 1, "the alert after the broker came back")
        assert [to for to, _subject in sink.sent()] == [clinician.email]
        report.refresh_from_db()
        assert report.deliveries.get().status == Status.SENT
    finally:
        worker.stop()


# --- The backend terminated mid-send ----------------------------------------------------------


class TerminatingSink(Sink):
    """Accepts every message; for the chosen ones, terminates the worker's database backend
    after accepting and before answering 250: the sender's next UPDATE finds it gone."""

    def __init__(self, dsn, spare_pid, terminate_on):
        super().__init__()
        self.dsn = dsn
        self.spare_pid = spare_pid
        self.terminate_on = set(terminate_on)
        self.terminated = 0

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) in self.terminate_on:
            with psycopg.connect(self.dsn, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND pid <> %s",
                    [self.spare_pid],
                ).fetchone()[0]
            self.terminated += killed
        return answer


def test_backends_terminated_between_smtp_and_the_update_send_no_duplicate(redis_server, tmp_path):
    connection.ensure_connection()
    db = connection.settings_dict
    dsn = psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    handler = TerminatingSink(dsn, connection.connection.info.backend_pid, {1, 4, 7})
    controller = start_sink(handler)
    zone, at = evening_now()
    patients = [
        patient_on_plan(
            tz=zone,
            reminder_time=at,
            last_call=False,
            start=plan_start(),
            user__email=f"p{i}-{uuid.uuid4().hex[:6]}@example.org",
        )
        for i in range(10)
    ]
    worker = Worker(redis_server.url, controller.port, tmp_path).start()
    try:
        assert len(sweep.sweep(timezone.now()).claimed) == 10
        sweep_until(
            lambda: ReminderDelivery.objects.filter(status=Status.SENT).count() == 10,
            "every reminder recorded as sent",
        )
        for _ in range(5):  # later ticks, past the stuck threshold: nothing more to send
            time.sleep(1)
            tick()
        assert handler.terminated >= 3
        assert {to for to, _ in handler.sent()} == {p.user.email for p in patients}
        print(f"\nbackend terminated {handler.terminated}x mid-send: {handler.duplicates()} dup")
        assert handler.duplicates() == 0
        assert "recording it on a fresh connection" in worker.output()
    finally:
        worker.stop()
        controller.stop()


# --- SMTP down, then up -----------------------------------------------------------------------


class SwitchableSink(Sink):
    def __init__(self):
        super().__init__()
        self.down = True

    async def handle_DATA(self, server, session, envelope):
        if self.down:
            with self.lock:
                self.refused += 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_smtp_down_then_up_delivers_every_urgent_alert_exactly_once(redis_server, tmp_path):
    handler = SwitchableSink()
    controller = start_sink(handler)
    AdminFactory()
    teams = [[ClinicianFactory(), ClinicianFactory()] for _ in range(3)]
    patients = [PatientFactory(clinicians=team) for team in teams]
    worker = Worker(
        redis_server.url,
        controller.port,
        tmp_path,
        extra_env={
            "LDN_URGENT_RETRY_MAX_SECONDS": "2",
            "LDN_URGENT_TELL_ADMINS_AFTER_ATTEMPTS": "3",
        },
    ).start()
    try:
        for patient in patients:
            urgent_report(patient, timezone.now())
        alerts = ReminderDelivery.objects.filter(kind=Kind.URGENT)
        assert alerts.count() == 6
        sweep_until(
            lambda: all(a >= 3 for a in alerts.values_list("attempts", flat=True)),
            "three failed attempts per alert",
        )
        assert set(alerts.values_list("status", flat=True)) <= {Status.PENDING, Status.SENDING}
        handler.down = False
        sweep_until(
            lambda: set(alerts.values_list("status", flat=True)) == {Status.SENT},
            "every alert sent once SMTP is back",
        )
        for _ in range(3):
            time.sleep(1)
            tick()
        to_clinicians = [to for to, _ in handler.sent() if "urgent report" in _.lower()]
        assert sorted(to_clinicians) == sorted(c.email for team in teams for c in team)
        assert handler.duplicates() == 0
        output = worker.output()
        assert output.count("channel email started failing") == 1
        assert output.count("channel email recovered") == 1
    finally:
        worker.stop()
        controller.stop()
