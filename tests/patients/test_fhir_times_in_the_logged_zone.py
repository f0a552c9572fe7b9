"""The FHIR export dates a night's untimed parts (a skipped dose, morning answers saved with
no time) in the zone the night was logged in, as every other surface reads a past night's
times (NightlyEntry.logged_tz), not in the zone the patient has moved to since.

A skip logged in Kiritimati (UTC+14) on the night of 20 Nov went out, once the patient had
moved to Adak (UTC-10), dated 21:00 in Adak: 07:00 UTC on the 21st, which is 21:00 on the
21st in the zone the export itself names for the dose (logged-time-zone), the next night;
and the same export made before the move said another instant (found by exploratory QA).
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from patients.clinic.exports import fhir, rows
from patients.models import NightlyEntry
from prescriptions import plans
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

NIGHT = date(2026, 11, 20)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LOGGED_IN = "Pacific/Kiritimati"  # UTC+14
MOVED_TO = "America/Adak"  # UTC-10 in November


def export(patient):
    plan = plans.load(patient)
    start, end = date(2026, 11, 1), date(2026, 11, 24)
    bundle = fhir.bundle(patient, plan, rows.nights(patient, start, end), NOW, start, end)
    return {
        e["resource"]["resourceType"]: e["resource"]["effectiveDateTime"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] in ("MedicationAdministration", "Observation")
    }


@pytest.fixture
def skipped_in_kiritimati(patient_a, clinician_a):
    patient_a.time_zone = LOGGED_IN
    patient_a.save()
    make_plan(patient_a, clinician_a)
    NightlyEntry.objects.create(
        patient=patient_a,
        night=NIGHT,
        status="skipped",
        skip_reason="forgot",
        pain=4,
        time_zone=LOGGED_IN,
    )
    return patient_a


def test_a_skip_and_its_untimed_morning_are_dated_in_the_zone_they_were_logged_in(
    skipped_in_kiritimati,
):
    zone = ZoneInfo(LOGGED_IN)
    dated = export(skipped_in_kiritimati)
    given = datetime.fromisoformat(dated["MedicationAdministration"]).astimezone(zone)
    score = datetime.fromisoformat(dated["Observation"]).astimezone(zone)
    assert (given.date(), given.hour) == (NIGHT, 21)
    assert (score.date(), score.hour) == (date(2026, 11, 21), 9)


def test_moving_zones_does_not_move_a_past_nights_dates_in_the_export(skipped_in_kiritimati):
    before = export(skipped_in_kiritimati)
    skipped_in_kiritimati.time_zone = MOVED_TO
    skipped_in_kiritimati.save()
    assert (
        export(skipped_in_kiritimati)
        == before
        == {
            "MedicationAdministration": "2026-11-20T07:00:00+00:00",
            "Observation": "2026-11-20T19:00:00+00:00",
        }
    )


def test_a_night_with_no_zone_recorded_is_dated_in_the_patients_zone(skipped_in_kiritimati):
    NightlyEntry.objects.update(time_zone="")
    skipped_in_kiritimati.time_zone = MOVED_TO
    skipped_in_kiritimati.save()
    assert export(skipped_in_kiritimati) == {
        "MedicationAdministration": "2026-11-21T07:00:00+00:00",  # 21:00 in Adak on the 20th
        "Observation": "2026-11-21T19:00:00+00:00",
    }
