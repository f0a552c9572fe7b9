"""One function records every read or change of a patient's data and every security event.

A read's row is committed before its response leaves, but not in the middle of building the
page: waiting for PostgreSQL to flush the commit to disk was the largest wait of a patient
page on the benchmark's machine (0.3-1 ms quiet; 2 ms at the median and 6 at the 95th
percentile with other work on the disk). So a row recorded during a request outside any transaction
is written by a writer thread on a connection of its own while the view goes on, and
AccessLogMiddleware waits for it before the response is returned: a page is never shown
whose read is not in the log, and a write that fails fails the request (a 500), as before.
A row recorded inside a transaction (a change and its log commit together) or outside a
request is written at once on the caller's connection.
"""

import ipaddress
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

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


# The request attribute holding the writes AccessLogMiddleware waits for (None once it waits).
_PENDING = "_access_log_writes"
# As many writers as a gunicorn worker has threads (the Dockerfile's --threads 4): each
# thread's page has a writer of its own, so no write waits behind another's flush.
WRITERS = 4

_lock = threading.Lock()
_writer = None  # (process id, executor, the writers' connections)


def _adopt_connection(adopted):
    """A writer thread's start: its connection may be closed from the thread that stops
    the writer (stop_writer)."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.inc_thread_sharing()
    adopted.append(connection)


def _executor():
    """This process's writer threads, started on first use (after gunicorn forks: threads
    do not survive a fork, so a child started from a parent that had them makes its own)."""
    global _writer
    with _lock:
        if _writer is None or _writer[0] != os.getpid():
            adopted = []
            executor = ThreadPoolExecutor(
                WRITERS, "access-log", initializer=_adopt_connection, initargs=(adopted,)
            )
            _writer = (os.getpid(), executor, adopted)
        return _writer[1]


def stop_writer():
    """Stops the writer threads and closes their connections (tests, before their database
    is flushed or dropped); the next overlapped write starts them again."""
    global _writer
    with _lock:
        writer, _writer = _writer, None
    if writer is None or writer[0] != os.getpid():
        return
    _pid, executor, adopted = writer
    executor.shutdown(wait=True)
    for connection in adopted:
        connection.close()
        connection.dec_thread_sharing()


def _write_apart(fields):
    """On a writer thread: the row, on its own connection (autocommit: committed when create
    returns). A connection that broke or outlived CONN_MAX_AGE is replaced first, and the
    health check runs as at the start of a request."""
    connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
    AccessLog.objects.create(**fields)


class AccessLogMiddleware:
    """Waits for the access-log rows written apart during the request before its response
    leaves (a failed write raises: the request answers 500, the page is not shown)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = []
        setattr(request, _PENDING, writes)
        try:
            return self.get_response(request)
        finally:
            # Rows recorded from here on (an error page's) are written at once.
            setattr(request, _PENDING, None)
            for write in writes:
                write.result()


def _overlapped(request):
    """The request's list of pending writes when its row may be written apart: within
    AccessLogMiddleware, on PostgreSQL, outside any transaction (a change's row commits with
    the change, and tests run inside one)."""
    writes = getattr(request, _PENDING, None) if request is not None else None
    connection = connections[DEFAULT_DB_ALIAS]
    if writes is None or connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    return writes


def patient_of(user):
    """The patient a row about an account names: a patient account's profile (read with the
    user where the caller selected it), else None (staff, or a patient without a profile)."""
    return getattr(user, "patient", None) if user.is_patient else None


def record_access(request, action, *, patient=None, obj=None, actor=None, detail=None, at=None):
    """Record one access-log row. `detail` must hold ids and codes only, never health data.

    `at` is the moment of the read or change, now unless given: only the demo gives one
    (`seed_demo` records the reads its past plan changes, notes and answers imply, at the
    moments they were made); the clinician's route is then decided as it stood at `at`.

    Returns the row when it is written at once; None when it is written apart (a read
    during a request: see the module's docstring), committed before the response leaves."""
    at = at or timezone.now()
    user = actor if actor is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    route = ""
    if user is not None and patient is not None and user.role == Role.CLINICIAN:
        # Decided by the database inside this INSERT, from the rows the gate read.
        route = access_route_of(user, patient.pk, at)
    fields = {
        # The moment of the read or change, not of a writer thread's INSERT.
        "at": at,
        "actor": user,
        "actor_role": getattr(user, "role", "") if user else "",
        "patient": patient,
        "action": action,
        "object_type": obj._meta.model_name if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "request_id": getattr(request, "request_id", "") if request is not None else "",
        "ip": client_ip(request) if request is not None else None,
        "detail": detail or {},
        "route": route,
    }
    writes = _overlapped(request)
    if writes is not None:
        writes.append(_executor().submit(_write_apart, fields))
        return None
    row = AccessLog.objects.create(**fields)
    if not isinstance(route, str):
        # Deferred: read back from the row only if someone asks (no query otherwise).
        del row.route
    return row
