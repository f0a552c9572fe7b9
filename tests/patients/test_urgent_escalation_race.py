"""A clinician acknowledging an urgent report while the sweep escalates it (PostgreSQL).

The sweep reads the open reports, then claims each with a conditional UPDATE. When the
acknowledgement commits between the two, the UPDATE must find the report acknowledged and
escalate nothing: nobody is paged about a report a clinician has just answered.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections, transaction

from patients.models import ReminderDelivery, UrgentReport
from patients.urgent import reports as urgent
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.urgent_support import urgent_report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="needs row locks and concurrent connections: runs on PostgreSQL "
        "(set DATABASE_URL, as CI does)",
    ),
]

REPORTED = datetime(2026, 1, 15, 22, 0, tzinfo=UTC)
SWEEP_AT = REPORTED + timedelta(hours=1)  # well past the escalation delay


def _wait_for_a_blocked_lock(timeout_polls=2000):
    """Poll until another session waits on a row lock (the escalation's UPDATE)."""
    with connections["default"].cursor() as cursor:
        for _ in range(timeout_polls):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            cursor.execute("SELECT pg_sleep(0.005)")
    return False


def test_an_acknowledgement_committed_during_the_escalation_sweep_stops_the_escalation():
    clinician = ClinicianFactory()
    patient = PatientFactory(clinicians=[clinician])
    report = urgent_report(patient, REPORTED, symptoms=["severe_headache"], since="")
    acknowledged, release = threading.Event(), threading.Event()
    escalated, errors = [], []

    def acknowledge():
        try:
            with transaction.atomic():
                urgent.acknowledge(report, clinician, "Seen: call me", SWEEP_AT)
                acknowledged.set()  # the row is locked and acknowledged, not yet committed
                release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            acknowledged.set()
            connections.close_all()

    def escalate():
        try:
            escalated.extend(urgent.escalate_due(SWEEP_AT))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    clinic = threading.Thread(target=acknowledge)
    clinic.start()
    assert acknowledged.wait(timeout=30)
    sweep = threading.Thread(target=escalate)
    sweep.start()  # reads the report as still open, then waits on the row lock
    assert _wait_for_a_blocked_lock()
    release.set()
    clinic.join(timeout=30)
    sweep.join(timeout=30)
    assert not errors, errors
    assert escalated == []
    report = UrgentReport.objects.get(pk=report.pk)
    assert report.acknowledged_at is not None
    assert report.escalated_at is None
    assert not ReminderDelivery.objects.filter(
        report=report, kind=ReminderDelivery.Kind.ESCALATION
    ).exists()
