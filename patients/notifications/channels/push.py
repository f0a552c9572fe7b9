"""Web Push with VAPID (RFC 8030/8291/8292) through pywebpush.

Keys come from settings (VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY, VAPID_SUBJECT); in
development, from var/vapid_private.pem written by `manage.py dev_keys`.
"""

import base64
import json
import logging
import socket
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone, translation
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from patients.notifications import delivery_reasons as reasons
from patients.notifications.channels import PermanentFailure, TransientFailure, push_endpoints

log = logging.getLogger(__name__)

# The longest a push service may hold a message for a device that is off: a message with
# no end of its own (an urgent alert) and the cap on one that has.
PUSH_TTL_SECONDS = 6 * 3600


def ttl_until(expires_at: datetime | None, now: datetime) -> int:
    """Seconds a push service may keep a message before giving up on it: until the message
    stops being useful (a reminder's `expires_at`, the end of its night's dosing window: a
    "time for tonight's dose" shown at breakfast is wrong), at most PUSH_TTL_SECONDS."""
    if expires_at is None:
        return PUSH_TTL_SECONDS
    return max(0, min(int((expires_at - now).total_seconds()), PUSH_TTL_SECONDS))


GONE = (404, 410)

# How the worker resolves a push service's name before connecting (a test replaces it).
resolve_host = socket.getaddrinfo


def endpoint_refusal(endpoint):
    """Why the worker may not connect to `endpoint` now, or None: the subscription checks
    again (the list may have shortened since, or the row predates it), then the addresses
    the host resolves to must all be public."""
    with translation.override("en"):  # for the worker's log, whoever the message is for
        refused = push_endpoints.refusal(endpoint, settings.LDN_PUSH_ALLOWED_HOSTS)
    if refused:
        return refused
    return push_endpoints.address_refusal(urlsplit(endpoint).hostname, resolve=resolve_host)


