"""The printable visit report: content, default range, bad ranges, notes optional."""

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients.clinic import report
from patients.models import ClinicianNote
from patients.rules.flags import NightRecord
from patients.rules.scales import MOOD, PAIN
from prescriptions.models import PlanVersion
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=60))
    give_nights([patient_a], TONIGHT, 60, dose="1.5", skip=(3, 4))
    ClinicianNote.objects.create(
        patient=patient_a,
        author=clinician_a,
        text="<b>Seen</b> today",
        created_at=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
    )
    return patient_a


def test_symptom_change_compares_the_first_and_last_14_nights_by_direction():
    start, end = date(2026, 1, 1), date(2026, 2, 28)
    records = [
        NightRecord(start + timedelta(days=i), "taken", scores={"pain": 6, "mood": 4})
        for i in range(14)
    ] + [
        NightRecord(end - timedelta(days=i), "taken", scores={"pain": 3, "mood": 6})
        for i in range(14)
    ]
    pain, mood = report.symptom_changes(records, start, end, [PAIN, MOOD])
    assert (pain.start_mean, pain.end_mean, pain.change_percent, pain.better) == (
        6,
        3,
        -50,
        "better",
    )
    assert (mood.change_percent, mood.better) == (50, "better")


@time_machine.travel(NOW, tick=False)
def test_the_report_shows_plan_adherence_symptoms_and_logs_one_read(clinician_client, journal):
    response = clinician_client.get(
        reverse("clinic:report", args=[journal.pk]), {"start": "2026-03-01", "end": "2026-03-30"}
    )
    assert response.status_code == 200
    text = response.text
    assert "Visit report: Patient A" in text
    assert "Starting LDN" in text  # the plan change with its reason
    assert "Pain" in text
    assert "trend-chart" in text
    assert "2 skipped" in text
    assert "Seen" not in text  # notes only when asked for
    assert AccessLog.objects.filter(action="report.view", patient=journal).count() == 1


@time_machine.travel(NOW, tick=False)
def test_notes_are_included_on_request_and_escaped(clinician_client, journal):
    response = clinician_client.get(reverse("clinic:report", args=[journal.pk]), {"notes": "1"})
    assert "&lt;b&gt;Seen&lt;/b&gt; today" in response.text


