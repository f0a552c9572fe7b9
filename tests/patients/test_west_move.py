"""A night logged further east, then the patient moves west: for a few hours that night is
one after tonight in the new zone. It was logged, so every surface still shows it (it was a
404 on the patient's night page and a blank "not yet" cell on both calendars; the report and
both exports cut every range at tonight, dropping it)."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from patients.clinic.exports import fhir
from patients.models import NightlyEntry
from patients.urgent.reports import report_night
from prescriptions.plans import load
from tests.patients.journal_support import make_plan, month_cell
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

LOGGED_NIGHT = date(2026, 11, 25)
# 22:00 in Tokyo on the 25th: night of the 25th there.
LOGGED_AT = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
# An hour later the patient is in Los Angeles, where it is 06:00 on the 25th: before noon,
# so tonight there is the 24th.
NOW = LOGGED_AT + timedelta(hours=1)


@pytest.fixture
def moved(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    entry = NightlyEntry.objects.create(
        patient=patient_a,
        night=LOGGED_NIGHT,
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=LOGGED_AT,
        evening_logged_at=LOGGED_AT,
        time_zone="Asia/Tokyo",
    )
    patient_a.time_zone = "America/Los_Angeles"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(NOW, tick=False):
        assert load(patient_a).tonight(patient_a.tz, NOW) == LOGGED_NIGHT - timedelta(days=1)
        yield entry


def test_the_patients_night_page_opens_the_entry_logged_ahead_of_tonight(client, patient_a, moved):
    client.force_login(patient_a.user)
    response = client.get(reverse("journal:night", args=[LOGGED_NIGHT]))
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:entry", args=[moved.pk])
    # A night after tonight with nothing logged is still not a page.
    after = client.get(reverse("journal:night", args=[LOGGED_NIGHT + timedelta(days=1)]))
    assert after.status_code == 404


def test_the_patients_calendar_shows_the_night_logged_ahead_of_tonight(client, patient_a, moved):
    client.force_login(patient_a.user)
    page = client.get(reverse("journal:history")).content.decode()
    css, text = month_cell(page, 25)
    assert css == "taken"
    assert "taken 1.5 mg" in text
    assert reverse("journal:night", args=[LOGGED_NIGHT]) in page
    assert month_cell(page, 26)[0] == "future"


def test_the_clinicians_calendar_shows_the_night_logged_ahead_of_today(
    client, clinician_a, patient_a, moved
):
    clinician = Client()
    clinician.force_login(clinician_a)
    page = clinician.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    css, text = month_cell(page, 25)
    assert css == "taken"
    assert "Taken" in text
    assert month_cell(page, 26)[0] == "future"


# When the Tokyo night starts in Los Angeles: noon there on the 25th.
STARTS_HERE = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "says", "wrong"),
    [
        (
            "en",
            "Here it has not started yet: you can change it from Wed 25 Nov, 12:00.",
            "more than 7 days ago",
        ),
        (
            "de",
            "Hier hat sie noch nicht begonnen: Sie können sie ab Mi, 25. Nov, 12:00 ändern.",
            "mehr als 7 Tage zurück",
        ),
        (
            "es",
            "Aquí todavía no ha empezado: puede cambiarla a partir del mié 25 nov, 12:00.",
            "hace más de 7 días",
        ),
    ],
)
def test_the_entry_logged_ahead_of_tonight_says_when_it_can_be_changed_not_that_it_is_old(
    client, patient_a, moved, language, says, wrong
):
    client.force_login(patient_a.user)
    page = client.get(
        reverse("journal:entry", args=[moved.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert wrong not in page
    assert says in page
    # Not editable yet: the edit path refuses a night after tonight (check_editable).
    assert reverse("journal:evening", args=[LOGGED_NIGHT]) not in page


def test_the_entry_logged_ahead_of_tonight_can_be_changed_once_its_night_starts_here(
    client, patient_a, moved
):
    client.force_login(patient_a.user)
    with time_machine.travel(STARTS_HERE, tick=False):
        page = client.get(reverse("journal:entry", args=[moved.pk])).content.decode()
    assert reverse("journal:evening", args=[LOGGED_NIGHT]) in page
    assert "has not started yet" not in page


# --- Ranges: a report or an export reaches the newest night logged --------------------------
# The brief's journey: logged on 30 Nov and 2 Dec in London, on 3 Dec in Kiritimati (UTC+14,
# at 12:30 there), then in Pago Pago (UTC-11) twenty minutes later, where it is 11:50 on
# 2 Dec: tonight is 1 Dec, two nights before the newest one logged.
FAR_AHEAD = date(2026, 12, 3)
FAR_NOW = datetime(2026, 12, 2, 22, 50, tzinfo=UTC)
FAR_NIGHTS = {
    date(2026, 11, 30): ("Europe/London", datetime(2026, 11, 30, 21, 0, tzinfo=UTC)),
    date(2026, 12, 2): ("Europe/London", datetime(2026, 12, 2, 21, 0, tzinfo=UTC)),
    FAR_AHEAD: ("Pacific/Kiritimati", datetime(2026, 12, 2, 22, 30, tzinfo=UTC)),
}
LOGGED = [night.isoformat() for night in FAR_NIGHTS]
ASKED = {"start": "2026-11-30", "end": "2026-12-03"}


@pytest.fixture
def far_west(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    for night, (zone, at) in FAR_NIGHTS.items():
        NightlyEntry.objects.create(
            patient=patient_a,
            night=night,
            status=NightlyEntry.Status.TAKEN,
            dose_mg=Decimal("1.5"),
            prescribed_mg=Decimal("1.5"),
            taken_at=at,
            evening_logged_at=at,
            time_zone=zone,
        )
    patient_a.time_zone = "Pacific/Pago_Pago"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(FAR_NOW, tick=False):
        assert load(patient_a).tonight(patient_a.tz, FAR_NOW) == date(2026, 12, 1)
        yield patient_a


def _exported_nights(response, fmt):
    """The download's file name and the nights it holds."""
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    if fmt == "csv":
        # The nights logged (the CSV has a row for each night the plan prescribed up to
        # tonight too, logged or not: test_export_csv_holds_and_missed_nights).
        nights = [row["night"] for row in csv.DictReader(io.StringIO(content)) if row["status"]]
    else:
        night_url = settings.SITE_URL + fhir.NIGHT_EXTENSION_PATH
        nights = [
            extension["valueDate"]
            for item in json.loads(content)["entry"]
            if item["resource"]["resourceType"] == "MedicationAdministration"
            for extension in item["resource"].get("extension", [])
            if extension["url"] == night_url
        ]
    return response["Content-Disposition"], nights


