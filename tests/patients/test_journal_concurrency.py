"""Twenty phones tapping at once: one row per night, no 5xx (the unique constraint decides)."""

import threading
import uuid

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from patients.models import NightlyEntry, Submission
from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite's shared in-memory test database refuses concurrent writers outright; "
        "this runs on PostgreSQL (set DATABASE_URL, as CI does)",
    ),
]


def hammer(user, posts):
    """POST each (url, data) from its own thread and client, all released together."""
    barrier = threading.Barrier(len(posts))
    statuses = [None] * len(posts)

    def run(index, url, data):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=30)
            statuses[index] = client.post(url, data).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    with time_machine.travel(NOW, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return statuses


@pytest.fixture
def planned(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    return patient_a


def test_twenty_identical_taken_now_posts_store_one_row(planned):
    data = {"submission_id": str(uuid.uuid4())}
    statuses = hammer(planned.user, [(reverse("journal:taken_now"), data)] * 20)
    assert statuses == [302] * 20
    assert NightlyEntry.objects.filter(patient=planned, night=TONIGHT).count() == 1
    assert Submission.objects.count() == 1


def test_twenty_different_posts_for_the_same_night_store_one_row(planned):
    evening = reverse("journal:evening", args=[TONIGHT])
    posts = []
    for i in range(20):
        if i % 2:
            posts.append((reverse("journal:taken_now"), {"submission_id": str(uuid.uuid4())}))
        else:
            data = {"submission_id": str(uuid.uuid4()), "dose": "3", "taken_at": "2026-11-25T21:30"}
            posts.append((evening, data))
    statuses = hammer(planned.user, posts)
    assert None not in statuses
    assert all(status < 500 for status in statuses)
    entry = NightlyEntry.objects.get(patient=planned, night=TONIGHT)
    assert entry.status == "taken"
    assert Submission.objects.filter(entry=entry).count() == 20
