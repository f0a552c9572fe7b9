"""Issue 18, item 5 of the Build list: the admin's audit viewer filters by action, actor,
patient and dates, downloads the filtered rows, and speaks in words, not action codes."""

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts.models import AccessLog
from patients.clinic.access_log import AUDIT_ACTION_LABELS, ROUTE_LABELS, AccessLogFilterForm
from patients.models import ROUTE_BREAK_GLASS, ROUTE_CARE_TEAM, ROUTE_COVERING, ROUTES
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


def routed(route, actor, patient):
    row = log("patient.view", actor, patient)
    row.route = route
    row.save(update_fields=["route"])
    return row


@pytest.mark.parametrize("route", [ROUTE_CARE_TEAM, ROUTE_COVERING, ROUTE_BREAK_GLASS])
def test_the_log_filters_by_how_the_clinician_reached_the_patient(
    admin_client_, clinician_a, patient_a, route
):
    rows = {r: routed(r, clinician_a, patient_a) for r in ROUTES}
    log("security.login", clinician_a)  # no route: not a read of a patient

    page = admin_client_.get(URL, {"route": route})
    csv_rows = list(
        csv.DictReader(
            io.StringIO(
                admin_client_.get(URL, {"route": route, "format": "csv"}).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )

    assert list(page.context["page"]) == [rows[route]]
    assert [row["route"] for row in csv_rows] == [route]
    # No filter: all, and the CSV download itself (logged as access_log.export).
    assert admin_client_.get(URL).context["page"].paginator.count == 5


def test_an_unknown_route_says_what_is_allowed_and_shows_no_rows(
    admin_client_, clinician_a, patient_a
):
    routed(ROUTE_BREAK_GLASS, clinician_a, patient_a)
    log("security.login", clinician_a)

    page = admin_client_.get(URL, {"route": "anything"})

    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert page.context["page"] is None


def test_the_unusual_route_index_covers_exactly_the_routes_the_filter_looks_for():
    (index,) = [i for i in AccessLog._meta.indexes if i.name == "accesslog_unusual_route"]
    children = dict(index.condition.children)
    assert set(children["route__in"]) == set(ROUTE_LABELS) == {ROUTE_COVERING, ROUTE_BREAK_GLASS}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plan")
@pytest.mark.parametrize("route", [ROUTE_COVERING, ROUTE_BREAK_GLASS])
def test_the_route_filter_can_use_the_unusual_route_index(db, route):
    rows = AccessLogFilterForm({"route": route}).apply(AccessLog.objects.order_by("-at", "-pk"))
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "accesslog_unusual_route" in plan, plan


def test_a_start_after_the_end_is_refused_in_the_readers_language(admin_client_):
    page = admin_client_.get(
        URL, {"start": "2026-03-05", "end": "2026-03-01"}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert page.status_code == 200
    with translation.override("es"):
        message = str(
            translation.gettext(
                "The start date is after the end date: choose a start on or before the end."
            )
        )
    assert message != "The start date is after the end date: choose a start on or before the end."
    assert message in page.content.decode()


def test_a_start_after_the_end_says_what_is_allowed_and_shows_no_table(
    admin_client_, clinician_a, patient_a
):
    """?start=2026-12-06&end=2026-12-01 showed every row of the log under its error, which
    read as the answer (exploratory QA)."""
    log("urgent.read", clinician_a, patient_a, at=datetime(2026, 12, 3, 10, tzinfo=UTC))

    page = admin_client_.get(URL, {"start": "2026-12-06", "end": "2026-12-01"})
    text = page.content.decode()

    assert page.status_code == 200
    assert "The start date is after the end date: choose a start on or before the end." in text
    assert "No entries are shown until the filters above are corrected." in text
    assert "<table" not in text
