"""A closed patient account's record ends on the night its closure belongs to: the CSV export
stopped there (9eb2e41), while the patient page's adherence calendar, trend chart, "tonight"
stat and 7/30 adherence, the list row's dose and adherence, the night page and the visit
report still ran to today (each night since the closure a "?", "Tonight, not logged yet",
tonight's dose of a plan nobody follows any more). Every surface now reads the one rule,
PlanView.record_tonight, and they agree (found by exploratory QA)."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts import closure
from ldn_journal.accounts.accounts_admin import set_user_active
from patients.clinic import dashboard
from patients.models import Patient, UrgentReport
from prescriptions.models import PlanVersion
from tests.patients.attention_support import fresh_row
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

LIST = reverse("clinic:patients")
# Closed on the morning of 20 November (London): the night of the 19th is its last.
CLOSED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CLOSURE_NIGHT = date(2026, 11, 19)
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
# 1.5 mg to 20 November, 3 mg from the 21st: tonight's dose is not the closure night's.
STEPS = (("1.5", 20), ("3", None))
# Nights 10 to 19 November logged, the 17th skipped: through the closure night 6 of 7 and
# 9 of 19 prescribed nights taken (through today it read 1 of 6: five nights "missed").
SEVEN = "6 of 7 prescribed nights"
THIRTY = "9 of 19 prescribed nights"


@pytest.fixture
def closed(patient_a, clinician_a, admin_user):
    make_plan(patient_a, clinician_a, steps=STEPS, start=date(2026, 11, 1))
    give_nights([patient_a], CLOSURE_NIGHT, 10, dose="1.5", skip=(2,))
    with time_machine.travel(CLOSED_AT, tick=False):
        closure.close_account(patient_a.user, by=admin_user, request=None, now=CLOSED_AT)
    return Patient.objects.select_related("user").get(pk=patient_a.pk)


def _get(client, url, status=200, **params):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url, params)
    assert response.status_code == status
    return response.content.decode()


def _row_of(html, patient):
    link = f'href="{reverse("clinic:patient", args=[patient.pk])}"'
    start = html.index(link)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def _header(html):
    start = html.index('<header class="stack patient-header">')
    return html[start : html.index("</header>", start)]


def _csv_rows(clinician, patient):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("clinic:export", args=[patient.pk, "csv"]))
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _csv_adherence(rows, last, days):
    """Taken of prescribed over the ``days`` nights ending ``last``, as the CSV says them."""
    shown = [
        row
        for row in rows
        if (last - date.fromisoformat(row["night"])).days < days and row["plan_status"] == "active"
    ]
    return sum(row["status"] == "taken" for row in shown), len(shown)


def test_the_page_the_list_row_and_the_csv_agree_on_a_closed_records_last_night_and_adherence(
    clinician_client, clinician_a, closed
):
    with time_machine.travel(NOW, tick=False):
        page = dashboard.patient_page(closed, [clinician_a], NOW)
        row = fresh_row(closed, NOW)
    rows = _csv_rows(clinician_a, closed)
    last = max(date.fromisoformat(r["night"]) for r in rows)

    assert page.today == page.last_night == row.today == last == CLOSURE_NIGHT
    assert dashboard.trend_range(page, 12)[1] == CLOSURE_NIGHT
    for days, figure in ((7, page.adherence_7), (30, page.adherence_30)):
        assert (figure.taken, figure.prescribed) == _csv_adherence(rows, last, days)
    assert row.adherence_7 == page.adherence_7
    assert row.adherence_30 == page.adherence_30
    assert (page.adherence_7.taken, page.adherence_7.prescribed) == (6, 7)
    assert (page.adherence_30.taken, page.adherence_30.prescribed) == (9, 19)
    # The list as the clinician reads it (the stored row) says the same.
    listed = _row_of(_get(clinician_client, LIST), closed)
    assert SEVEN in listed
    assert THIRTY in listed


def test_the_list_row_of_an_account_closed_months_ago_still_counts_the_nights_before_it(closed):
    # The list reads the nights of the flags' weeks before tonight: those of a closure
    # months ago are read apart (in the same query).
    later = datetime(2027, 3, 1, 22, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        row = fresh_row(closed, later)

    assert row.today == CLOSURE_NIGHT
    assert (row.adherence_7.taken, row.adherence_7.prescribed) == (6, 7)
    assert (row.adherence_30.taken, row.adherence_30.prescribed) == (9, 19)


def test_the_list_row_of_a_closed_account_shows_the_closure_nights_dose_not_tonights(
    clinician_client, closed
):
    row = _row_of(_get(clinician_client, LIST), closed)

    assert "<strong>1.5 mg</strong>" in row
    assert "3 mg" not in row


def test_the_patient_page_of_a_closed_account_ends_its_stats_and_calendar_at_the_closure_night(
    clinician_client, closed
):
    html = _get(clinician_client, reverse("clinic:patient", args=[closed.pk]))

    header = _header(html)
    assert '<span class="stat-value">1.5 mg</span>' in header
    assert "3 mg" not in header
    assert SEVEN in header
    assert THIRTY in header
    # The calendar opens on the closure's month: the closure night as logged, the nights
    # after it neither missed nor open.
    assert "19 Nov: Taken" in html
    assert "17 Nov: Skipped" in html
    for day in range(20, 31):
        assert f"{day} Nov: Not logged" not in html
        assert f"{day} Nov: Closed account" in html
    assert "not logged yet" not in html


def test_the_night_page_of_a_night_after_the_closure_is_not_found(clinician_client, closed):
    url = reverse("clinic:night", args=[closed.pk, "2026-11-22"])
    _get(clinician_client, url, status=404)
    _get(clinician_client, reverse("clinic:night", args=[closed.pk, "2026-11-19"]))


def test_the_visit_report_of_a_closed_account_ends_at_the_closure_night(clinician_client, closed):
    html = _get(clinician_client, reverse("clinic:report", args=[closed.pk]))

    assert "1 Nov 2026 to 19 Nov 2026 (19 nights)" in html
    assert "of prescribed nights taken (9 of 19)" in html
    assert "3 mg" not in html.split('class="report-grid"')[1].split("</section>")[0]


def test_the_fhir_export_of_a_closed_account_gives_the_plan_as_it_stood_at_the_closure(
    clinician_a, patient_a, admin_user
):
    # A hold signed before the closure, from a night after it: on hold "tonight", never on
    # a night of the record. The request went out "on-hold" while the CSV's last row said
    # the plan was active.
    make_plan(
        patient_a, clinician_a, steps=STEPS, start=date(2026, 11, 1), hold_from=date(2026, 11, 22)
    )
    with time_machine.travel(CLOSED_AT, tick=False):
        closure.close_account(patient_a.user, by=admin_user, request=None, now=CLOSED_AT)
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("clinic:export", args=[patient_a.pk, "fhir"]))
        assert response.status_code == 200
        bundle = json.loads(b"".join(response.streaming_content))
    rows = _csv_rows(clinician_a, patient_a)

    [request] = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "MedicationRequest"
    ]
    assert rows[-1]["night"] == CLOSURE_NIGHT.isoformat()
    assert rows[-1]["plan_status"] == "active"
    assert request["status"] == "active"


# --- The visit report's badge -----------------------------------------------------------------

BADGE = "Account closed on 20 Nov 2026 — the record is kept, read-only"
DEACTIVATED = "Account deactivated — no reminders, cannot sign in"


def _report_header(html):
    start = html.index('<header class="report-header">')
    return html[start : html.index("</header>", start)]


def test_the_visit_report_of_a_closed_account_has_the_closed_badge(clinician_client, closed):
    header = _report_header(_get(clinician_client, reverse("clinic:report", args=[closed.pk])))

    assert "Visit report: Closed account" in header
    assert BADGE in header
    assert DEACTIVATED not in header


def test_the_visit_report_of_a_deactivated_account_has_the_deactivated_badge(
    clinician_client, patient_a
):
    set_user_active(patient_a.user, False)

    header = _report_header(_get(clinician_client, reverse("clinic:report", args=[patient_a.pk])))

    assert DEACTIVATED in header
    assert "Account closed" not in header


def test_the_visit_report_of_an_open_account_has_no_account_badge(clinician_client, patient_a):
    header = _report_header(_get(clinician_client, reverse("clinic:report", args=[patient_a.pk])))

    assert "badge-sentence" not in header


def test_the_plan_page_of_a_closed_account_says_the_dose_of_its_closure_night(
    clinician_client, closed
):
    html = _get(clinician_client, reverse("clinic:plan", args=[closed.pk]))

    assert '<span class="stat-label">19 Nov</span>' in html
    assert '<span class="stat-value">1.5 mg</span>' in html
    assert "Tonight (25 Nov)" not in html


# --- An urgent report left open at the closure ------------------------------------------------


def test_acknowledging_a_closed_accounts_report_signs_no_hold_on_the_read_only_record(
    clinician_client, patient_a, clinician_a, admin_user
):
    make_plan(patient_a, clinician_a, steps=STEPS, start=date(2026, 11, 1))
    report = UrgentReport.objects.create(
        patient=patient_a, severity="severe", created_at=CLOSED_AT - timedelta(hours=2)
    )
    with time_machine.travel(CLOSED_AT, tick=False):
        closure.close_account(patient_a.user, by=admin_user, request=None, now=CLOSED_AT)
    versions = PlanVersion.objects.filter(prescription__patient=patient_a).count()
    url = reverse("clinic:urgent_acknowledge", args=[report.pk])

    with time_machine.travel(NOW, tick=False):
        held = clinician_client.post(url, {"note": "Stop for now", "decision": "hold"})
        report.refresh_from_db()
        assert report.acknowledged_at is None
        seen = clinician_client.post(url, {"note": "Seen", "decision": "continue"})

    assert held.status_code == 400
    assert "the record is kept read-only" in held.content.decode()
    assert PlanVersion.objects.filter(prescription__patient=patient_a).count() == versions
    assert seen.status_code == 302
    report.refresh_from_db()
    assert report.acknowledged_at == NOW
