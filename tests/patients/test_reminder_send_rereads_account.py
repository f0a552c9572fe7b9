"""A chunk of claimed reminders is loaded once, then sent one by one: each send re-reads the
account first, so a patient deactivated, or who switched the channel off, while the chunk's
earlier messages went out (or while the sweep that claimed theirs was running) gets
nothing."""

from datetime import UTC, datetime

import pytest

from ldn_journal.accounts.accounts_admin import set_user_active
from patients.models import Patient, ReminderDelivery
from patients.notifications import outbox
from patients.notifications import sweep as sweeper
from tests.patients.reminder_support import patient_on_plan

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status
EVENING = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)


def claim_both():
    first = patient_on_plan(user__email="first@example.org")
    second = patient_on_plan(user__email="second@example.org")
    ids = sweeper.sweep(EVENING, dispatch=lambda ids: None).claimed
    by_patient = dict(ReminderDelivery.objects.filter(pk__in=ids).values_list("patient_id", "pk"))
    return first, second, [by_patient[first.pk], by_patient[second.pk]]


def sending_runs(monkeypatch, change):
    """Record who each email went to; run ``change`` after the chunk's first send."""
    sent = []

    def send_email(to, parts):
        sent.append(to)
        if len(sent) == 1:
            change()

    monkeypatch.setattr(outbox, "send_email", send_email)
    return sent


def status_of(delivery_id):
    return ReminderDelivery.objects.values_list("status", "last_error").get(pk=delivery_id)


def test_a_patient_deactivated_while_the_chunk_sends_gets_nothing(monkeypatch):
    _first, second, ids = claim_both()
    sent = sending_runs(monkeypatch, lambda: set_user_active(second.user, False))

    outbox.send_deliveries(ids, EVENING)

    assert sent == ["first@example.org"]
    assert status_of(ids[1]) == (Status.SKIPPED, "Account deactivated.")


def test_a_patient_who_switches_email_off_while_the_chunk_sends_gets_nothing(monkeypatch):
    _first, second, ids = claim_both()
    sent = sending_runs(
        monkeypatch,
        lambda: Patient.objects.filter(pk=second.pk).update(remind_by_email=False),
    )

    outbox.send_deliveries(ids, EVENING)

    assert sent == ["first@example.org"]
    assert status_of(ids[1]) == (Status.SKIPPED, "Email reminders switched off.")


def test_an_email_address_changed_while_the_chunk_sends_is_the_one_written_to(monkeypatch):
    _first, second, ids = claim_both()
    sent = sending_runs(
        monkeypatch,
        lambda: (
            type(second.user)
            .objects.filter(pk=second.user_id)
            .update(email="second.new@example.org")
        ),
    )

    outbox.send_deliveries(ids, EVENING)

    assert sent == ["first@example.org", "second.new@example.org"]


def test_a_deactivation_during_the_sweep_is_respected_by_its_in_process_send(monkeypatch):
    patient = patient_on_plan(user__email="pat@example.org")
    sent = []
    monkeypatch.setattr(outbox, "send_email", lambda to, parts: sent.append(to))
    claim_many = sweeper.claim_many

    def claim_after_a_deactivation(rows, now):
        # The sweep read the patient as active; the admin deactivates them before it claims.
        set_user_active(patient.user, False)
        return claim_many(rows, now)

    monkeypatch.setattr(sweeper, "claim_many", claim_after_a_deactivation)

    result = sweeper.sweep(EVENING, dispatch=lambda ids: outbox.send_deliveries(ids, EVENING))

    assert sent == []
    [delivery_id] = result.claimed
    assert status_of(delivery_id) == (Status.SKIPPED, "Account deactivated.")
