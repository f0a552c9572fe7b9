"""Finding 4: posting another patient's push endpoint must not move their device to you.

The endpoint is the browser's secret address; a patient who learns another's (a shared
phone, a leaked log) could otherwise take over that device's registration with their own
keys, and the other patient would silently stop getting reminders.
"""

import json

from patients.models import PushSubscription
from tests.patients.push_support import subscription_json

URL = "/journal/reminders/push/"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/patient-a-device"


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_another_patient_posting_the_same_endpoint_leaves_the_first_device_alone(
    client, patient_a, patient_b
):
    client.force_login(patient_a.user)
    assert post(client, subscription_json(endpoint=ENDPOINT)).status_code == 201
    original = PushSubscription.objects.get(user=patient_a.user)

    client.force_login(patient_b.user)
    post(client, subscription_json(endpoint=ENDPOINT))

    original_now = PushSubscription.objects.get(pk=original.pk)
    assert original_now.user == patient_a.user
    assert (original_now.p256dh, original_now.auth) == (original.p256dh, original.auth)


def test_the_second_patient_gets_a_device_of_their_own(client, patient_a, patient_b):
    client.force_login(patient_a.user)
    post(client, subscription_json(endpoint=ENDPOINT))
    client.force_login(patient_b.user)
    assert post(client, subscription_json(endpoint=ENDPOINT)).status_code == 201
    assert PushSubscription.objects.filter(user=patient_b.user, endpoint=ENDPOINT).count() == 1
    assert PushSubscription.objects.filter(user=patient_a.user, endpoint=ENDPOINT).count() == 1


def test_the_same_patient_posting_again_updates_their_own_device(client, patient_a):
    client.force_login(patient_a.user)
    post(client, subscription_json(endpoint=ENDPOINT))
    post(client, {**subscription_json(endpoint=ENDPOINT), "label": "New phone"})
    device = PushSubscription.objects.get(user=patient_a.user)
    assert device.label == "New phone"
