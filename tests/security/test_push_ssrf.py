"""Finding 2: a push endpoint cannot make the worker reach inside the network.

Only the browsers' push services are accepted (https, port 443, no userinfo, a name on
LDN_PUSH_ALLOWED_HOSTS), at subscription and again just before sending, when the host must
resolve to public addresses only; redirects are never followed; a patient has a bounded
number of devices.
"""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import time_machine

from patients.models import PushSubscription, ReminderDelivery
from patients.notifications import outbox
from patients.notifications.channels import push, push_endpoints
from tests import figures
from tests.patients.push_support import EVENING, claim_push, subscribe, subscription_json

URL = "/journal/reminders/push/"
Status = ReminderDelivery.Status

INSIDE_ADDRESSES = {
    "loopback": "https://127.0.0.1/send/x",
    "metadata": "https://169.254.169.254/latest/meta-data/",
    "private 10/8": "https://10.0.0.5/send/x",
    "IPv6 loopback": "https://[::1]/send/x",
    "decimal IPv4": "https://2130706433/send/x",
    "hex IPv4": "https://0x7f000001/send/x",
    "octal IPv4": "https://0177.0.0.1/send/x",
    "userinfo": "https://fcm.googleapis.com@evil.example/send/x",
    "userinfo with password": "https://fcm.googleapis.com:x@evil.example/send/x",
    "backslash": "https://fcm.googleapis.com\\@evil.example/send/x",
    "port 8443": "https://fcm.googleapis.com:8443/fcm/send/x",
    "port 80": "https://fcm.googleapis.com:80/fcm/send/x",
    "plain http": "http://fcm.googleapis.com/fcm/send/x",
    "unknown host": "https://push.evil.example/send/x",
    "look-alike suffix": "https://fcm.googleapis.com.evil.example/send/x",
    "look-alike apple": "https://evilpush.apple.com.evil.example/x",
    "bare wildcard base": "https://push.apple.com/x",
    "trailing dot": "https://fcm.googleapis.com./fcm/send/x",
    "percent-encoded host": "https://fcm%2egoogleapis.com/fcm/send/x",
}

PUSH_SERVICES = {
    "FCM": "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
    "FCM legacy": "https://android.googleapis.com/gcm/send/abc",
    "Mozilla": "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
    "Apple": "https://web.push.apple.com/QGx0eXBlPXdlYg",
    "Windows": "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
    "explicit port 443": "https://fcm.googleapis.com:443/fcm/send/x",
}


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("endpoint", INSIDE_ADDRESSES.values(), ids=INSIDE_ADDRESSES.keys())
def test_a_subscription_to_anything_but_a_push_service_is_refused(patient_client, endpoint):
    response = post(patient_client, subscription_json(endpoint=endpoint))
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert PushSubscription.objects.count() == 0
    figures.add("push endpoints", "address forms refused at subscription")


@pytest.mark.parametrize("endpoint", PUSH_SERVICES.values(), ids=PUSH_SERVICES.keys())
def test_the_browsers_push_services_are_accepted(patient_client, endpoint):
    assert post(patient_client, subscription_json(endpoint=endpoint)).status_code == 201


def test_the_refusal_says_which_services_are_allowed(patient_client):
    response = post(patient_client, subscription_json(endpoint="https://push.evil.example/x"))
    assert "fcm.googleapis.com" in response.json()["error"]


def test_the_allowed_hosts_are_a_setting(patient_client, settings):
    settings.LDN_PUSH_ALLOWED_HOSTS = ["push.clinic.example"]
    ok = post(patient_client, subscription_json(endpoint="https://push.clinic.example/s/1"))
    assert ok.status_code == 201
    refused = post(patient_client, subscription_json(endpoint=PUSH_SERVICES["FCM"]))
    assert refused.status_code == 400


def test_a_patient_may_register_a_bounded_number_of_devices(patient_client, patient_a, settings):
    settings.LDN_PUSH_MAX_DEVICES = 3
    for n in range(3):
        endpoint = f"https://fcm.googleapis.com/fcm/send/device-{n}"
        assert post(patient_client, subscription_json(endpoint=endpoint)).status_code == 201
    response = post(patient_client, subscription_json(endpoint=PUSH_SERVICES["Mozilla"]))
    assert response.status_code == 400
    assert "3 devices" in response.json()["error"]
    assert PushSubscription.objects.filter(user=patient_a.user).count() == 3
    # Re-subscribing a device already registered is not a new device.
    again = subscription_json(endpoint="https://fcm.googleapis.com/fcm/send/device-0")
    assert post(patient_client, again).status_code == 201


