"""Web push: a browser's subscription keys, a local push service, a subscribed device and a
claimed push (the push and push security tests'; the fixtures are in tests/conftest.py)."""

import base64
import json
import os
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from patients.models import PushSubscription
from patients.notifications import sweep

URL = "/journal/reminders/push/"
EVENING = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys():
    """What a browser makes when it subscribes: an ECDH P-256 key pair and an auth secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private, public, os.urandom(16)


def subscription_json(endpoint="https://fcm.googleapis.com/fcm/send/abc123", **overrides):
    _private, public, auth = browser_keys()
    data = {"endpoint": endpoint, "keys": {"p256dh": b64(public), "auth": b64(auth)}}
    data.update(overrides)
    return data


def post(client, body):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, raw, content_type="application/json")


class PushService:
    """A local stand-in for a browser push service: records requests, answers `status`."""

    def __init__(self, status=201):
        self.status = status
        self.requests = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.requests.append(
                    (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def subscribe(patient, endpoint):
    private, public, auth = browser_keys()
    device = PushSubscription.objects.create(
        user=patient.user, endpoint=endpoint, p256dh=b64(public), auth=b64(auth)
    )
    return device, private, auth


def claim_push(now=EVENING):
    [delivery_id] = sweep.sweep(now, dispatch=lambda ids: None).claimed
    return delivery_id
