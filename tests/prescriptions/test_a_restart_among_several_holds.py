"""A restart or a cancellation in a plan with more than one hold (found by an audit): Resume
read the first hold to come from tonight as the one it resumes, whichever night the clinician
chose. A restart after a later hold, or on a later hold's first night (to cancel it), became
"restart moved later" from the first hold's first night: the nights between the holds, with
a dose signed, were put on hold, the first hold was made longer and the hold to cancel was
signed again. A restart resumes (or, on its first night, cancels) the hold it is on or after,
and leaves every other hold as it was signed."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, sign_hold, sign_restart
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # the night of 2 Dec in London
NOW = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # the night of 3 Dec


def dec(day):
    return date(2026, 12, day)


def _held(patient, first, last):
    """The nights from ``first`` to ``last`` of December, "H" on hold, "A" with a dose."""
    view = plans.load(patient)
    return "".join(
        {"on_hold": "H", "active": "A"}[view.status_on(dec(day))] for day in range(first, last + 1)
    )


@pytest.fixture
def two_holds(patient_a, clinician_a):
    """On 1.5 mg, then 3 mg from 31 Dec; on hold 6-9 Dec and 11-12 Dec."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient_a, clinician_a, dec(6), dec(9), signed=SIGNED)
    sign_hold(patient_a, clinician_a, dec(11), dec(12), signed=SIGNED)
    assert _held(patient_a, 5, 14) == "AHHHHAHHAA"
    return patient_a


def test_a_restart_of_a_later_hold_until_resumed_leaves_the_nights_before_it(
    patient_a, clinician_a
):
    """Hold 6-9 Dec, then a hold from 15 Dec until resumed: restarting that one on 18 Dec
    held every night from 6 to 17 Dec (10-14 Dec had a dose signed)."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient_a, clinician_a, dec(6), dec(9), signed=SIGNED)
    sign_hold(patient_a, clinician_a, dec(15), None, signed=SIGNED)
    sign_restart(patient_a, clinician_a, dec(18), 1, signed=NOW)
    assert _held(patient_a, 5, 19) == "AHHHHAAAAAHHHAA"
    assert plans.load(patient_a).dose_on(dec(18)) == 3


def test_a_restart_after_a_later_dated_hold_makes_only_that_hold_longer(two_holds, clinician_a):
    sign_restart(two_holds, clinician_a, dec(14), 0, signed=NOW)
    assert _held(two_holds, 5, 15) == "AHHHHAHHHAA"


def test_a_restart_inside_a_later_hold_ends_only_that_hold_early(two_holds, clinician_a):
    sign_restart(two_holds, clinician_a, dec(12), 0, signed=NOW)
    assert _held(two_holds, 5, 14) == "AHHHHAHAAA"


def test_cancelling_the_second_hold_leaves_the_first_as_signed(two_holds, clinician_a):
    before = PlanVersion.objects.count()
    version = sign_restart(two_holds, clinician_a, dec(11), 0, signed=NOW)
    assert _held(two_holds, 5, 14) == "AHHHHAAAAA"
    assert version.kept_holds == []  # the hold it cancels is not signed again
    assert version.cancelled_hold == (dec(11), dec(12))
    assert PlanVersion.objects.count() == before + 1


def test_cancelling_the_first_hold_keeps_the_second(two_holds, clinician_a):
    version = sign_restart(two_holds, clinician_a, dec(6), 0, signed=NOW)
    assert _held(two_holds, 5, 14) == "AAAAAAHHAA"
    assert version.cancelled_hold == (dec(6), dec(9))
    assert [(kept.first, kept.last) for kept in version.kept_holds] == [(dec(11), dec(12))]


def test_cancelling_a_later_hold_after_a_signed_restart_keeps_the_restart(patient_a, clinician_a):
    """On hold from 3 Dec until resumed, restart signed for 8 Dec, a surgery hold 15-17
    Dec: cancelling the surgery hold put 8-14 Dec back on hold."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient_a, clinician_a, dec(15), dec(17), signed=SIGNED)
    sign_hold(patient_a, clinician_a, dec(3), None, signed=SIGNED)
    sign_restart(patient_a, clinician_a, dec(8), 1, signed=NOW)
    assert _held(patient_a, 7, 18) == "HAAAAAAAHHHA"
    sign_restart(patient_a, clinician_a, dec(15), 0, signed=NOW)
    assert _held(patient_a, 7, 18) == "HAAAAAAAAAAA"


def test_the_clinician_is_told_which_hold_was_cancelled(two_holds, clinician_a):
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("clinic:plan_resume", args=[two_holds.pk]),
            {
                "based_on": str(plans.load(two_holds).latest.number),
                "resume_on": "2026-12-11",
                "step": "0",
                "reason": "Surgery cancelled",
                "patient_note": "",
            },
            follow=True,
        )
    page = response.content.decode()
    assert "The hold from 11 Dec 2026 to 12 Dec 2026 is cancelled" in page
    assert _held(two_holds, 5, 14) == "AHHHHAAAAA"


def test_restarting_a_hold_until_resumed_keeps_two_holds_back_to_back(patient_a, clinician_a):
    """Surgery holds 20-22 and 23-25 Dec under an urgent hold until resumed from 3 Dec: the
    restart was refused, naming a hold "from 20 Dec to 25 Dec" nobody signed and blaming "a
    restart signed after it" (there was none). Each is signed again as it was."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient_a, clinician_a, dec(20), dec(22), signed=SIGNED)
    sign_hold(patient_a, clinician_a, dec(23), dec(25), signed=SIGNED)
    sign_hold(patient_a, clinician_a, dec(3), None, signed=SIGNED)
    version = sign_restart(patient_a, clinician_a, dec(8), 0, signed=NOW)
    assert _held(patient_a, 7, 9) + _held(patient_a, 19, 26) == "HAA" + "AHHHHHHA"
    assert [(kept.first, kept.last) for kept in version.kept_holds] == [
        (dec(20), dec(22)),
        (dec(23), dec(25)),
    ]