@time_machine.travel(NOW, tick=False)
def test_the_report_covers_the_whole_record_by_default(clinician_client, journal, clinician_a):
    AccessLog.objects.create(
        actor=clinician_a,
        patient=journal,
        action="report.view",
        at=datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
    )
    response = clinician_client.get(reverse("clinic:report", args=[journal.pk]))
    # The plan began 60 nights back, the first entry 59: the earlier of the two.
    assert response.context["report"]["start"] == TONIGHT - timedelta(days=60)
    assert response.context["report"]["end"] == TONIGHT


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-30", "end": "2026-01-01"}, "start date is after the end date"),
        ({"start": "2026-02-30"}, "Enter the start date as YYYY-MM-DD"),
        ({"start": "soon"}, "Enter the start date as YYYY-MM-DD"),
        ({"start": "2016-01-01", "end": "2026-03-30"}, "Ranges are limited to 731 days"),
        ({"start": "", "end": ""}, "Visit report"),
    ],
)
def test_bad_ranges_answer_with_a_message_and_a_report(clinician_client, journal, params, message):
    response = clinician_client.get(reverse("clinic:report", args=[journal.pk]), params)
    assert response.status_code == 200
    assert message in response.text


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("first", ["report", "entry", "plan", "nothing"])
def test_the_reports_default_start_is_the_record_start_the_exports_use(
    clinician_client, patient_a, clinician_a, first
):
    """The report reads it from the nights and plan it has loaded (and the first urgent
    report); the exports ask the database for all three. Both must agree."""
    from patients.clinic.views import record_start  # noqa: PLC0415
    from prescriptions import plans  # noqa: PLC0415

    back = {"report": 60, "entry": 60, "plan": 60}
    back[first] = 90
    if first != "nothing":
        give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=back["plan"]))
        give_nights([patient_a], TONIGHT, back["entry"])
        when = datetime(2026, 3, 31, 9, 0, tzinfo=UTC) - timedelta(days=back["report"])
        urgent_report(
            patient_a, when, symptoms=["vomiting"], since="few_hours", severity="moderate"
        )
    response = clinician_client.get(reverse("clinic:report", args=[patient_a.pk]))
    assert response.context["report"]["start"] == record_start(
        patient_a, TONIGHT, plans.load(patient_a)
    )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "headers"),
    [
        ("en-gb", ["From", "Change", "Reason", "Signed by"]),
        ("de", ["Ab", "Änderung", "Grund", "Signiert von"]),
        ("es", ["Desde", "Cambio", "Motivo", "Firmado por"]),
    ],
)
def test_the_plan_changes_table_names_who_signed_each_change(
    clinician_client, clinician_a, journal, language, headers
):
    """German headed the column "Per", the translation of "By" as in "by email" (the
    reminder table's channel column), found by QA. The column is the version's signer. The
    first column, the night each version takes effect from, is "Ab" (from then on), not the
    date range's "Von"."""
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    text = clinician_client.get(
        reverse("clinic:report", args=[journal.pk]), {"start": "2026-03-01", "end": "2026-03-30"}
    ).text
    table = text.split('<table class="table report-table">', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r'<th scope="col">(.*?)</th>', table) == headers


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "showing 30 Mar 2024 to 30 Mar 2026."),
        ("de", "Angezeigt wird 30. Mär 2024 bis 30. Mär 2026."),
    ],
)
def test_a_range_cut_to_two_years_writes_its_dates_as_the_page_does(
    clinician_client, clinician_a, journal, language, said
):
    """The cut range's dates are written as every date on the page: they were ISO
    ("2024-12-04 bis 2026-12-04") in every language (found by QA)."""
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    params = {"start": "2016-01-01", "end": "2026-03-30"}
    response = clinician_client.get(reverse("clinic:report", args=[journal.pk]), params)
    assert said in html.unescape(response.text)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "dosing_time", "said"),
    [
        ("en", "evening", "30 Mar 2026 to 30 Mar 2026 (1 night)"),
        ("en", "morning", "30 Mar 2026 to 30 Mar 2026 (1 day)"),
        ("de", "evening", "(1 Nacht)"),
        ("de", "morning", "(1 Tag)"),
        ("es", "evening", "(1 noche)"),
        ("es", "morning", "(1 día)"),
        ("en", "evening", "1 Mar 2026 to 30 Mar 2026 (30 nights)"),
    ],
)
def test_the_reports_header_counts_one_night_or_day_in_the_singular(
    clinician_client, clinician_a, journal, language, dosing_time, said
):
    """It said "(1 nights)", "(1 Tage)", "(1 noches)" (found by QA): one form for every count."""
    PlanVersion.objects.filter(prescription__patient=journal).update(dosing_time=dosing_time)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    start = "2026-03-01" if "30 nights" in said else "2026-03-30"
    text = html.unescape(
        clinician_client.get(
            reverse("clinic:report", args=[journal.pk]), {"start": start, "end": "2026-03-30"}
        ).text
    )
    assert said in text


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Nothing is recorded after 30 Mar 2026: choose dates up to then."),
        ("de", "Nach dem 30. Mär 2026 ist nichts erfasst: Wählen Sie Daten bis dahin."),
        ("es", "No hay nada registrado después del 30 mar 2026: elija fechas hasta entonces."),
    ],
)
def test_a_range_wholly_after_the_record_gets_one_message_with_a_local_date(
    clinician_client, clinician_a, journal, language, said
):
    """It said "Nothing is recorded after 2026-03-30: the range ends there." and "The start
    date is after the end date" (the cut made the second; found by QA)."""
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    response = clinician_client.get(
        reverse("clinic:report", args=[journal.pk]), {"start": "2027-01-01", "end": "2027-02-01"}
    )
    assert response.status_code == 200
    errors = [str(e) for errors in response.context["form"].errors.values() for e in errors]
    assert errors == [said]
    assert not list(response.context["messages"])
    assert said in html.unescape(response.text)


@time_machine.travel(NOW, tick=False)
def test_a_csv_export_wholly_after_the_record_comes_back_with_one_message(
    clinician_client, journal
):
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, {"start": "2027-01-01", "end": "2027-02-01"})
    assert response.status_code == 302
    page = html.unescape(clinician_client.get(response["Location"].split("#")[0]).text)
    assert page.count("Nothing is recorded after 30 Mar 2026: choose dates up to then.") == 1
    assert "The start date is after the end date" not in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("end", "listed"), [("2026-03-20", False), ("2026-03-26", True), ("2026-03-30", True)]
)
def test_the_report_lists_only_the_flags_about_nights_in_its_range(
    clinician_client, journal, end, listed
):
    """The missed nights are 26 and 27 Mar. A report to 20 Mar listed them, as every flag
    open now about a later night ("Missed days … 26 Nov to 3 Dec" in a report of 1 Nov;
    found by QA)."""
    response = clinician_client.get(
        reverse("clinic:report", args=[journal.pk]), {"start": "2026-03-01", "end": end}
    )
    flags = {flag.kind: flag for flag, _ in response.context["report"]["flags"]}
    assert ("missed" in flags) is listed
    # The dose deviations (1.5 mg taken, 3 mg prescribed from 16 Mar) are in every range.
    assert all(
        any(date(2026, 3, 1) <= night <= date.fromisoformat(end) for night in flag.evidence)
        for flag in flags.values()
    )
