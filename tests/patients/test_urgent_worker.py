"""Urgent alerts through the real moving parts: Redis, a Celery worker, an SMTP sink.

PostgreSQL only (the worker must see the test's committed rows); CI runs them there. Each
test starts its own redis-server (tests/patients/worker_support.py, the reminders' pattern).
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from patients.models import ReminderDelivery, UrgentReport
from patients.notifications import outbox as delivery
from patients.notifications import tasks
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.urgent_support import urgent_report
from tests.patients.worker_support import Worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status


@pytest.fixture
def worker(redis_server, sink, tmp_path):
    started = Worker(redis_server.url, sink.port, tmp_path).start()
    yield started
    started.stop()


def all_sent(kind):
    rows = ReminderDelivery.objects.filter(kind=kind)
    return rows.exists() and all(s == Status.SENT for s in rows.values_list("status", flat=True))


def test_a_report_posted_twice_and_redelivered_reaches_each_clinician_once(worker, sink):
    team = [ClinicianFactory(), ClinicianFactory()]
    patient = PatientFactory(clinicians=team)
    submission = uuid.uuid4()
    for _ in range(2):  # the flaky phone posts twice
        urgent_report(
            patient, timezone.now(), symptoms=["hallucinations"], submission_id=submission
        )
    assert UrgentReport.objects.count() == 1
    wait_for(lambda: len(sink.messages) >= 2, 60, what="two alert emails")
    wait_for(lambda: all_sent(Kind.URGENT), 30, what="alerts marked sent")
    # The broker redelivers every task (a worker restart, a visibility timeout).
    delivery.enqueue_deliveries(list(ReminderDelivery.objects.values_list("pk", flat=True)))
    wait_for(
        lambda: worker.output().count("succeeded") >= 4, 30, what="the redelivered tasks to run"
    )
    assert sorted(m["To"] for m in sink.messages) == sorted(c.email for c in team)
    assert sink.duplicates() == 0
    assert all("urgent report from a patient" in m["Subject"].lower() for m in sink.messages)


def test_the_beat_sweep_escalates_an_unanswered_report_once_through_the_worker(
    worker, sink, settings
):
    clinician = ClinicianFactory()
    admin = AdminFactory()
    patient = PatientFactory(clinicians=[clinician])
    started = timezone.now() - timedelta(minutes=settings.LDN_URGENT_ESCALATE_MINUTES + 1)
    report = urgent_report(patient, started, symptoms=["rash_swelling"], since="few_hours")
    wait_for(lambda: len(sink.messages) >= 1, 60, what="the first alert")
    for _ in range(2):  # two beat ticks
        tasks.sweep_reminders_task.delay()
    wait_for(lambda: len(sink.messages) >= 3, 60, what="the escalation emails")
    wait_for(lambda: all_sent(Kind.ESCALATION), 30, what="escalations marked sent")
    report.refresh_from_db()
    assert report.escalated_at is not None
    escalated_to = sorted(
        m["To"] for m in sink.messages if m["Subject"].lower().startswith("still unanswered")
    )
    assert escalated_to == sorted([clinician.email, admin.email])
    assert sink.duplicates() == 0
