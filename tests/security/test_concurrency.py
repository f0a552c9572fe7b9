"""Concurrency on PostgreSQL: sweeps racing for the same reminders.

The other races have their tests beside their features (run in CI on PostgreSQL):
- 20 threads double-submitting one night: tests/patients/test_journal_concurrency.py
- two clinicians changing one plan at once: tests/prescriptions/test_changes.py
- an invitation accepted twice at once: tests/accounts/test_invitation_race.py
- an urgent report posted twice: tests/patients/test_urgent.py
This file adds sweeps that really run at the same moment (the reminders tests run them one
after the other, and through a worker).
"""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from patients.models import ReminderDelivery
from patients.notifications import sweep
from tests import figures
from tests.patients.reminder_support import patient_on_plan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite's shared in-memory test database refuses concurrent writers outright; "
        "this runs on PostgreSQL (set DATABASE_URL, as CI does)",
    ),
]

SWEEPS = 4
PATIENTS = 12


def test_sweeps_racing_for_the_same_minute_claim_each_reminder_exactly_once():
    for _ in range(PATIENTS):
        patient_on_plan()
    # Every one of them is due the same evening reminder (London, 21:00).
    now = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)
    barrier = threading.Barrier(SWEEPS)
    claimed = [None] * SWEEPS
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            claimed[index] = sweep.sweep(now, dispatch=lambda ids: None).claimed
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    all_claims = [delivery for claims in claimed for delivery in claims]
    assert len(all_claims) == len(set(all_claims)), "a reminder was claimed by two sweeps"
    assert len(all_claims) == PATIENTS
    assert ReminderDelivery.objects.count() == PATIENTS
    assert set(ReminderDelivery.objects.values_list("pk", flat=True)) == set(all_claims)
    figures.add("concurrency", "racing sweeps, reminders claimed once", PATIENTS)
