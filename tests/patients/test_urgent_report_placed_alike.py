"""An urgent report is on the same night, at the same moment, in the same zone on the
clinician's night page, in the CSV export and in the FHIR export.

The FHIR AdverseEvent of a report named neither its night nor its zone (every other resource
of a night names its night, so that none is guessed back from a UTC instant): an EHR had to
place a report made at 22:00 in Tokyo by the patient's zone of the day, a night before the
one the night page shows it on once the patient had moved to Los Angeles."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from patients.models import Patient, UrgentReport
from patients.rules.fhir_ids import LOGGED_TIME_ZONE_EXTENSION_PATH, NIGHT_EXTENSION_PATH
from patients.urgent.fhir import adverse_event_id
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
# (zone the patient is in when reporting, stored report zone afterwards or None to keep it,
# zone the patient moves to, dosing time, moment reported, the night the night page gives)
CASES = {
    # 22:00 in Tokyo: that night there; 05:00 in Los Angeles, the night before there.
    "made in Tokyo, read after a move to Los Angeles": (
        "Asia/Tokyo", None, "America/Los_Angeles", "evening",
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC), date(2026, 11, 25),
    ),
    # A report zone this server does not know: read in the patient's zone (05:00 there).
    "stored in a zone this server does not know": (
        "Asia/Tokyo", "Mars/Olympus", "America/Los_Angeles", "evening",
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC), date(2026, 11, 24),
    ),
    # No zone kept with the report and none known for the patient: the clinic's default
    # (Europe/Berlin below: 14:00, after noon, that night).
    "made before zones were kept, by a patient whose zone is unknown": (
        "Asia/Tokyo", "", "Mars/Base", "evening",
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC), date(2026, 11, 25),
    ),
    # Morning dosing: 09:48 in London is that day's night (before noon, yet not the night
    # before, as for an evening doser).
    "a morning doser's report before noon": (
        "Europe/London", None, "Europe/London", "morning",
        datetime(2026, 11, 25, 9, 48, tzinfo=UTC), date(2026, 11, 25),
    ),
}  # fmt: skip


@pytest.fixture(params=list(CASES))
def placed(request, patient_a, clinician_a, settings):
    """(report, the night the night page lists it on, its zone there, the moment shown)."""
    settings.LDN_DEFAULT_PATIENT_TIME_ZONE = "Europe/Berlin"
    made_in, stored, moved_to, dosing_time, reported, expected = CASES[request.param]
    Patient.objects.filter(pk=patient_a.pk).update(time_zone=made_in)
    patient_a.refresh_from_db()
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    report = urgent_report(patient_a, reported, symptoms=["rash_swelling"], text="Hives")
    if stored is not None:
        UrgentReport.objects.filter(pk=report.pk).update(time_zone=stored)
    Patient.objects.filter(pk=patient_a.pk).update(time_zone=moved_to)
    with time_machine.travel(NOW, tick=False):
        client = signed_in_reauthenticated(clinician_a)
        listed_on = [
            night
            for night in (expected + timedelta(days=offset) for offset in (-1, 0, 1))
            if report.pk
            in [
                r.pk
                for r in client.get(
                    reverse("clinic:night", args=[patient_a.pk, night.isoformat()])
                ).context["urgent_reports"]
                or []
            ]
        ]
        assert listed_on == [expected]
        page = client.get(reverse("clinic:night", args=[patient_a.pk, expected.isoformat()]))
        shown = re.search(
            f'<a href="{reverse("clinic:urgent_report", args=[report.pk])}">'
            r'<time datetime="([^"]+)">[^<]*<abbr class="tz" title="([^"]+)">',
            page.content.decode(),
        )
        assert shown, page.content.decode()
        yield client, report, expected, shown[2], datetime.fromisoformat(shown[1])


def _range(night):
    return {"start": (night - timedelta(days=2)).isoformat(), "end": night.isoformat()}


def test_the_csv_puts_the_report_on_the_night_page_s_night_moment_and_zone(placed):
    client, report, night, zone, moment = placed
    response = client.get(reverse("clinic:export", args=[report.patient_id, "csv"]), _range(night))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    (row,) = [row for row in csv.DictReader(io.StringIO(content)) if row["urgent_reported_at"]]
    assert row["night"] == night.isoformat()
    assert row["urgent_time_zone"] == zone
    assert datetime.fromisoformat(row["urgent_reported_at"]) == moment == report.created_at


def test_the_fhir_export_puts_the_report_on_the_night_page_s_night_moment_and_zone(placed):
    client, report, night, zone, moment = placed
    response = client.get(reverse("clinic:export", args=[report.patient_id, "fhir"]), _range(night))
    bundle = json.loads(b"".join(response.streaming_content))
    (event,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["id"] == adverse_event_id(report)
    ]
    extensions = {item["url"]: item for item in event["extension"]}
    assert extensions[settings.SITE_URL + NIGHT_EXTENSION_PATH]["valueDate"] == night.isoformat()
    assert extensions[settings.SITE_URL + LOGGED_TIME_ZONE_EXTENSION_PATH]["valueCode"] == zone
    assert datetime.fromisoformat(event["date"]) == moment == report.created_at