def _exporter(who, patient, clinician):
    """A signed-in, just re-authenticated client and the export URL for ``who``."""
    client = signed_in_reauthenticated(clinician if who == "clinician" else patient.user)
    if who == "clinician":
        return client, lambda fmt: reverse("clinic:export", args=[patient.pk, fmt])
    return client, lambda fmt: reverse("journal:export_format", args=[fmt])


@pytest.mark.parametrize("who", ["clinician", "patient"])
@pytest.mark.parametrize("fmt", ["csv", "fhir"])
@pytest.mark.parametrize("params", [ASKED, {}], ids=["asked", "default"])
def test_an_export_holds_the_nights_logged_ahead_of_tonight(
    who, fmt, params, far_west, clinician_a
):
    client, url = _exporter(who, far_west, clinician_a)
    response = client.get(url(fmt), params)
    assert response.status_code == 200
    name, nights = _exported_nights(response, fmt)
    extension = "csv" if fmt == "csv" else "json"
    assert name.endswith(f'_2026-12-03.{extension}"'), name
    assert nights == LOGGED


@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_an_export_asked_past_the_newest_night_logged_still_ends_on_it(who, far_west, clinician_a):
    client, url = _exporter(who, far_west, clinician_a)
    response = client.get(url("csv"), {"start": "2026-11-30", "end": "2026-12-10"})
    name, nights = _exported_nights(response, "csv")
    # A clinician's file names the patient's record number; the patient's own does not.
    named = f"patient-{far_west.pk}-" if who == "clinician" else ""
    assert name.endswith(f'"ldn-journal-{named}2026-11-30_2026-12-03.csv"'), name
    assert nights == LOGGED


