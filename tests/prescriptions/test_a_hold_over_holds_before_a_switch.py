"""A dated hold over nights an older hold already holds (new dates for a hold), with a switch
of dosing time signed for a later night: refused today, cleanly.

Known limitation, pinned so that it stays clean until it is lifted. New dates for a hold are
built on the newest version (hold_change: the gap check reads its restart) and govern every
night after the hold, so the switch signed from 9 Dec would read "evening" again;
_check_keeps_later_changes refuses that ("A change to the plan is signed from 9 Dec ...
would undo it"). Only a new hold over nights not yet held keeps the plan after it
(_plan_kept_after_hold). When a hold over holds keeps it too, the first test changes: the
hold is then signed and the mornings still begin on 9 Dec.
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import changes, plans, titration
from tests.patients.journal_support import sign_hold, switch_dosing_time

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


def _asked(patient):
    view = plans.load(patient)
    return [(view.status_on(DEC[day]), view.dosing_time_on(DEC[day])) for day in range(1, 16)]


@pytest.fixture
def patient(patient_on_2mg, clinician):
    sign_hold(patient_on_2mg, clinician, DEC[4], DEC[6], signed=NOW, reason="Dental surgery")
    switch_dosing_time(patient_on_2mg, clinician, titration.MORNING, DEC[9], signed=NOW)
    return patient_on_2mg


@pytest.mark.parametrize(
    "new_dates",
    [
        (DEC[2], DEC[5]),  # from tonight, over part of the older hold
        (DEC[4], DEC[5]),  # the older hold made shorter
    ],
)
def test_new_dates_for_a_hold_before_a_signed_switch_are_refused_and_nothing_is_stored(
    patient, clinician, new_dates
):
    before = _asked(patient)
    with pytest.raises(changes.PlanChangeError, match="is signed from 9 Dec 2026"):
        sign_hold(patient, clinician, *new_dates, signed=NOW, reason="Moved")
    assert _asked(patient) == before


@pytest.mark.parametrize("until", [None, DEC[3]])
def test_the_plan_can_still_be_held_from_tonight(patient, clinician, until):
    # What a clinician can sign instead tonight: a hold until resumed, or a dated hold over
    # nights not yet held (it keeps the plan after it, the switch included).
    sign_hold(patient, clinician, DEC[2], until, signed=NOW, reason="Opioids tonight")
    assert plans.load(patient).status_on(DEC[2]) == titration.ON_HOLD
    if until is not None:
        assert plans.load(patient).dosing_time_on(DEC[9]) == titration.MORNING