class NoRedirectSession(requests.Session):
    """requests follows a POST's redirects (to plain http, to any host) unless told not to;
    a push service never redirects, so a 3xx is an answer, not a new address to visit."""

    def request(self, method, url, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


# What a corrupt key raises while it is read: not a key at all, a cut one, a wrong format.
CORRUPT_KEY = (ValueError, TypeError, UnsupportedAlgorithm)


def _usable(key: Vapid, where: str) -> Vapid | None:
    """`key` when Web Push can sign with it (an EC P-256 private key: VAPID, RFC 8292), else
    None, said once for the operators (where the key is and why, never the key itself)."""
    private = key.private_key
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name == "secp256r1":
        return key
    log.error("VAPID key in %s is not an EC P-256 private key: Web Push is off", where)
    return None


def _parsed(parse, text, where: str) -> Vapid | None:
    """The key `parse` reads from `text`, or None when it is corrupt: a corrupt key file or
    setting answered 500 on every page that asks whether push works (the settings and home
    pages, urgent reports). It now means "push unavailable", as no key does. The callers are
    cached by the text, so a corrupt key is said once per process, not on every page."""
    try:
        return _usable(parse(text), where)
    except CORRUPT_KEY as exc:
        log.error("VAPID key in %s cannot be read (%s): Web Push is off", where, type(exc).__name__)
        return None


@lru_cache(maxsize=4)
def _key_from_setting(private_key: str) -> Vapid | None:
    if private_key.lstrip().startswith("-----BEGIN"):
        return _parsed(Vapid.from_pem, private_key.encode(), "VAPID_PRIVATE_KEY")
    return _parsed(Vapid.from_string, private_key, "VAPID_PRIVATE_KEY")


KEY_FILE = "vapid_private.pem"


@lru_cache(maxsize=4)
def _key_from_file(text: str) -> Vapid | None:
    """The key file's text read as Vapid.from_file reads it (PEM, else base64 DER), keyed by
    the text: a file rewritten with a new key is a new key."""
    where = f"var/{KEY_FILE}"
    if "-----BEGIN" in text:
        return _parsed(Vapid.from_pem, text.encode(), where)
    return _parsed(Vapid.from_der, text.encode(), where)


def vapid() -> Vapid | None:
    """The key this server signs Web Push with: VAPID_PRIVATE_KEY, else the development key
    file var/vapid_private.pem, else None. Only keys found are remembered: "no key" was
    cached for the process's life (an lru_cache on the settings), so a key file written
    after start-up (`manage.py dev_keys` while the server ran) was never seen, and the
    sweep, the pages and urgent alerts went on without push until a restart. The small file
    is read again on each call (Vapid.from_file would also write a new key where none is)."""
    if settings.VAPID_PRIVATE_KEY:
        return _key_from_setting(settings.VAPID_PRIVATE_KEY)
    path = Path(settings.VAR_DIR) / KEY_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:  # no key file: no push
        return None
    except (OSError, UnicodeDecodeError) as exc:  # there, but not readable: no push, said
        _unreadable_key_file(str(path), type(exc).__name__)
        return None
    if not text.strip():  # being written
        return None
    return _key_from_file(text)


@lru_cache(maxsize=4)
def _unreadable_key_file(path: str, error: str) -> None:
    """Said once per process and reason (vapid() is asked on every page that offers push)."""
    log.error("VAPID key file %s cannot be read (%s): Web Push is off", path, error)


def configured() -> bool:
    """Whether this server can send Web Push at all: it has a VAPID private key to sign with.
    Without one every push fails (send_push); reach.push_reachable reads this, so the sweep
    claims no push reminder and the settings page offers no push."""
    return vapid() is not None


def public_key() -> str:
    """The applicationServerKey the browser subscribes with (base64url, no padding); empty
    when this server cannot send push (configured): a public key alone would let a browser
    subscribe to messages that never come."""
    if not configured():
        return ""
    if settings.VAPID_PUBLIC_KEY:
        return settings.VAPID_PUBLIC_KEY
    key = vapid()
    if key is None:
        return ""
    raw = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


ACCEPTED, REFUSED = "accepted", "refused"


def _send_one(session, subscription, data, key, ttl):
    """ACCEPTED, REFUSED (not retried), or the reason to try again later."""
    refused = endpoint_refusal(subscription.endpoint)
    if refused == push_endpoints.DOES_NOT_RESOLVE:
        return reasons.PUSH_DOES_NOT_RESOLVE()
    if refused:
        log.warning("push subscription %s not contacted: %s", subscription.pk, refused)
        return REFUSED
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=key,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=ttl,
            timeout=10,
            requests_session=session,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in GONE:
            log.info("push subscription %s gone (%s); removed", subscription.pk, status)
            subscription.delete()
            return REFUSED
        if status is not None and 300 <= status < 500 and status != 429:
            log.warning("push subscription %s refused or redirected (%s)", subscription.pk, status)
            return REFUSED
        if not status:
            return reasons.PUSH_NO_ANSWER()
        return reasons.PUSH_UNAVAILABLE(status=status)
    except requests.RequestException as exc:
        return reasons.PUSH_UNREACHABLE(error=type(exc).__name__)
    type(subscription).objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
    return ACCEPTED


def send_push(subscriptions, payload: dict, *, ttl: int = PUSH_TTL_SECONDS) -> int:
    """Send `payload` to each subscription, to be held at most `ttl` seconds for a device
    that is off (ttl_until); returns how many accepted it.

    A subscription the push service reports gone (404/410) is deleted and not retried; a
    redirect is an answer, never followed."""
    key = vapid()
    if key is None:
        raise PermanentFailure(reasons.PUSH_NOT_CONFIGURED())
    data = json.dumps(payload)
    accepted, transient = 0, None
    with NoRedirectSession() as session:
        for subscription in subscriptions:
            outcome = _send_one(session, subscription, data, key, ttl)
            if outcome == ACCEPTED:
                accepted += 1
            elif outcome != REFUSED:
                transient = outcome
    if accepted:
        return accepted
    if transient:
        raise TransientFailure(transient)
    raise PermanentFailure(reasons.PUSH_NOT_ACCEPTED())
