"""A care-team note posted twice (a flaky connection, a double click) is saved once.

The journal had a double-submit guard; the note form had none, so the same note was saved
twice. The form now carries a hidden submission id, one per form drawn; the unique
ClinicianNote.submission_id decides, also for two posts at once, and the second post saves
nothing and answers as the first did.
"""

import re
import threading
import uuid

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients.models import ClinicianNote
from tests.factories import PatientFactory

NOW = "2026-03-31T09:00:00Z"


def _post(client, patient, submission_id, text="Phoned her about the dreams"):
    data = {"text": text}
    if submission_id is not None:
        data["submission_id"] = submission_id
    return client.post(reverse("clinic:add_note", args=[patient.pk]), data)


def _form_id(client, patient):
    page = client.get(reverse("clinic:patient", args=[patient.pk])).content.decode()
    found = re.search(r'<input type="hidden" name="submission_id" value="([0-9a-f-]{36})"', page)
    assert found, "the note form carries no submission id"
    return found.group(1)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_each_note_form_drawn_carries_its_own_submission_id(clinician_client, patient_a):
    first, second = _form_id(clinician_client, patient_a), _form_id(clinician_client, patient_a)
    assert first != second


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_same_note_posted_twice_is_saved_once_and_answered_as_the_first(
    clinician_client, patient_a
):
    submission = _form_id(clinician_client, patient_a)
    answers = []
    for _ in range(2):
        response = _post(clinician_client, patient_a, submission)
        # What the page it leads to says (read, so the next post's message stands alone).
        page = clinician_client.get(response["Location"])
        said = [str(m) for m in get_messages(page.wsgi_request)]
        answers.append((response.status_code, response["Location"], said))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302
    assert answers[0][2] == ["Note saved for the care team."]
    assert ClinicianNote.objects.filter(patient=patient_a).count() == 1
    assert ClinicianNote.history.count() == 1
    assert AccessLog.objects.filter(action="note.add", patient=patient_a).count() == 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_two_notes_from_two_forms_are_both_saved(clinician_client, patient_a):
    _post(clinician_client, patient_a, _form_id(clinician_client, patient_a), text="One")
    _post(clinician_client, patient_a, _form_id(clinician_client, patient_a), text="Two")
    assert sorted(ClinicianNote.objects.values_list("text", flat=True)) == ["One", "Two"]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("submission_id", [None, "", "not-a-uuid", "1" * 300])
def test_a_missing_or_mangled_id_still_saves_the_note(clinician_client, patient_a, submission_id):
    response = _post(clinician_client, patient_a, submission_id)
    assert response.status_code == 302
    note = ClinicianNote.objects.get(patient=patient_a)
    assert note.submission_id is not None


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_another_notes_id_saves_a_new_note_and_reveals_nothing(
    clinician_client, patient_a, clinician_b
):
    """An id already used for another team's patient is not this note's: saved anew."""
    other = PatientFactory(clinicians=[clinician_b])
    used = uuid.uuid4()
    ClinicianNote.objects.create(
        patient=other, author=clinician_b, text="Not yours", submission_id=used
    )
    response = _post(clinician_client, patient_a, str(used))
    assert response.status_code == 302
    mine = ClinicianNote.objects.get(patient=patient_a)
    assert mine.submission_id != used
    assert ClinicianNote.objects.get(submission_id=used).text == "Not yours"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_note_refused_then_corrected_with_the_same_id_is_saved(clinician_client, patient_a):
    """A refused post stored nothing: its id still saves the corrected note."""
    submission = str(uuid.uuid4())
    assert _post(clinician_client, patient_a, submission, text="   ").status_code == 400
    assert _post(clinician_client, patient_a, submission).status_code == 302
    assert ClinicianNote.objects.filter(patient=patient_a).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database refuses concurrent writers outright",
)
def test_two_identical_note_posts_at_once_save_one_note(clinician_a, patient_a):
    submission = str(uuid.uuid4())
    posts = 2
    barrier = threading.Barrier(posts)
    statuses = [None] * posts
    errors = []

    def run(index):
        client = Client()
        client.force_login(clinician_a)
        try:
            barrier.wait(timeout=30)
            statuses[index] = _post(client, patient_a, submission).status_code
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(posts)]
    with time_machine.travel(NOW, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    assert statuses == [302, 302]
    assert ClinicianNote.objects.filter(patient=patient_a).count() == 1
    assert AccessLog.objects.filter(action="note.add", patient=patient_a).count() == 1
