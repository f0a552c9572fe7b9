"""Taken now, Undo within ten minutes, then Taken now again: the night read "edited — see the
changes" with "Dose: 3 mg → —", and the clinician's entry history called the undo "Changed"
with status "—" (found by exploratory QA). After an undo the night is as if never logged: the
patient's night shows one first log. The undo stays in the history for the clinician, named
as what it was."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, TONIGHT, make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db


def sid():
    return str(uuid.uuid4())


@pytest.fixture
def relogged(patient_client, patient_a, clinician_a):
    """3 mg tonight: Taken now, undone five minutes later, Taken now again a minute after."""
    make_plan(patient_a, clinician_a, steps=(("3", None),))
    with time_machine.travel(NOW, tick=False):
        patient_client.post(reverse("journal:taken_now"), {"submission_id": sid()})
    entry = NightlyEntry.objects.get(night=TONIGHT)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        patient_client.post(reverse("journal:undo", args=[entry.pk]), {"submission_id": sid()})
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        patient_client.post(reverse("journal:taken_now"), {"submission_id": sid()})
    entry.refresh_from_db()
    assert entry.status == "taken"
    return entry


def _night_page(client, entry):
    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        return client.get(reverse("journal:entry", args=[entry.pk])).content.decode()


def test_a_log_after_an_undo_reads_as_a_first_log_on_the_patients_night(patient_client, relogged):
    page = _night_page(patient_client, relogged)
    assert "see the changes" not in page
    assert "→ —" not in page
    assert 'id="history-title"' not in page


def test_an_edit_after_the_log_that_followed_an_undo_is_still_an_edit(patient_client, relogged):
    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        patient_client.post(
            reverse("journal:evening", args=[TONIGHT]),
            {"submission_id": sid(), "dose": "1.5", "taken_at": "2026-11-25T22:06"},
        )
    page = _night_page(patient_client, relogged)
    assert "see the changes" in page
    assert "3 mg → 1.5 mg" in page
    assert "→ —" not in page


def test_the_clinicians_entry_history_keeps_the_undo_and_names_it(patient_a, clinician_a, relogged):
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        page = client.get(
            reverse("clinic:entry_history", args=[patient_a.pk, relogged.pk])
        ).content.decode()
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", page, re.S)
    assert len(rows) == 3  # logged, undone, logged again: no record vanishes
    assert "Undone by the patient" in rows[1]
    assert sum("Changed" in row for row in rows) == 1  # only the new log
