"""Issue 18, item 5 of the Build list: the admin's audit viewer filters by action, actor,
patient and dates, downloads the filtered rows, and speaks in words, not action codes."""

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients.clinic.access_log import AUDIT_ACTION_LABELS
from tests.factories import PatientFactory

URL = reverse("manage:access_log")
ROOT = Path(__file__).resolve().parents[3]


def log(action, actor, patient=None, at=datetime(2026, 3, 2, 10, tzinfo=UTC)):
    return AccessLog.objects.create(
        action=action, actor=actor, actor_role=actor.role, patient=patient, at=at
    )


def recorded_actions():
    """Every action code the code base passes to record_access, found in the source."""
    found = set()
    call = re.compile(r"record_access\(\s*(?:request|None),\s*f?\"([a-z_.{}]+)\"", re.S)
    for folder in ("ldn_journal", "patients", "prescriptions"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(call.findall(path.read_text()))
    found.discard("care_team.{decision}")
    found.discard("export.{fmt}")
    return found | {"care_team.accept", "care_team.decline", "export.csv", "export.fhir"}


def test_every_recorded_action_has_a_readable_label():
    actions = recorded_actions()
    assert "urgent.read" in actions  # the scan finds what the code records
    assert actions - set(AUDIT_ACTION_LABELS) == set()


def test_the_log_shows_labels_not_action_codes(admin_client_, clinician_a, patient_a):
    log("urgent.read", clinician_a, patient_a)

    page = admin_client_.get(URL).content.decode()

    assert "Read an urgent report" in page
    assert "urgent.read" not in page.split("<tbody>")[1]


def test_the_log_filters_by_action(admin_client_, clinician_a, patient_a):
    log("urgent.read", clinician_a, patient_a)
    log("patient.view", clinician_a, patient_a)

    page = admin_client_.get(URL, {"action": "urgent.read"})

    assert [row.action for row in page.context["page"]] == ["urgent.read"]


def test_an_unknown_action_filter_says_what_is_allowed_and_filters_nothing(
    admin_client_, clinician_a, patient_a
):
    log("urgent.read", clinician_a, patient_a)

    page = admin_client_.get(URL, {"action": "drop table"})

    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()


def test_the_log_filters_by_actor_patient_and_dates_together(
    admin_client_, clinician_a, clinician_b, patient_a
):
    other = PatientFactory(user__display_name="Other Person", clinicians=[clinician_a])
    wanted = log("patient.view", clinician_a, patient_a, at=datetime(2026, 3, 5, 9, tzinfo=UTC))
    log("patient.view", clinician_b, patient_a, at=datetime(2026, 3, 5, 9, tzinfo=UTC))
    log("patient.view", clinician_a, other, at=datetime(2026, 3, 5, 9, tzinfo=UTC))
    log("patient.view", clinician_a, patient_a, at=datetime(2026, 4, 1, 9, tzinfo=UTC))

    page = admin_client_.get(
        URL,
        {
            "user": clinician_a.email,
            "patient": patient_a.user.email,
            "start": "2026-03-01",
            "end": "2026-03-31",
        },
    )

    assert list(page.context["page"]) == [wanted]


@pytest.mark.parametrize("action", ["urgent.read", "care_team.transfer"])
def test_the_csv_holds_only_the_filtered_rows_with_their_labels(
    admin_client_, clinician_a, patient_a, action
):
    log("urgent.read", clinician_a, patient_a)
    log("care_team.transfer", clinician_a, patient_a)

    response = admin_client_.get(URL, {"action": action, "format": "csv"})

    body = b"".join(response.streaming_content if response.streaming else [response.content])
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["action"] for row in rows] == [action]
    assert rows[0]["action_label"] == str(AUDIT_ACTION_LABELS[action])
