"""Bulk invitations through the real moving parts: the page enqueues one task on a real
Redis, a real Celery worker sends every row to an SMTP sink, and a second enqueue of the same
batch (a double click that got through, a redelivery) sends nothing more.

PostgreSQL only (the worker must see the test's committed rows); CI runs them there.
"""

import pytest
from django.urls import reverse

from ldn_journal.accounts import bulk_invitations
from ldn_journal.accounts.models import BulkInvitation
from ldn_journal.accounts.tasks import send_bulk_invitations_task
from tests.factories import ClinicianFactory
from tests.patients.conftest import redis_server, sink  # noqa: F401 - the shared fixtures
from tests.patients.worker_support import Worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_server, sink, tmp_path):  # noqa: F811 - the imported fixtures
    started = Worker(redis_server.url, sink.port, tmp_path).start()
    yield started
    started.stop()


def test_a_real_worker_sends_each_row_once_even_when_the_batch_is_enqueued_twice(
    worker,
    sink,  # noqa: F811
    admin_client_,
    admin_user,
):
    ClinicianFactory(email="dr.lee@example.org")
    lines = [f"p{n}@example.org,patient,P {n},dr.lee@example.org,GB,en" for n in range(12)]
    data = ("email,role,name,clinician,country,language\n" + "\n".join(lines)).encode()
    batch = bulk_invitations.build_batch(admin_user, data)

    response = admin_client_.post(
        reverse("manage:bulk_invitation_send", args=[batch.pk]), {"confirm": "on", "count": 12}
    )
    assert response.status_code == 302
    send_bulk_invitations_task.delay(batch.pk)  # the same batch enqueued a second time

    wait_for(
        lambda: BulkInvitation.objects.get(pk=batch.pk).status == BulkInvitation.Status.DONE,
        90,
        what="the batch to finish",
    )
    wait_for(lambda: worker.output().count("succeeded") >= 2, 30, what="both tasks to run")
    assert sorted(to for to, _ in sink.sent()) == sorted(f"p{n}@example.org" for n in range(12))
    assert sink.duplicates() == 0
    assert bulk_invitations.counts(batch)["sent"] == 12
