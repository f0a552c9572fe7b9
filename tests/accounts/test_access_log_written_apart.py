"""A read's access-log row is written apart while the page is built, and committed before the
response leaves (ldn_journal/accounts/access_log.py). These tests commit for real
(transaction=True): inside a test's transaction every row is written at once."""

import threading
import time

import pytest
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from ldn_journal.accounts import access_log
from ldn_journal.accounts.models import AccessLog
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="rows are written apart on PostgreSQL only"
)


@pytest.fixture
def slow_writer(monkeypatch):
    """The writer thread takes a while, and says which thread wrote."""
    written_by = []
    write = access_log._write_apart

    def slow(fields):
        time.sleep(0.3)
        written_by.append(threading.current_thread().name)
        write(fields)

    monkeypatch.setattr(access_log, "_write_apart", slow)
    return written_by


def _signed_in(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    mark_reauthenticated(client, user)
    return client


@pytest.mark.django_db(transaction=True)
def test_a_patient_page_read_is_in_the_log_when_its_response_returns(
    patient_a, clinician_a, slow_writer
):
    response = _signed_in(clinician_a).get(reverse("clinic:patient", args=[patient_a.pk]))

    assert response.status_code == 200
    # Written by a writer thread, and waited for before the response was returned.
    assert len(slow_writer) == 1
    assert slow_writer[0].startswith("access-log")
    row = AccessLog.objects.get(action="patient.view")
    assert (row.actor, row.patient, row.route) == (clinician_a, patient_a, "care_team")


@pytest.mark.django_db(transaction=True)
def test_a_read_whose_log_row_cannot_be_written_is_not_shown(patient_a, clinician_a, monkeypatch):
    def broken(fields):
        raise DatabaseError("the access log is unavailable")

    monkeypatch.setattr(access_log, "_write_apart", broken)
    response = _signed_in(clinician_a).get(reverse("clinic:patient", args=[patient_a.pk]))

    assert response.status_code == 500
    assert patient_a.user.display_name not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_row_keeps_the_moment_of_the_read_not_of_the_write(patient_a, clinician_a, slow_writer):
    before = time.time()
    _signed_in(clinician_a).get(reverse("clinic:patient", args=[patient_a.pk]))

    row = AccessLog.objects.get(action="patient.view")
    assert row.at.timestamp() - before < 0.25  # the writer slept 0.3 s before its INSERT


def test_a_row_recorded_inside_a_transaction_is_written_at_once_with_it(patient_a, clinician_a):
    """The test's own transaction stands for a change's: its row commits (or rolls back)
    with the change, on the caller's connection."""
    request = RequestFactory().get("/")
    request.user = clinician_a
    writes = []
    setattr(request, access_log._PENDING, writes)

    row = access_log.record_access(request, "patient.view", patient=patient_a, obj=patient_a)

    assert writes == []
    assert AccessLog.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_stopping_the_writer_closes_its_connections(patient_a, clinician_a):
    _signed_in(clinician_a).get(reverse("clinic:patient", args=[patient_a.pk]))
    assert AccessLog.objects.filter(action="patient.view").exists()

    access_log.stop_writer()

    # A closed connection's server process leaves pg_stat_activity a moment after.
    others = None
    for _ in range(50):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchone()[0]
        if others == 0:
            break
        time.sleep(0.05)
    assert others == 0
