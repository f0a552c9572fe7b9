"""What the sender judges again when a claimed reminder's turn comes: the patient may have
switched the channel off (the one-click unsubscribe in the email before it, or the settings
page) between the sweep's claim and the worker's send. (Dropping the send-time check passed
every earlier test: found by break-checking.)"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patients.models import ReminderDelivery
from patients.notifications import sweep
from patients.notifications.outbox import send_delivery, unsubscribe_token
from tests.patients.reminder_support import patient_on_plan

Status = ReminderDelivery.Status
EVENING = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_an_email_reminder_claimed_before_a_one_click_unsubscribe_is_not_sent(client):
    patient = patient_on_plan(user__email="pat@example.org")
    [delivery_id] = sweep.sweep(EVENING, dispatch=lambda ids: None).claimed
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        client.post(
            reverse("reminders_unsubscribe", args=[unsubscribe_token(patient.user_id, "reminders")])
        )
        assert send_delivery(delivery_id) == Status.SKIPPED
    assert mail.outbox == []
    row = ReminderDelivery.objects.get(pk=delivery_id)
    assert row.last_error == "Email reminders switched off."


def test_a_push_reminder_claimed_before_push_is_switched_off_is_not_sent(vapid_keys):
    patient = patient_on_plan(remind_by_email=False, remind_by_push=True)
    patient.user.push_subscriptions.create(
        endpoint="https://push.example.org/abc", p256dh="x", auth="y"
    )
    [delivery_id] = sweep.sweep(EVENING, dispatch=lambda ids: None).claimed
    type(patient).objects.filter(pk=patient.pk).update(remind_by_push=False)
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        assert send_delivery(delivery_id) == Status.SKIPPED
    assert ReminderDelivery.objects.get(pk=delivery_id).last_error == "Push reminders switched off."
