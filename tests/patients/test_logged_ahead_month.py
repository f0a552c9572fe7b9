"""A night logged ahead of tonight falls in the next month: logged on 1 Dec in Tokyo, then the
patient moves to Los Angeles, where tonight is 30 Nov. Both calendars let you step on to
December, where it is, and the patient's trends and stats reach it (the calendars' "next
month" stopped at tonight's month, and the trends and stats ended at tonight: found by QA)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry, SideEffect
from prescriptions.plans import load
from tests.patients.journal_support import make_plan, month_cell
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

AHEAD = date(2026, 12, 1)
# 22:00 in Tokyo on 1 Dec: the night of 1 Dec there.
LOGGED_AT = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
# An hour later in Los Angeles it is 06:00 on 1 Dec: before noon, so tonight is 30 Nov.
NOW = LOGGED_AT + timedelta(hours=1)
TONIGHT = date(2026, 11, 30)


def _log(patient, night, status=NightlyEntry.Status.TAKEN):
    at = datetime(night.year, night.month, night.day, 13, 0, tzinfo=UTC)
    taken = status == NightlyEntry.Status.TAKEN
    NightlyEntry.objects.create(
        patient=patient,
        night=night,
        status=status,
        dose_mg=Decimal("1.5") if taken else None,
        prescribed_mg=Decimal("1.5"),
        taken_at=at if taken else None,
        evening_logged_at=at,
        # Changed when logged, as the journal writes it (not when the test runs: a review
        # made at NOW covers only what was on record then).
        updated_at=at,
        time_zone="Asia/Tokyo",
    )


@pytest.fixture
def moved(patient_a, clinician_a):
    """Skipped on 24 Nov, taken 25 to 29 Nov and on 1 Dec in Tokyo; 30 Nov still open."""
    make_plan(patient_a, clinician_a)
    _log(patient_a, date(2026, 11, 24), NightlyEntry.Status.SKIPPED)
    for day in range(25, 30):
        _log(patient_a, date(2026, 11, day))
    _log(patient_a, AHEAD)
    patient_a.time_zone = "America/Los_Angeles"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(NOW, tick=False):
        assert load(patient_a).tonight(patient_a.tz, NOW) == TONIGHT
        yield patient_a


def test_the_patients_calendar_steps_on_to_the_month_of_the_night_logged_ahead(moved):
    client = signed_in(moved.user)
    november = client.get(reverse("journal:history"))
    assert november.context["following"] == AHEAD
    assert "?month=2026-12" in november.content.decode()

    december = client.get(reverse("journal:history"), {"month": "2026-12"})
    assert december.context["month"] == AHEAD
    assert december.context["following"] is None  # nothing after it
    css, text = month_cell(december.content.decode(), 1)
    assert css == "taken"
    assert "taken 1.5 mg" in text
    assert month_cell(december.content.decode(), 2)[0] == "future"


def test_the_patients_calendar_goes_no_further_than_the_night_logged_ahead(moved):
    response = signed_in(moved.user).get(reverse("journal:history"), {"month": "2027-01"})
    assert response.context["month"] == AHEAD


def test_the_clinicians_calendar_steps_on_to_the_month_of_the_night_logged_ahead(
    moved, clinician_a
):
    client = signed_in(clinician_a)
    page = reverse("clinic:patient", args=[moved.pk])
    november = client.get(page)
    assert november.context["calendar_next"] == AHEAD

    december = client.get(page, {"month": "2026-12"})
    assert december.context["calendar_month"] == AHEAD
    assert december.context["calendar_next"] is None
    css, text = month_cell(december.content.decode(), 1)
    assert css == "taken"
    assert "Taken" in text
    assert client.get(page, {"month": "2027-01"}).context["calendar_month"] == AHEAD


def test_the_patients_trends_reach_the_night_logged_ahead(moved):
    response = signed_in(moved.user).get(reverse("journal:trends"))
    dose = next(s for s in response.context["series"] if s.key == "dose")
    assert dose.points[-1] == (AHEAD, Decimal("1.5"))
    assert "1 Dec" in response.content.decode()


def test_the_patients_stats_count_the_night_logged_ahead_and_agree_with_the_clinician(
    moved, clinician_a
):
    stats = signed_in(moved.user).get(reverse("journal:history")).context["stats"]
    # The 7 nights end on 1 Dec: 25 to 29 Nov and 1 Dec taken, 30 Nov still open (not
    # counted), the skipped 24 Nov out of the week.
    assert (stats["week"].taken, stats["week"].prescribed) == (6, 6)
    assert stats["streak"] == 6
    page = signed_in(clinician_a).get(reverse("clinic:patient", args=[moved.pk]))
    assert page.context["page_data"].adherence_7 == stats["week"]
    assert page.context["page_data"].adherence_30 == stats["month"]


def test_the_visit_report_to_the_night_logged_ahead_leaves_tonight_open(moved, clinician_a):
    """Its range ended on 1 Dec, read as "tonight": 30 Nov, still open here, was counted
    as missed, and the report disagreed with the patient page over the same 7 nights."""
    client = signed_in(clinician_a)
    mark = {"start": "2026-11-25", "end": AHEAD.isoformat()}
    report = client.get(reverse("clinic:report", args=[moved.pk]), mark).context["report"]
    assert (report["adherence"].taken, report["adherence"].prescribed) == (6, 6)
    page = client.get(reverse("clinic:patient", args=[moved.pk])).context["page_data"]
    assert page.adherence_7 == report["adherence"]


def test_a_flag_about_the_night_logged_ahead_stays_after_the_move_and_can_be_reviewed(
    moved, clinician_a
):
    """A severe side effect logged on 1 Dec in Tokyo: after the move to Los Angeles, where
    tonight is 30 Nov, the flags stopped at tonight and it vanished (exploratory testing)."""
    entry = NightlyEntry.objects.get(patient=moved, night=AHEAD)
    SideEffect.objects.create(entry=entry, kind="nausea", severity=3)
    client = signed_in(clinician_a)
    page = reverse("clinic:patient", args=[moved.pk])
    flags = client.get(page).context["open_flags"]
    (effect,) = [flag for flag in flags if flag.kind == "side_effect"]
    assert effect.last_night == AHEAD
    (row,) = [r for r in client.get(reverse("clinic:patients")).context["page"] if r]
    assert "side_effect" in {flag.kind for flag in row.open_flags}
    # Marked reviewed through that night (the form offers it), the flag is reviewed.
    response = client.post(
        reverse("clinic:mark_reviewed", args=[moved.pk]), {"reviewed_through": "2026-12-01"}
    )
    assert response.status_code == 302
    assert not [f for f in client.get(page).context["open_flags"] if f.kind == "side_effect"]


def test_a_night_ahead_whose_dose_was_undone_is_no_page_of_the_clinicians(moved, clinician_a):
    """An undone dose leaves its row: the night ahead still answered 200 (an empty entry,
    with an access-log row for it) and tonight's page linked to it (found in review)."""
    NightlyEntry.objects.filter(patient=moved, night=AHEAD).update(
        status="", dose_mg=None, taken_at=None, evening_logged_at=None
    )
    client = signed_in(clinician_a)
    ahead = client.get(reverse("clinic:night", args=[moved.pk, AHEAD.isoformat()]))
    assert ahead.status_code == 404
    tonight = client.get(reverse("clinic:night", args=[moved.pk, TONIGHT.isoformat()]))
    assert tonight.status_code == 200
    assert AHEAD.isoformat() not in tonight.content.decode()
