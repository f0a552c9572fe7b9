"""A switch of dosing time signed to begin inside a hold leaves the hold one stretch: My plan
and the plan panel listed "On hold 10-11 Dec" and "On hold 12-15 Dec" for one signed hold
10-15 Dec (from the nights before the switch), and one row from the nights after it."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans, titration
from tests.patients.journal_support import (
    panel_steps_table,
    sign_hold,
    switch_dosing_time,
    visible_text,
    your_steps,
)
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


@pytest.fixture
def patient(patient_on_2mg, clinician):
    """On 2 mg each evening, a hold 10-15 Dec, and morning dosing from 12 Dec, inside it."""
    sign_hold(patient_on_2mg, clinician, DEC[10], DEC[15], signed=NOW)
    switch_dosing_time(patient_on_2mg, clinician, "morning", DEC[12], signed=NOW)
    return patient_on_2mg


@pytest.mark.parametrize("tonight", [DEC[2], DEC[11], DEC[13]], ids=["before", "inside", "after"])
def test_the_hold_is_one_stretch_read_from_any_night(patient, tonight):
    stretches = plans.load(patient).steps_ahead(tonight)
    held = [s for s in stretches if s.status == titration.ON_HOLD]
    assert [(s.first, s.last) for s in held] == [(DEC[10], DEC[15])]
    # Counted as on its first night (an evening's: nights), whichever night reads it.
    assert held[0].dosing_time == "evening"
    assert stretches[-1].first == DEC[16]
    assert (stretches[-1].status, stretches[-1].dosing_time) == (titration.ACTIVE, "morning")


def test_my_plan_and_the_plan_panel_show_the_hold_as_one_row(patient, clinician):
    assert your_steps(patient, NOW) == [
        "2 mg in the evening — from 22 Nov to 9 Dec",
        "On hold, no LDN — from 10 Dec to 15 Dec",
        "2 mg in the morning — from 16 Dec onwards",
    ]
    table = visible_text(panel_steps_table(patient, clinician, NOW))
    assert "On hold 10 Dec 2026 – 15 Dec 2026 6 nights" in table
    assert table.count("On hold") == 1


# Read inside the hold, before the switch's first night: the plan stays on hold, and only
# the dosing time changes on 12 Dec (PlanView.next_dosing_time_switch, dosing_time_on).
INSIDE = datetime(2026, 12, 11, 14, 0, tzinfo=UTC)  # the night of 11 Dec, on hold


def next_change_texts(patient, clinician, now=INSIDE):
    """My plan's "Next change" card and the plan page's "Next change" figure, as read at
    ``now``, each as its visible text."""
    with time_machine.travel(now, tick=False):
        mine = signed_in(patient.user).get(reverse("journal:plan")).content.decode()
        theirs = (
            signed_in_reauthenticated(clinician)
            .get(reverse("clinic:plan", args=[patient.pk]))
            .content.decode()
        )
    card = mine.split('id="plan-next"', 1)[1].split("</section>", 1)[0]
    figure = theirs.split("Next change</span>", 1)[1].split("</div>", 1)[0]
    return visible_text("<" + card), visible_text(figure)


def test_the_next_change_inside_the_hold_is_the_switch_not_a_hold_from_its_night(
    patient, clinician
):
    """Both pages named the switch as a hold beginning that night ("From 12 December: on
    hold until 15 Dec", "On hold from 12 Dec 2026 to 15 Dec 2026") beside the steps' "On
    hold 10-15 Dec": two first nights for one hold, and the switch unnamed."""
    switch = plans.load(patient).next_dosing_time_switch(DEC[11])
    assert switch.night == DEC[12]
    assert switch.still_on_hold
    mine, theirs = next_change_texts(patient, clinician)
    assert (
        mine == "Next change From Saturday 12 December: morning dosing, still on hold until 15 Dec."
    )
    assert theirs == "Morning dosing from 12 Dec 2026, still on hold until 15 Dec"


def test_my_plan_and_the_plan_page_agree_on_the_hold_and_the_switch(patient, clinician):
    """The hold has one first night (10 Dec, its row) and the switch one night (12 Dec, as
    PlanView says) on both pages: no "on hold" phrase dates the hold from the switch."""
    mine, theirs = next_change_texts(patient, clinician)
    for text in (mine, theirs):
        assert "12 Dec" in text
        assert "morning dosing" in text.lower()
        assert "On hold from" not in text
        assert ": on hold until" not in text
    assert your_steps(patient, INSIDE)[0] == "On hold, no LDN — from 10 Dec to 15 Dec"
    assert "On hold 10 Dec 2026 – 15 Dec 2026" in visible_text(
        panel_steps_table(patient, clinician, INSIDE)
    )


def test_a_hold_that_begins_with_the_switch_is_still_named_as_a_hold(patient_on_2mg, clinician):
    """A switch signed for the hold's own first night: the next change is the hold."""
    sign_hold(patient_on_2mg, clinician, DEC[10], DEC[15], signed=NOW)
    switch_dosing_time(patient_on_2mg, clinician, "morning", DEC[10], signed=NOW)
    change = plans.load(patient_on_2mg).next_change(DEC[2])
    assert (change.night, change.position.status) == (DEC[10], titration.ON_HOLD)
    assert not change.still_on_hold
    mine, theirs = next_change_texts(patient_on_2mg, clinician, NOW)
    assert mine == "Next change From Thursday 10 December: on hold until 15 Dec."
    assert theirs == "On hold from 10 Dec 2026 to 15 Dec 2026"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "Einnahme morgens, weiterhin pausiert bis 15. Dez."),
        ("es", "toma por la mañana, todavía en pausa hasta el 15 dic"),
    ],
)
def test_the_switch_inside_the_hold_is_translated(patient, language, said):
    patient.user.language = language
    patient.user.save()
    with time_machine.travel(INSIDE, tick=False):
        page = signed_in(patient.user).get(reverse("journal:plan")).content.decode()
    assert said in visible_text(page.split('id="plan-next"', 1)[1].split("</section>", 1)[0])
