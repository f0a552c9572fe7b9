"""One function records every read or change of a patient's data and every security event."""

import ipaddress

from django.conf import settings

from ldn_journal.accounts.models import AccessLog, Role
from patients.models import access_route_of


def _address(value):
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request):
    """The client's address, for the access log and allauth's rate limits alike.

    Behind LDN_TRUSTED_PROXY_COUNT proxies, each appends the address it saw to
    X-Forwarded-For, so the client is that many entries from the end: anything further left
    is whatever the client sent and is never believed. The header is read only from a peer
    on a private or loopback address (where the proxy lives); a public peer reached gunicorn
    around the proxy, and its own address is the one to count.
    """
    peer = _address(request.META.get("REMOTE_ADDR"))
    count = settings.LDN_TRUSTED_PROXY_COUNT
    if count <= 0 or peer is None or ipaddress.ip_address(peer).is_global:
        return peer
    entries = request.headers.get("X-Forwarded-For", "").split(",")
    if len(entries) < count:
        return peer
    return _address(entries[-count]) or peer


def record_access(request, action, *, patient=None, obj=None, actor=None, detail=None):
    """Write one access-log row. `detail` must hold ids and codes only, never health data."""
    user = actor if actor is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    route = ""
    if user is not None and patient is not None and user.role == Role.CLINICIAN:
        # Decided by the database inside this INSERT, from the rows the gate read.
        route = access_route_of(user, patient.pk)
    row = AccessLog.objects.create(
        actor=user,
        actor_role=getattr(user, "role", "") if user else "",
        patient=patient,
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip=client_ip(request) if request is not None else None,
        detail=detail or {},
        route=route,
    )
    if not isinstance(route, str):
        # Deferred: read back from the row only if someone asks (no query otherwise).
        del row.route
    return row
