"""A deactivated account's push subscriptions stay (a reactivated person's phone works again
without re-subscribing), and nothing is sent to them while deactivated: each sender skips an
inactive recipient at send time. Closing the account deletes them (test_account_closure)."""

from datetime import UTC, datetime

from ldn_journal.accounts.accounts_admin import set_user_active
from patients.models import PushSubscription, ReminderDelivery
from patients.notifications import outbox, sweep
from tests.patients.reminder_support import patient_on_plan

EVENING = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)


def test_a_reminder_claimed_before_a_deactivation_is_skipped_and_reaches_no_device(db, monkeypatch):
    patient_on_plan(dose="1.5")
    [delivery_id] = sweep.sweep(EVENING, dispatch=lambda ids: None).claimed
    delivery = ReminderDelivery.objects.select_related("recipient").get(pk=delivery_id)
    user = delivery.recipient
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example.org/p", p256dh="k", auth="a"
    )
    sent = []
    monkeypatch.setattr(outbox, "send_push", lambda *args, **_: sent.append(args))
    monkeypatch.setattr(outbox, "send_email", lambda *args: sent.append(args))

    assert set_user_active(user, False)
    outbox.send_deliveries([delivery_id], EVENING)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        ReminderDelivery.Status.SKIPPED,
        "Account deactivated.",
    )
    assert sent == []
    assert PushSubscription.objects.filter(user=user).exists()  # kept for a reactivation
