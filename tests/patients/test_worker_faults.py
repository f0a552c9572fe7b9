"""Faults with the real moving parts: Redis, a Celery worker subprocess, an SMTP sink.

PostgreSQL only (the worker must see the test's committed rows); CI runs them there.
Each test starts its own redis-server on a free port, so restarting it harms nobody.
"""

import threading
import time
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from patients.models import NightlyEntry, ReminderDelivery
from patients.notifications import sweep, tasks
from tests.patients.reminder_support import patient_on_plan
from tests.patients.worker_support import (
    Worker,
    evening_now,
    plan_start,
    point_celery_at,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
Status = ReminderDelivery.Status


@pytest.fixture
def worker(redis_server, sink, tmp_path):
    started = []

    def make():
        w = Worker(redis_server.url, sink.port, tmp_path).start()
        started.append(w)
        return w

    yield make
    for w in started:
        w.stop()


def due_patients(count):
    zone, at = evening_now()
    return [
        patient_on_plan(
            tz=zone,
            reminder_time=at,
            last_call=False,
            start=plan_start(),
            user__email=f"p{i}-{uuid.uuid4().hex[:6]}@example.org",
        )
        for i in range(count)
    ]


def statuses():
    return sorted(ReminderDelivery.objects.values_list("status", flat=True))


def sweep_until_all_sent(expected, timeout=40):
    """What beat does: a sweep a second (the thresholds are seconds in these tests)."""

    def done():
        sweep.sweep(timezone.now())
        return ReminderDelivery.objects.filter(status=Status.SENT).count() >= expected

    wait_for(done, timeout, interval=1.0, what=f"{expected} deliveries sent")


def test_smtp_refusing_then_accepting_is_retried_and_sent_once(worker, sink):
    sink.refuse_left = 2
    due_patients(1)
    worker()
    result = sweep.sweep(timezone.now())
    assert len(result.claimed) == 1
    sweep_until_all_sent(1)  # the sweep hands the retry back once its time has come
    assert sink.refused == 2
    assert len(sink.messages) == 1
    row = ReminderDelivery.objects.get()
    assert row.attempts == 3


def test_two_sweeps_in_the_same_minute_send_one_email_per_reminder(worker, sink):
    due_patients(5)
    worker()
    now = timezone.now()
    barrier = threading.Barrier(2)
    results = []

    def beat():

        barrier.wait()
        try:
            results.append(sweep.sweep(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(len(r.claimed) for r in results) == 5
    wait_for(lambda: len(sink.messages) >= 5, 30, what="five emails")
    assert sink.duplicates() == 0
    assert len(sink.messages) == 5


def test_a_worker_killed_mid_batch_loses_nothing_once_restarted(worker, sink):
    sink.delay = 0.4  # long enough that the kill most likely lands mid-send
    patients = due_patients(12)
    first = worker()
    assert len(sweep.sweep(timezone.now()).claimed) == 12
    wait_for(lambda: len(sink.messages) >= 4, 30, what="the batch under way")
    time_in = 0.2
    time.sleep(time_in)
    first.sigkill()
    in_flight = ReminderDelivery.objects.filter(status=Status.SENDING).count()
    worker()
    sweep_until_all_sent(12)
    delivered = {to for to, _subject in sink.sent()}
    assert delivered == {p.user.email for p in patients}
    duplicates = sink.duplicates()
    print(f"\nSIGKILL mid-batch: {in_flight} in flight at the kill, {duplicates} duplicate(s)")
    assert duplicates <= 1


def test_redis_restarted_empty_with_tasks_queued_still_sends_every_claim_once(
    worker, sink, redis_server
):
    due_patients(6)
    assert len(sweep.sweep(timezone.now()).claimed) == 6  # queued; no worker yet
    redis_server.restart_empty()
    point_celery_at(redis_server.url)
    worker()
    sweep_until_all_sent(6)
    assert len(sink.messages) == 6
    assert sink.duplicates() == 0


def test_redis_down_during_a_sweep_fails_loudly_and_the_next_sweep_sends(
    worker, sink, redis_server, caplog, monkeypatch
):
    due_patients(3)
    redis_server.kill()
    monkeypatch.setattr(tasks.time, "sleep", lambda seconds: None)
    with pytest.raises(sweep.DispatchError):
        tasks.sweep_reminders_task.run()
    assert "could not enqueue 3 deliveries" in caplog.text
    assert "broker still unavailable (retry 2)" in caplog.text
    assert statuses() == [Status.PENDING] * 3  # claimed, committed, waiting
    redis_server.start()
    point_celery_at(redis_server.url)
    worker()
    sweep_until_all_sent(3)
    assert len(sink.messages) == 3
    assert sink.duplicates() == 0


def test_logging_a_dose_works_with_redis_down(redis_server, client):
    [patient] = due_patients(1)
    redis_server.kill()
    client.force_login(patient.user)
    response = client.post("/journal/taken/", {"submission_id": str(uuid.uuid4())})
    assert response.status_code == 302
    assert NightlyEntry.objects.filter(patient=patient, status="taken").exists()
    assert sweep.sweep(timezone.now()).claimed == []  # logged: nothing to remind
