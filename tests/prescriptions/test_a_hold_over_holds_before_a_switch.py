"""A dated hold over nights an older hold already holds (new dates for a hold), with a switch
of dosing time signed for a later night: signed, and the switch kept.

New dates for a hold are built on the newest version (hold_change: the gap check reads its
restart) and govern every night after the hold, so the switch signed from 9 Dec read
"evening" again; it was refused ("A change to the plan is signed from 9 Dec ... would undo
it"). The switch is now signed again after the hold (changes._switches_kept), as a hold until
resumed keeps it: the hold is signed and the mornings still begin on 9 Dec.
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans, titration
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
def test_new_dates_for_a_hold_before_a_signed_switch_keep_the_switch(patient, clinician, new_dates):
    held = sign_hold(patient, clinician, *new_dates, signed=NOW, reason="Moved")
    assert [(k.first, k.switch_to) for k in held.kept_holds] == [(DEC[9], titration.MORNING)]
    first, last = new_dates
    view = plans.load(patient)
    for day in range(1, 16):
        night = DEC[day]
        held_then = first <= night <= last
        assert view.status_on(night) == (titration.ON_HOLD if held_then else titration.ACTIVE)
        assert view.dosing_time_on(night) == (
            titration.MORNING if day >= 9 else titration.EVENING
        ), day


@pytest.mark.parametrize("until", [None, DEC[3]])
def test_the_plan_can_still_be_held_from_tonight(patient, clinician, until):
    # A hold until resumed, or a dated hold over nights not yet held: the switch is kept.
    sign_hold(patient, clinician, DEC[2], until, signed=NOW, reason="Opioids tonight")
    assert plans.load(patient).status_on(DEC[2]) == titration.ON_HOLD
    assert plans.load(patient).dosing_time_on(DEC[9]) == titration.MORNING