@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_an_export_starting_after_the_newest_night_logged_is_refused(who, far_west, clinician_a):
    client, url = _exporter(who, far_west, clinician_a)
    response = client.get(url("csv"), {"start": "2026-12-04", "end": "2026-12-10"})
    assert response.status_code == 302


@pytest.mark.parametrize("params", [ASKED, {}], ids=["asked", "default"])
def test_the_visit_report_covers_the_nights_logged_ahead_of_tonight(
    clinician_client, far_west, params
):
    response = clinician_client.get(reverse("clinic:report", args=[far_west.pk]), params)
    report = response.context["report"]
    assert report["end"] == FAR_AHEAD
    assert report["taken"] == len(FAR_NIGHTS)
    assert not list(response.context["messages"])


def test_the_visit_report_past_the_newest_night_logged_ends_on_it_and_says_so(
    clinician_client, far_west
):
    response = clinician_client.get(
        reverse("clinic:report", args=[far_west.pk]), {"start": "2026-11-30", "end": "2026-12-10"}
    )
    assert response.context["report"]["end"] == FAR_AHEAD
    notices = [str(message) for message in response.context["messages"]]
    assert notices == ["Nothing is recorded after 3 Dec 2026: the range ends there."]


def test_the_patient_pages_export_picker_runs_to_the_newest_night_logged(
    clinician_client, far_west
):
    response = clinician_client.get(reverse("clinic:patient", args=[far_west.pk]))
    form = response.context["export_form"]
    assert form.default_end == FAR_AHEAD
    assert form.whole_record
    assert "(1 Nov 2026 to 3 Dec 2026)" in response.content.decode()


def test_the_patient_pages_trend_runs_to_the_newest_night_logged(clinician_client, far_west):
    response = clinician_client.get(reverse("clinic:patient", args=[far_west.pk]))
    taken = next(s for s in response.context["chart_series"] if s.key == "taken")
    assert [night.isoformat() for night, dose in taken.points if dose is not None] == LOGGED


# --- An urgent report made further east, on a night after every night logged ---------------
# Logged on 30 Nov and 2 Dec in London; the report is made in Kiritimati at 12:30 on 3 Dec
# there (the night of 3 Dec, nothing logged on it); twenty minutes later the patient is in
# Pago Pago, where tonight is 1 Dec. The ranges followed the newest night logged (2 Dec) and
# left the report out of the default report and export, and cut a range asked to 3 Dec.
REPORTED_AT = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)


