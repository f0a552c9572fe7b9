"""A "hold the plan" answer whose hold has ended (the plan restarted), with another hold
signed for later nights: the patient's report page still read "Your plan is on hold: do not
take LDN up to and including the night of …" of that later hold, on a night the plan asks
for a dose. It now says what is true tonight: no longer on hold, and when the next hold
starts, as My plan lists it (PlanView.hold_as_signed, PlanView.hold_over_since)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from ldn_journal.local_dates import local_date
from patients.urgent import reports as urgent
from prescriptions import plans
from tests.patients.journal_support import (
    make_plan,
    sign_hold,
    sign_restart,
    visible_text,
    your_steps,
)
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

# London is on UTC in November and December: local time is UTC.
REPORTED = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # the night of 26 Nov, not logged
RESTART = date(2026, 11, 30)
NEXT_FIRST, NEXT_LAST = date(2026, 12, 10), date(2026, 12, 12)
LATER = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # the night of 5 Dec: a dose night
NO_LONGER = "Your plan is no longer on hold: My plan shows what to take now."


def _day(night, language="en"):
    with translation.override(language):
        return local_date(night, "day")


def _day_month(night):
    with translation.override("en"):
        return local_date(night, "day_month")


def _answered_hold_then_restarted(patient, clinician, *, last=NEXT_LAST, dosing_time="evening"):
    """Held from 26 Nov by the answer, restarted on 30 Nov, and a hold signed on 1 Dec from
    10 Dec (to ``last``; None: until resumed)."""
    make_plan(
        patient, clinician, steps=(("3", None),), start=date(2026, 11, 1), dosing_time=dosing_time
    )
    made = urgent_report(patient, REPORTED)
    urgent.acknowledge(made, clinician, "Stop.", REPORTED + timedelta(minutes=5), decision="hold")
    sign_restart(patient, clinician, RESTART, 0, signed=REPORTED + timedelta(days=2))
    sign_hold(patient, clinician, NEXT_FIRST, last, signed=datetime(2026, 12, 1, 18, 0, tzinfo=UTC))
    return made


def _page(client, url, at):
    with time_machine.travel(at, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return visible_text(response.content.decode())


def _report_page(patient, made, at=LATER, language="en"):
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    url = reverse("journal:urgent_detail", args=[made.pk])
    return _page(signed_in(patient.user), url, at)


def test_the_report_page_says_the_plan_is_no_longer_on_hold_and_when_the_next_hold_starts(
    patient_a, clinician_a
):
    made = _answered_hold_then_restarted(patient_a, clinician_a)
    page = _report_page(patient_a, made)
    assert "Hold the plan." in page  # the decision then
    assert (
        f"{NO_LONGER} It goes on hold again from the night of {_day(NEXT_FIRST)} up to and "
        f"including the night of {_day(NEXT_LAST)}."
    ) in page
    assert "Your plan is on hold" not in page


def test_the_report_page_and_my_plan_name_the_same_next_hold(patient_a, clinician_a):
    made = _answered_hold_then_restarted(patient_a, clinician_a)
    with time_machine.travel(LATER, tick=False):
        plan = plans.load(patient_a)
        hold = plan.hold_as_signed(plan.tonight(patient_a.tz, LATER))
    assert (hold.first, hold.last, hold.begun) == (NEXT_FIRST, NEXT_LAST, False)
    page = _report_page(patient_a, made)
    assert f"again from the night of {_day(hold.first)}" in page
    # My plan: tonight's dose (not "Paused"), and the same hold in its steps.
    my_plan = _page(signed_in(patient_a.user), reverse("journal:plan"), LATER)
    assert "Paused by your clinician" not in my_plan
    assert "Your dose tonight" in my_plan
    held = [row for row in your_steps(patient_a, LATER) if row.startswith("On hold")]
    assert held == [f"On hold, no LDN — from {_day_month(hold.first)} to {_day_month(hold.last)}"]


def test_an_open_ended_next_hold_waits_for_the_clinician(patient_a, clinician_a):
    made = _answered_hold_then_restarted(patient_a, clinician_a, last=None)
    page = _report_page(patient_a, made)
    assert (
        f"{NO_LONGER} It goes on hold again from the night of {_day(NEXT_FIRST)} until your "
        "clinician tells you to restart."
    ) in page


def test_a_morning_dosers_next_hold_names_days(patient_a, clinician_a):
    made = _answered_hold_then_restarted(patient_a, clinician_a, dosing_time="morning")
    page = _report_page(patient_a, made, at=LATER - timedelta(hours=10))  # 10:00 on 5 Dec
    assert (
        f"{NO_LONGER} It goes on hold again from {_day(NEXT_FIRST)} up to and including "
        f"{_day(NEXT_LAST)}."
    ) in page


def test_while_the_answers_hold_runs_the_page_still_says_on_hold(patient_a, clinician_a):
    made = _answered_hold_then_restarted(patient_a, clinician_a)
    page = _report_page(patient_a, made, at=REPORTED + timedelta(days=2))  # 28 Nov
    assert (
        "Your plan is on hold: do not take LDN up to and including the night of "
        f"{_day(RESTART - timedelta(days=1))}."
    ) in page
    assert NO_LONGER not in page


def test_the_home_card_answer_says_so_within_its_day(patient_a, clinician_a):
    """The answer on the home card (shown for a day) reads the same value: answered on 26 Nov
    at 20:05, restarted from 27 Nov, a hold signed from 1 Dec; the card on 27 Nov at 19:00."""
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    made = urgent_report(patient_a, REPORTED)
    urgent.acknowledge(made, clinician_a, "Stop.", REPORTED + timedelta(minutes=5), decision="hold")
    sign_restart(
        patient_a, clinician_a, date(2026, 11, 27), 0, signed=REPORTED + timedelta(hours=1)
    )
    sign_hold(patient_a, clinician_a, date(2026, 12, 1), signed=REPORTED + timedelta(hours=2))
    home = _page(signed_in(patient_a.user), reverse("journal:home"), REPORTED + timedelta(hours=23))
    assert (
        f"Your clinician answered: hold the plan. {NO_LONGER} It goes on hold again from the "
        f"night of {_day(date(2026, 12, 1))} until your clinician tells you to restart."
    ) in home
    assert "Do not take LDN until they tell you to restart." not in home


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Er wird erneut pausiert, ab der Nacht vom"),
        ("es", "Se pondrá de nuevo en pausa desde la noche del"),
    ],
)
def test_the_next_hold_reads_in_german_and_spanish(patient_a, clinician_a, language, words):
    made = _answered_hold_then_restarted(patient_a, clinician_a)
    assert words in _report_page(patient_a, made, language=language)
