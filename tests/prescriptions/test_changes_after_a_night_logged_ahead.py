"""A night logged further east, then the patient moves west: for a few hours that night is
after tonight in the new zone (nights.last_night_of_record). Its dose is logged and stands,
as tonight's does (changes.first_changeable_night): a change made now starts after it.

Before, only tonight's entry was looked at, so a change from tomorrow (the night logged
ahead) or a hold from tonight rewrote how that logged dose was judged, and the surfaces
parted: the flags (titration) called the 1.5 mg a deviation from 3 mg, or a dose taken on
hold, while the entries table and the night page (the dose prescribed when it was logged)
showed a dose as prescribed."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from patients.clinic import dashboard
from patients.models import NightlyEntry
from patients.rules import flags as flag_rules
from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

LOGGED_NIGHT = date(2026, 11, 25)
# 22:00 in Tokyo on the 25th: the night of the 25th there.
LOGGED_AT = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
# An hour later the patient is in Los Angeles, where it is 06:00 on the 25th: tonight (the
# night still open) is the 24th, and the 25th, logged, is the night after it.
NOW = LOGGED_AT + timedelta(hours=1)
TONIGHT = LOGGED_NIGHT - timedelta(days=1)
STANDS = "already logged and stands"


@pytest.fixture
def moved(patient_a, clinician_a):
    prescription = make_plan(patient_a, clinician_a)
    NightlyEntry.objects.create(
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
        assert plans.load(patient_a).tonight(patient_a.tz, NOW) == TONIGHT
        yield prescription


def _latest(prescription):
    row = PlanVersion.objects.filter(prescription=prescription).order_by("-number").first()
    return row.as_plain(), row.number


def _change(plain, kind, night):
    if kind == "steps":
        return changes.steps_change(
            plain,
            effective_night=night,
            start_date=night,
            steps=(titration.Step(Decimal("3"), None),),
            reason="Review",
        )
    if kind == "hold":
        return changes.hold_change(plain, hold_from=night, hold_until=None, reason="Surgery")
    return changes.end_change(plain, tonight_night=night, reason="Stopping")


def _save(prescription, clinician, change):
    _plain, number = _latest(prescription)
    return changes.save_version(
        prescription_id=prescription.pk, author=clinician, based_on=number, change=change, now=NOW
    )


def test_the_first_night_a_change_can_take_is_the_one_after_the_night_logged_ahead(
    patient_a, moved
):
    assert changes.first_changeable_night(patient_a, TONIGHT) == (
        LOGGED_NIGHT + timedelta(days=1),
        True,
    )


@pytest.mark.parametrize(("kind", "night"), [("steps", LOGGED_NIGHT), ("hold", TONIGHT)])
def test_a_change_reaching_the_night_logged_ahead_is_refused(
    patient_a, clinician_a, moved, kind, night
):
    plain, _ = _latest(moved)
    with pytest.raises(changes.PlanChangeError, match=STANDS) as refused:
        _save(moved, clinician_a, _change(plain, kind, night))
    assert "26 Nov 2026" in str(refused.value)
    assert PlanVersion.objects.filter(prescription=moved).count() == 1


def test_an_ending_from_tonight_is_refused_while_a_later_night_is_logged(
    patient_a, clinician_a, moved
):
    plain, _ = _latest(moved)
    with pytest.raises(changes.PlanChangeError, match=STANDS):
        _save(moved, clinician_a, _change(plain, "end", TONIGHT))


@pytest.mark.parametrize("kind", ["steps", "hold"])
def test_after_a_change_from_the_next_night_the_flags_and_the_entries_table_agree(
    patient_a, clinician_a, moved, kind
):
    plain, _ = _latest(moved)
    _save(moved, clinician_a, _change(plain, kind, LOGGED_NIGHT + timedelta(days=1)))
    page = dashboard.patient_page(patient_a, [clinician_a], NOW)
    rows = dashboard.entry_rows(page, 1, 50).object_list
    (row,) = [row for row in rows if row.night == LOGGED_NIGHT]
    flagged = {
        night
        for flag in page.flags
        if flag.kind in (flag_rules.DEVIATION, flag_rules.DOSE_ON_HOLD)
        for night in flag.evidence
    }
    assert (row.deviates or row.held) == (LOGGED_NIGHT in flagged)
    assert LOGGED_NIGHT not in flagged
    assert page.plan.dose_on(LOGGED_NIGHT) == row.prescribed_mg