@pytest.fixture
def reported_west(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    for night, (zone, at) in FAR_NIGHTS.items():
        if night != FAR_AHEAD:
            NightlyEntry.objects.create(
                patient=patient_a,
                night=night,
                status=NightlyEntry.Status.TAKEN,
                dose_mg=Decimal("1.5"),
                prescribed_mg=Decimal("1.5"),
                taken_at=at,
                evening_logged_at=at,
                time_zone=zone,
            )
    patient_a.time_zone = "Pacific/Kiritimati"
    patient_a.save(update_fields=["time_zone"])
    report = urgent_report(patient_a, REPORTED_AT)
    patient_a.time_zone = "Pacific/Pago_Pago"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(FAR_NOW, tick=False):
        view = load(patient_a)
        assert view.tonight(patient_a.tz, FAR_NOW) == date(2026, 12, 1)
        assert report_night(report, patient_a.tz, view) == FAR_AHEAD
        yield report


@pytest.mark.parametrize("params", [ASKED, {}], ids=["asked", "default"])
def test_the_visit_report_reaches_an_urgent_report_made_ahead_of_every_night_logged(
    clinician_client, reported_west, params
):
    response = clinician_client.get(
        reverse("clinic:report", args=[reported_west.patient_id]), params
    )
    report = response.context["report"]
    assert report["end"] == FAR_AHEAD
    assert [r.pk for r in report["urgent_reports"]] == [reported_west.pk]
    assert not list(response.context["messages"])


@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_a_default_export_reaches_an_urgent_report_made_ahead_of_every_night_logged(
    who, reported_west, clinician_a
):
    client, url = _exporter(who, reported_west.patient, clinician_a)
    response = client.get(url("fhir"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Disposition"].endswith('_2026-12-03.json"')
    kinds = [item["resource"]["resourceType"] for item in json.loads(content)["entry"]]
    assert kinds.count("AdverseEvent") == 1


@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_a_default_csv_has_a_row_for_an_urgent_reports_night_ahead_of_every_night_logged(
    who, reported_west, clinician_a
):
    client, url = _exporter(who, reported_west.patient, clinician_a)
    response = client.get(url("csv"))
    assert response["Content-Disposition"].endswith('_2026-12-03.csv"')
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = [
        row
        for row in csv.DictReader(io.StringIO(content))
        if row["status"] or row["urgent_reported_at"]
    ]
    assert [row["night"] for row in rows] == [*LOGGED[:2], FAR_AHEAD.isoformat()]
    assert rows[-1]["status"] == ""
    assert rows[-1]["urgent_reported_at"] == REPORTED_AT.isoformat()
    assert rows[-1]["urgent_time_zone"] == "Pacific/Kiritimati"


# --- The CSV's rows for unlogged nights around the nights logged ahead ----------------------
# The CSV has a row for each night the plan asked something of up to tonight, logged or not
# (test_export_csv_holds_and_missed_nights); a night after tonight has one only when logged
# or reported: it is still open here (the calendars mark it "future", adherence leaves it
# out), not missed.


def _csv_rows(client, url, params):
    response = client.get(url("csv"), params)
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return [
        (row["night"], row["status"], row["prescribed_mg"], row["plan_status"])
        for row in csv.DictReader(io.StringIO(content))
    ]


@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_the_csv_rows_around_the_nights_logged_ahead_of_tonight(who, far_west, clinician_a):
    client, url = _exporter(who, far_west, clinician_a)
    rows = _csv_rows(client, url, {"start": "2026-11-28"})
    assert rows == [
        ("2026-11-28", "", "1.50", "active"),  # missed
        ("2026-11-29", "", "1.50", "active"),
        ("2026-11-30", "taken", "1.50", "active"),
        ("2026-12-01", "", "1.50", "active"),  # tonight in Pago Pago, not logged
        ("2026-12-02", "taken", "1.50", "active"),  # logged ahead of tonight
        ("2026-12-03", "taken", "1.50", "active"),
    ]


def test_an_unlogged_night_between_tonight_and_a_night_logged_ahead_has_no_row(
    far_west, clinician_a
):
    """2 Dec not logged: it begins in Pago Pago in ten minutes, still open to log there."""
    NightlyEntry.objects.filter(patient=far_west, night=date(2026, 12, 2)).delete()
    client, url = _exporter("clinician", far_west, clinician_a)
    rows = _csv_rows(client, url, {"start": "2026-11-30"})
    assert [night for night, *_ in rows] == ["2026-11-30", "2026-12-01", "2026-12-03"]
    page = client.get(reverse("clinic:patient", args=[far_west.pk])).content.decode()
    assert month_cell(page, 2)[0] == "future"  # as the calendar marks it