# --- Just before sending ------------------------------------------------------------------


class Attempts:
    """Every connection the worker tries, refused here so nothing leaves the machine."""

    def __init__(self):
        self.urls = []

    def send(self, adapter, request, *args, **kwargs):
        self.urls.append(request.url)
        raise requests.ConnectionError("no network in this test")


@pytest.fixture
def attempts(monkeypatch):
    record = Attempts()
    monkeypatch.setattr(
        requests.adapters.HTTPAdapter,
        "send",
        lambda adapter, request, *a, **kw: record.send(adapter, request, *a, **kw),
    )
    return record


def resolving_to(address):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def resolve(host, port, *args, **kwargs):
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "169.254.169.254", "10.1.2.3", "192.168.0.10", "::1", "::ffff:127.0.0.1"],
)
def test_a_push_service_name_resolving_inside_is_not_connected_to(
    push_patient,
    vapid_keys,
    attempts,
    monkeypatch,
    address,
):
    subscribe(push_patient, PUSH_SERVICES["FCM"])
    monkeypatch.setattr(push, "resolve_host", resolving_to(address))
    delivery_id = claim_push()
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        status = outbox.send_delivery(delivery_id)
    assert attempts.urls == []
    assert status != Status.SENT
    figures.add("push endpoints", "inside addresses refused before sending")


def test_a_stored_endpoint_that_is_no_longer_allowed_is_not_connected_to(
    push_patient,
    vapid_keys,
    attempts,
    monkeypatch,
):
    # A row from before the allow-list (or a list since shortened): checked again at send.
    subscribe(push_patient, "https://169.254.169.254/latest/meta-data/")
    monkeypatch.setattr(push, "resolve_host", resolving_to("203.0.113.9"))
    delivery_id = claim_push()
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        outbox.send_delivery(delivery_id)
    assert attempts.urls == []


def test_a_public_address_is_connected_to(
    push_patient,
    vapid_keys,
    attempts,
    monkeypatch,
):
    """The control: the same path with a public address does try to connect."""
    subscribe(push_patient, PUSH_SERVICES["FCM"])
    monkeypatch.setattr(push, "resolve_host", resolving_to("142.250.180.10"))
    delivery_id = claim_push()
    # The connection is refused in this test, so the delivery is to be retried later.
    with (
        time_machine.travel(EVENING + timedelta(seconds=5), tick=False),
        pytest.raises(outbox.RetryLater),
    ):
        outbox.send_delivery(delivery_id)
    assert attempts.urls == [PUSH_SERVICES["FCM"]]


class Server:
    """A local HTTP server answering every POST with `status` and `headers`."""

    def __init__(self, status, headers=None):
        self.hits = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.hits.append((self.command, self.path))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_from_the_push_service_is_not_followed(
    push_patient,
    vapid_keys,
    monkeypatch,
    status,
):
    inside = Server(201)
    service = Server(status, {"Location": inside.url + "/inside"})
    try:
        # The local stand-in passes the endpoint checks, as a real push service's name would.
        monkeypatch.setattr(push, "endpoint_refusal", lambda endpoint: None)
        subscribe(push_patient, service.url + "/send/device")
        delivery_id = claim_push()
        with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
            outbox.send_delivery(delivery_id)
        assert [path for _, path in service.hits] == ["/send/device"]
        assert inside.hits == []
        assert ReminderDelivery.objects.get(pk=delivery_id).status != Status.SENT
        figures.add("push endpoints", "redirects not followed")
    finally:
        service.close()
        inside.close()


def test_the_endpoint_rules_are_pure_and_take_the_host_list():
    allowed = ["*.push.apple.com"]
    assert push_endpoints.refusal("https://web.push.apple.com/x", allowed) is None
    assert push_endpoints.refusal("https://push.apple.com/x", allowed) is not None
    assert push_endpoints.refusal("https://xpush.apple.com/x", allowed) is not None


def test_a_host_that_does_not_resolve_is_refused_for_now():
    def fails(*args, **kwargs):
        raise socket.gaierror("no such host")

    assert push_endpoints.address_refusal("fcm.googleapis.com", resolve=fails) == (
        push_endpoints.DOES_NOT_RESOLVE
    )
