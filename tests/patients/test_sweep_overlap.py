"""The sweep writing each batch on a second connection while it plans the next one."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from patients.models import ReminderDelivery
from patients.notifications import due, sweep
from tests.patients.reminder_support import patient_on_plan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the overlapped sweep runs on PostgreSQL only (set DATABASE_URL, as CI does)",
    ),
]

NOW = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)  # London patients' 21:00 evening reminder


def writer_threads():
    return [t for t in threading.enumerate() if t.name == "reminder-sweep-writer"]


def test_an_overlapped_sweep_claims_every_due_patient_once_and_moves_each_on():
    patients = [patient_on_plan(last_call=False) for _ in range(7)]
    batches = []

    result = sweep.sweep_part(
        NOW, patients[0].pk, patients[-1].pk, dispatch=batches.append, batch_size=2, overlap=True
    )

    assert sorted(result.claimed) == sorted(ReminderDelivery.objects.values_list("pk", flat=True))
    assert ReminderDelivery.objects.count() == 7
    assert result.looked_at == 7
    assert len(batches) == 4  # 2 + 2 + 2 + 1, each dispatched after its own commit
    assert not due.due_patients(NOW).exists()
    assert writer_threads() == []  # the writer stopped and closed its connection


def test_the_sweep_overlaps_writes_outside_a_transaction_on_postgresql_only():
    assert sweep.overlap_writes() is True
    with transaction.atomic():
        # A second connection could not see this transaction's rows.
        assert sweep.overlap_writes() is False


def test_the_overlap_can_be_turned_off_in_settings(settings):
    settings.LDN_REMINDER_SWEEP_OVERLAP = False
    assert sweep.overlap_writes() is False


def test_a_failed_hand_over_stops_the_overlapped_sweep_and_reaches_the_caller():
    patients = [patient_on_plan(last_call=False) for _ in range(6)]
    handed = []

    def broker_down_after_first(ids):
        handed.append(ids)
        raise ConnectionError("broker down")

    with pytest.raises(sweep.DispatchError) as raised:
        sweep.sweep_part(
            NOW,
            patients[0].pk,
            patients[-1].pk,
            dispatch=broker_down_after_first,
            batch_size=2,
            overlap=True,
        )

    # The first batch's claims were committed before its hand-over failed; the later
    # batches were dropped, as the in-turn sweep stops at its first failure. The next
    # sweep claims the rest and re-enqueues the two.
    assert len(handed) == 1
    assert raised.value.ids == handed[0]
    assert ReminderDelivery.objects.count() == 2
    assert due.due_patients(NOW).count() == 4
    assert writer_threads() == []
    later = sweep.sweep(NOW, dispatch=lambda ids: None)
    assert len(later.claimed) == 4
    assert ReminderDelivery.objects.count() == 6


def test_a_failure_while_planning_stops_the_writer_and_is_the_error_raised(monkeypatch):
    patients = [patient_on_plan(last_call=False) for _ in range(4)]
    planned = due._plan_batch
    calls = []

    def plan_then_fail(batch, now):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("planning failed")
        return planned(batch, now)

    monkeypatch.setattr(due, "_plan_batch", plan_then_fail)
    with pytest.raises(RuntimeError, match="planning failed"):
        sweep.sweep_part(
            NOW,
            patients[0].pk,
            patients[-1].pk,
            dispatch=lambda ids: None,
            batch_size=2,
            overlap=True,
        )
    # The batch planned before the failure was written; nothing after it.
    assert ReminderDelivery.objects.count() == 2
    assert writer_threads() == []


def plan_cache_mode():
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.fixture
def seen(monkeypatch):
    """The planner's mode the connection had at each of the sweep's reads of its claims."""
    modes = []
    read_claims = due._claimed_keys

    def watched(*args):
        modes.append(plan_cache_mode())
        return read_claims(*args)

    monkeypatch.setattr(due, "_claimed_keys", watched)
    return modes


@pytest.mark.parametrize("overlap", [True, False])
def test_the_sweep_plans_each_read_for_its_values_and_then_resets_the_connection(seen, overlap):
    """Its reads of the claims so far must not reuse a plan made when the deliveries table
    was empty (see sweep.custom_plans): the connection plans each one for its values while
    the sweep reads, and is left as it was found."""
    patients = [patient_on_plan(last_call=False) for _ in range(5)]
    before = plan_cache_mode()

    result = sweep.sweep_part(
        NOW, patients[0].pk, patients[-1].pk, dispatch=[].append, batch_size=2, overlap=overlap
    )

    assert result.looked_at == 5
    assert seen == ["force_custom_plan"] * 3
    assert plan_cache_mode() == before == "auto"


def test_a_sweep_that_fails_midway_still_resets_the_connection(monkeypatch):
    patients = [patient_on_plan(last_call=False) for _ in range(4)]

    def broken(*_args):
        raise RuntimeError("planning failed")

    monkeypatch.setattr(due, "_claimed_keys", broken)
    with pytest.raises(RuntimeError, match="planning failed"):
        sweep.sweep_part(NOW, patients[0].pk, patients[-1].pk, dispatch=[].append, batch_size=2)
    assert plan_cache_mode() == "auto"


def test_inside_a_transaction_the_setting_ends_with_it(seen):
    patients = [patient_on_plan(last_call=False) for _ in range(3)]
    with transaction.atomic():
        sweep.sweep_part(NOW, patients[0].pk, patients[-1].pk, dispatch=[].append, batch_size=2)
        assert seen == ["force_custom_plan"] * 2
    assert plan_cache_mode() == "auto"


def test_without_prepared_statements_the_sweep_leaves_the_planner_alone(monkeypatch, seen):
    """Every statement is planned for its values then, and behind a transaction-pooling
    PgBouncer (why they would be off) a session's SET would reach other clients."""
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {})
    patients = [patient_on_plan(last_call=False) for _ in range(3)]
    sweep.sweep_part(NOW, patients[0].pk, patients[-1].pk, dispatch=[].append, batch_size=2)
    assert seen == ["auto"] * 2
