"""Web Push: subscriptions refused when malformed, and sending end to end (RFC 8291)."""

import json
from datetime import UTC, datetime, timedelta

import http_ece
import pytest
import time_machine

from patients.models import PushSubscription, ReminderDelivery
from patients.notifications import outbox as delivery
from patients.notifications import sweep
from patients.notifications.channels import push as push_channel
from tests.patients.push_support import (
    EVENING,
    PushService,
    b64,
    claim_push,
    post,
    subscribe,
    subscription_json,
)

Status = ReminderDelivery.Status


# --- Subscribing ----------------------------------------------------------------------------


def test_a_valid_subscription_is_stored_and_push_switched_on(patient_client, patient_a):
    response = post(patient_client, {**subscription_json(), "label": "Pixel"})
    assert response.status_code == 201
    device = PushSubscription.objects.get(user=patient_a.user)
    assert device.label == "Pixel"
    patient_a.refresh_from_db()
    assert patient_a.remind_by_push


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"endpoint": "https://push.example.net/x"}, "needs an endpoint and keys"),
        (
            {**subscription_json(), "keys": {"p256dh": "AAAA", "auth": b64(b"x" * 16)}},
            "wrong length",
        ),
        (
            {**subscription_json(), "keys": {"p256dh": b64(b"\x04" + b"x" * 64), "auth": "%%%"}},
            "auth",
        ),
        (subscription_json(endpoint="http://push.example.net/send/abc"), "https://"),
        (subscription_json(endpoint="javascript:alert(1)"), "https://"),
        (subscription_json(endpoint="https://push.example.net/" + "a" * 100_000), "too large"),
        (json.dumps(subscription_json()) + " " * 100_000, "too large"),
    ],
    ids=[
        "bad-json",
        "no-keys",
        "short-p256dh",
        "bad-auth",
        "http",
        "javascript",
        "100kb-endpoint",
        "100kb-body",
    ],
)
def test_a_tampered_or_oversized_subscription_is_refused(patient_client, body, message):
    response = post(patient_client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert PushSubscription.objects.count() == 0


def test_a_patient_removes_a_device_but_not_someone_elses(patient_client, patient_a, patient_b):
    mine = PushSubscription.objects.create(
        user=patient_a.user, endpoint="https://p.example/1", p256dh="x", auth="y"
    )
    theirs = PushSubscription.objects.create(
        user=patient_b.user, endpoint="https://p.example/2", p256dh="x", auth="y"
    )
    assert patient_client.post(f"/journal/reminders/push/{theirs.pk}/remove/").status_code == 404
    assert patient_client.post(f"/journal/reminders/push/{mine.pk}/remove/").status_code == 302
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [theirs.pk]


# --- Sending ----------------------------------------------------------------------------------


@pytest.fixture
def push_service(monkeypatch):
    # The local stand-in is plain http on 127.0.0.1, which the endpoint checks refuse (as
    # tests/security/test_push_ssrf.py proves); here it plays a real push service.
    monkeypatch.setattr(push_channel, "endpoint_refusal", lambda endpoint: None)
    service = PushService()
    yield service
    service.close()


def test_the_reminder_reaches_the_device_encrypted_for_its_keys(
    push_patient, push_service, vapid_keys
):
    device, private, auth = subscribe(push_patient, push_service.url + "/send/device-1")
    delivery_id = claim_push()
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        assert delivery.send_delivery(delivery_id) == Status.SENT
    [(path, headers, body)] = push_service.requests
    assert path == "/send/device-1"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert ",k=" in headers["authorization"].replace(" ", "")
    assert b"Tap to log" not in body  # encrypted on the wire
    payload = json.loads(
        http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
    )
    assert payload["body"] == "Tap to log tonight's dose."
    assert "2.25" not in json.dumps(payload)  # no dose on a lock screen
    assert payload["url"] == "/journal/#tonight-title"
    device.refresh_from_db()
    assert device.last_success_at is not None


def test_a_gone_subscription_is_removed_without_retrying(push_patient, push_service, vapid_keys):
    push_service.status = 410
    subscribe(push_patient, push_service.url + "/send/gone")
    delivery_id = claim_push()
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        assert delivery.send_delivery(delivery_id) == Status.FAILED
        assert delivery.send_delivery(delivery_id) == ""  # no retry storm
    assert len(push_service.requests) == 1
    assert PushSubscription.objects.count() == 0
    # With the last device gone the next sweep has no push channel to claim for this patient.
    assert (
        sweep.sweep(EVENING + timedelta(hours=2, minutes=30), dispatch=lambda ids: None).claimed
        == []
    )


def test_a_push_service_error_is_retried_later(push_patient, push_service, vapid_keys):
    push_service.status = 503
    subscribe(push_patient, push_service.url + "/send/busy")
    delivery_id = claim_push()
    with (
        time_machine.travel(EVENING + timedelta(seconds=5), tick=False),
        pytest.raises(delivery.RetryLater),
    ):
        delivery.send_delivery(delivery_id)
    assert ReminderDelivery.objects.get(pk=delivery_id).status == Status.PENDING
    assert PushSubscription.objects.count() == 1


# --- How long a push service may hold a reminder --------------------------------------------

# London in winter (GMT): the dosing window of EVENING's night ends at 03:00.
WINDOW_ENDS = datetime(2026, 1, 16, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent_at", "ttl"),
    [
        (EVENING + timedelta(seconds=5), 6 * 3600 - 5),
        # Sent late (a retry, a worker back from a crash): held until 03:00, not until 07:00.
        (datetime(2026, 1, 16, 1, 0, tzinfo=UTC), 2 * 3600),
        (datetime(2026, 1, 16, 2, 59, 30, tzinfo=UTC), 30),
    ],
)
def test_an_evening_push_reminder_is_held_only_until_the_dosing_window_ends(
    push_patient, push_service, vapid_keys, sent_at, ttl
):
    # No last call: sent after 23:30 the evening reminder would give way to it (one nudge).
    type(push_patient).objects.filter(pk=push_patient.pk).update(last_call=False)
    subscribe(push_patient, push_service.url + "/send/device-1")
    delivery_id = claim_push()
    assert ReminderDelivery.objects.get(pk=delivery_id).expires_at == WINDOW_ENDS

    with time_machine.travel(sent_at, tick=False):
        assert delivery.send_delivery(delivery_id) == Status.SENT

    [(_path, headers, _body)] = push_service.requests
    assert int(headers["ttl"]) == ttl


@pytest.mark.parametrize(
    ("expires_at", "ttl"),
    [
        (None, push_channel.PUSH_TTL_SECONDS),  # no end of its own (an urgent alert)
        (EVENING + timedelta(days=2), push_channel.PUSH_TTL_SECONDS),  # capped
        (EVENING + timedelta(minutes=10), 600),
        (EVENING - timedelta(minutes=1), 0),
    ],
)
def test_a_push_ttl_runs_to_the_messages_end_at_most_the_fixed_bound(expires_at, ttl):
    assert push_channel.ttl_until(expires_at, EVENING) == ttl
