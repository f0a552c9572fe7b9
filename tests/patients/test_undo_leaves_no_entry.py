"""A dose logged and then undone is no entry: the night's row stays (its history, and the
submissions that keep a replay from logging the dose again), but every surface that counts,
dates or lists entries reads NightlyEntry.objects.logged() and passes it by."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import attention, dashboard
from patients.clinic.exports import rows as export_rows
from patients.models import NightlyEntry, PatientAttention, Submission
from patients.rules import flags as flag_rules
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import NOW, TONIGHT, make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

LAST_LOGGED = TONIGHT - timedelta(days=10)
UNDONE_AT = NOW + timedelta(minutes=5)


def sid():
    return str(uuid.uuid4())


@pytest.fixture
def quiet_patient(patient_a, clinician_a):
    """Taken nights up to ten nights ago, nothing since: "Gone quiet" and "Missed nights"."""
    patient_a.created_at = patient_a.created_at - timedelta(days=400)
    patient_a.save()
    make_plan(patient_a, clinician_a)
    give_nights([patient_a], LAST_LOGGED, 10, dose="1.5")
    return patient_a


@pytest.fixture
def staff_client(clinician_a):
    return signed_in_reauthenticated(clinician_a)


def log_and_undo(patient_client):
    with time_machine.travel(NOW, tick=False):
        patient_client.post(reverse("journal:taken_now"), {"submission_id": sid()})
    entry = NightlyEntry.objects.get(night=TONIGHT)
    with time_machine.travel(UNDONE_AT, tick=False):
        patient_client.post(reverse("journal:undo", args=[entry.pk]), {"submission_id": sid()})
    entry.refresh_from_db()
    assert entry.status == ""
    return entry


def kinds(flags):
    return {flag.kind for flag in flags}


def test_an_undone_dose_leaves_the_patient_gone_quiet_on_every_clinician_surface(
    patient_client, staff_client, quiet_patient, clinician_a
):
    log_and_undo(patient_client)
    with time_machine.travel(UNDONE_AT + timedelta(minutes=1), tick=False):
        # The fresh evaluation behind the list.
        [row] = dashboard.patient_rows(clinician_a, UNDONE_AT)
        assert row.last_entry == LAST_LOGGED
        assert row.nights_silent == 10
        assert {flag_rules.QUIET, flag_rules.MISSED} <= kinds(row.flags)
        # The stored attention row the list reads (rewritten when the undo marked it due).
        listed = staff_client.get(reverse("clinic:patients")).content.decode()
        stored = PatientAttention.objects.get(patient=quiet_patient)
        assert stored.last_entry == LAST_LOGGED
        assert stored.nights_silent == 10
        assert attention.stored_state(stored) == attention.state_of(row)
        assert "Gone quiet" in listed
        assert "(today)" not in listed
        # The patient's page and its visit report.
        page = dashboard.patient_page(quiet_patient, None, UNDONE_AT)
        assert page.summary.last == LAST_LOGGED
        assert [r.night for r in page.between(TONIGHT - timedelta(days=60), TONIGHT)][
            -1
        ] == LAST_LOGGED
        assert flag_rules.QUIET in kinds(page.flags)
        shown = staff_client.get(reverse("clinic:patient", args=[quiet_patient.pk]))
        assert "Gone quiet" in shown.content.decode()
        entries = dashboard.entry_rows(page, 1, 30)
        assert [e.night for e in entries.object_list] == [
            LAST_LOGGED - timedelta(days=ago) for ago in range(10)
        ]


def test_the_exports_read_an_undone_night_as_nothing_logged(
    patient_client, staff_client, quiet_patient
):
    log_and_undo(patient_client)
    with time_machine.travel(UNDONE_AT + timedelta(minutes=1), tick=False):
        nights = [n.night for n in export_rows.nights(quiet_patient, LAST_LOGGED, TONIGHT)]
        assert nights == [LAST_LOGGED]
        response = staff_client.get(
            reverse("clinic:export", args=[quiet_patient.pk, "csv"]),
            {"start": LAST_LOGGED.isoformat(), "end": TONIGHT.isoformat()},
        )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["night"]: row for row in csv.DictReader(io.StringIO(text))}
    # Every night the plan prescribed has a row; the undone one (tonight) is a row of a night
    # with nothing logged, as the missed nights before it are, not a dose.
    assert [night for night, row in rows.items() if row["status"]] == [LAST_LOGGED.isoformat()]
    undone = rows[TONIGHT.isoformat()]
    assert (undone["dose_mg"], undone["taken_at"], undone["logged_offline"]) == ("", "", "")
    assert undone["plan_status"] == "active"


def test_the_fhir_export_has_nothing_for_an_undone_night(
    patient_client, staff_client, quiet_patient
):
    # A guard: the bundle wrote no resource for the empty row before either (it reads the
    # same export rows as the CSV, which did have an empty line for it).
    log_and_undo(patient_client)
    with time_machine.travel(UNDONE_AT + timedelta(minutes=1), tick=False):
        response = staff_client.get(
            reverse("clinic:export", args=[quiet_patient.pk, "fhir"]),
            {"start": LAST_LOGGED.isoformat(), "end": TONIGHT.isoformat()},
        )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert f'"valueDate":"{LAST_LOGGED.isoformat()}"' in text
    assert f'"valueDate":"{TONIGHT.isoformat()}"' not in text


def test_the_patients_history_list_does_not_list_an_undone_night(patient_client, quiet_patient):
    entry = log_and_undo(patient_client)
    with time_machine.travel(UNDONE_AT + timedelta(minutes=1), tick=False):
        page = patient_client.get(reverse("journal:history_list"))
    listed = [e.pk for e in page.context["page"].object_list]
    assert entry.pk not in listed
    assert len(listed) == 10


def test_the_undone_row_and_its_submissions_stay_so_a_replay_of_the_dose_logs_nothing(
    patient_client, quiet_patient
):
    taken_id = sid()
    with time_machine.travel(NOW, tick=False):
        patient_client.post(reverse("journal:taken_now"), {"submission_id": taken_id})
    entry = NightlyEntry.objects.get(night=TONIGHT)
    with time_machine.travel(UNDONE_AT, tick=False):
        patient_client.post(reverse("journal:undo", args=[entry.pk]), {"submission_id": sid()})
        patient_client.post(reverse("journal:taken_now"), {"submission_id": taken_id})
    entry.refresh_from_db()
    assert entry.status == ""
    assert Submission.objects.filter(entry=entry).count() == 2
    assert entry.history.count() == 2
    assert not NightlyEntry.objects.logged().filter(pk=entry.pk).exists()


def test_a_morning_check_in_kept_after_an_undone_dose_still_counts_as_an_entry(
    patient_client, quiet_patient
):
    entry = log_and_undo(patient_client)
    entry.morning_logged_at = UNDONE_AT
    entry.pain = 3
    entry.save()
    assert NightlyEntry.objects.logged().filter(pk=entry.pk).exists()
    assert entry.is_logged
    with time_machine.travel(UNDONE_AT + timedelta(minutes=1), tick=False):
        patient = dashboard.annotated_patients(quiet_patient.user).get()
    assert patient.last_entry == TONIGHT
