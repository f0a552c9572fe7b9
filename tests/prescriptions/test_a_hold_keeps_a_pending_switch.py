"""A hold signed before a pending switch of dosing time keeps the switch (found by QA).

A switch to morning dosing was signed from 10 Dec; then a hold until resumed from 5 Dec.
The hold, a version from 5 Dec on, governed every night after it with the evening dosing it
was built with: the switch vanished, and the plan resumed on evening dosing with nothing
said. The hold now signs the switch again after it (carrying the hold), and a restart takes
the dosing time of its own night, signing a switch still to come again after it.
"""

import re
from datetime import UTC, date, datetime, time
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from patients.notifications.due import night_state, prefs_of
from patients.rules import schedule
from prescriptions import plans, titration
from prescriptions.models import Formulation, PlanVersion
from tests.factories import PatientFactory
from tests.patients.journal_support import (
    make_plan,
    panel_steps_table,
    sign_hold,
    sign_restart,
    switch_dosing_time,
    visible_text,
    your_steps,
)
from tests.prescriptions.clinic_pages_support import clinic_text as _page
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}
EV, MO = titration.EVENING, titration.MORNING
ON, HELD = titration.ACTIVE, titration.ON_HOLD


def _restart_on(patient, clinician, night):
    """The clinician restarts the plan on ``night`` at its step, signed that evening."""
    eve = datetime(night.year, night.month, night.day - 1, 20, 0, tzinfo=UTC)
    return sign_restart(patient, clinician, night, 0, signed=eve)


def _nights(patient, first=3, last=20):
    plan = plans.load(patient)
    return {
        day: (plan.status_on(DEC[day]), plan.dosing_time_on(DEC[day]))
        for day in range(first, last + 1)
    }


@pytest.fixture
def switch_pending(morning_switch_pending):
    """On 2 mg each evening; a switch to morning dosing signed from 10 Dec (conftest)."""
    return morning_switch_pending


def test_a_hold_until_resumed_keeps_the_pending_switch_and_resumes_on_mornings(
    switch_pending, clinician
):
    sign_hold(switch_pending, clinician, DEC[5], signed=NOW)
    held = _nights(switch_pending)
    assert [held[day] for day in (4, 5, 9)] == [(ON, EV), (HELD, EV), (HELD, EV)]
    assert held[10] == (HELD, MO)  # the switch stays signed, under the hold
    _restart_on(switch_pending, clinician, DEC[15])
    resumed = _nights(switch_pending)
    assert [resumed[day] for day in (14, 15, 20)] == [(HELD, MO), (ON, MO), (ON, MO)]


def test_a_restart_before_the_switch_resumes_on_evenings_and_switches_on_its_night(
    switch_pending, clinician
):
    sign_hold(switch_pending, clinician, DEC[5], signed=NOW)
    _restart_on(switch_pending, clinician, DEC[8])
    nights = _nights(switch_pending)
    assert [nights[day] for day in (7, 8, 9, 10, 20)] == [
        (HELD, EV),
        (ON, EV),
        (ON, EV),
        (ON, MO),
        (ON, MO),
    ]


def test_the_switch_signed_again_is_the_clinicians_signed_switch(switch_pending, clinician):
    """Signed again with the switch's own reason, in the history, said after the save."""
    held = sign_hold(switch_pending, clinician, DEC[5], signed=NOW)
    [kept] = held.kept_holds
    again = PlanVersion.objects.get(prescription__patient=switch_pending, number=kept.number)
    assert (again.kind, again.effective_night, again.dosing_time) == (
        PlanVersion.Kind.DOSING_TIME,
        DEC[10],
        MO,
    )
    assert (again.hold_from, again.hold_until, again.reason) == (DEC[5], None, "Insomnia")


def test_the_reverse_switch_to_evenings_is_kept_too(patient_on_2mg, clinician):
    morning = patient_on_2mg
    PlanVersion.objects.filter(prescription__patient=morning).update(dosing_time=MO)
    switch_dosing_time(morning, clinician, EV, DEC[10], signed=NOW)
    sign_hold(morning, clinician, DEC[5], signed=NOW)
    _restart_on(morning, clinician, DEC[15])
    nights = _nights(morning)
    assert [nights[day] for day in (4, 5, 10, 15)] == [(ON, MO), (HELD, MO), (HELD, EV), (ON, EV)]


def test_a_hold_after_the_switch_began_is_unchanged(switch_pending, clinician):
    """Signed on 12 Dec from 13 Dec: the switch has begun, nothing is signed again."""
    later = datetime(2026, 12, 12, 14, 0, tzinfo=UTC)
    held = sign_hold(switch_pending, clinician, DEC[13], signed=later)
    assert held.kept_holds == []
    _restart_on(switch_pending, clinician, DEC[18])
    nights = _nights(switch_pending, 9, 20)
    assert [nights[day] for day in (9, 10, 12, 13, 17, 18)] == [
        (ON, EV),
        (ON, MO),
        (ON, MO),
        (HELD, MO),
        (HELD, MO),
        (ON, MO),
    ]


def _reminder_time(patient, plan, night):
    """The local time of the night's dose reminder, as the sweep computes it."""
    slots = schedule.slots_for_night(
        prefs_of(patient, False), night, night_state(plan, night).dosing_time
    )
    dose = next(slot for slot in slots if slot.kind == schedule.EVENING_DOSE)
    return dose.due_at.astimezone(patient.tz).time()


def test_my_plan_the_panel_and_the_reminders_agree_before_during_and_after_the_hold(
    switch_pending, clinician
):
    sign_hold(switch_pending, clinician, DEC[5], signed=NOW)
    _restart_on(switch_pending, clinician, DEC[15])
    assert your_steps(switch_pending, NOW) == [
        "2 mg in the evening — from 22 Nov to 4 Dec",
        "On hold, no LDN — from 5 Dec to 14 Dec",
        "2 mg in the morning — from 15 Dec onwards",
    ]
    table = visible_text(panel_steps_table(switch_pending, clinician, NOW))
    assert table.count("On hold") == 1
    assert "On hold 5 Dec 2026 – 14 Dec 2026" in table
    assert table.index("evening") < table.index("On hold") < table.index("morning")
    plan = plans.load(switch_pending)
    evening, morning = time(21, 0), switch_pending.morning_time
    assert evening != morning
    for day in range(3, 21):
        expected = evening if plan.dosing_time_on(DEC[day]) == EV else morning
        assert _reminder_time(switch_pending, plan, DEC[day]) == expected, day
    assert {day: plan.dosing_time_on(DEC[day]) for day in (4, 15, 20)} == {4: EV, 15: MO, 20: MO}


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "A switch to morning dosing is signed from 10 Dec 2026. A hold keeps it signed: a "
            "restart on 10 Dec 2026 or later restarts on morning dosing; a restart before then "
            "restarts on evening dosing, and morning dosing begins on 10 Dec 2026.",
        ),
        ("de", "Ab 10. Dez 2026 ist ein Wechsel zur morgendlichen Einnahme signiert."),
        ("es", "Hay un cambio a la toma por la mañana firmado desde el 10 dic 2026."),
    ],
)
def test_the_hold_page_says_what_the_hold_does_with_the_pending_switch(
    switch_pending, clinician, language, said
):
    assert said in _page(clinician, "clinic:plan_hold", switch_pending, NOW, language)


def test_the_hold_page_says_nothing_of_a_switch_already_begun(switch_pending, clinician):
    later = datetime(2026, 12, 12, 14, 0, tzinfo=UTC)
    assert "is signed from" not in _page(clinician, "clinic:plan_hold", switch_pending, later)


def test_signing_the_hold_says_the_switch_is_kept(switch_pending, clinician):
    page = _page(
        clinician,
        "clinic:plan_hold",
        switch_pending,
        NOW,
        data={
            "based_on": plans.load(switch_pending).latest.number,
            "hold_reason": "planned_surgery",
            "hold_from": "2026-12-05",
            "hold_until": "",
            "reason": "Knee surgery",
        },
    )
    assert (
        "The switch to morning dosing signed from 10 Dec 2026 is kept: signed again as "
        "version 4." in page
    )
    assert plans.load(switch_pending).dosing_time_on(DEC[10]) == MO


@pytest.mark.parametrize(
    ("now", "said"),
    [
        (
            NOW,  # the form opens on 6 Dec, before the switch
            "A restart before 10 Dec 2026 restarts on evening dosing (morning dosing begins "
            "on 10 Dec 2026); a restart on or after it restarts on morning dosing.",
        ),
        (
            datetime(2026, 12, 12, 14, 0, tzinfo=UTC),  # on hold, after the switch's night
            "The plan restarts on morning dosing.",
        ),
    ],
)
def test_the_resume_page_says_the_dosing_time_the_plan_comes_back_on(
    switch_pending, clinician, now, said
):
    sign_hold(switch_pending, clinician, DEC[5], signed=NOW)
    assert said in _page(clinician, "clinic:plan_resume", switch_pending, now)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "Der Plan beginnt wieder mit morgendlicher Einnahme."),
        ("es", "El plan se reanuda con la toma por la mañana."),
    ],
)
def test_the_resume_pages_dosing_time_is_translated(switch_pending, clinician, language, said):
    sign_hold(switch_pending, clinician, DEC[5], signed=NOW)
    later = datetime(2026, 12, 12, 14, 0, tzinfo=UTC)
    assert said in _page(clinician, "clinic:plan_resume", switch_pending, later, language)


def test_reopened_resume_keeps_a_restart_signed_before_the_switch(clinician):
    """The switch signed again after a restart at step 2 is the newest version: the
    reopened page opened on the default step (1.5 mg, the dose before the hold), so a
    re-save changing only the reason moved the restart to step 1 (test_resume_reopened_
    keeps_the_signed_restart)."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, formulation=Formulation.OTHER)  # 1.5 mg until 30 Dec
    switch_dosing_time(patient, clinician, MO, DEC[10], signed=NOW)
    sign_hold(patient, clinician, DEC[5], signed=NOW)
    evening = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
    sign_restart(patient, clinician, DEC[8], 1, signed=evening)  # step 2: 3 mg
    assert not plans.load(patient).latest.restarts  # the switch, signed again
    with time_machine.travel(evening, tick=False):
        page = unescape(
            signed_in_reauthenticated(clinician)
            .get(reverse("clinic:plan_resume", args=[patient.pk]))
            .content.decode()
        )
    [checked] = [
        tag for tag in re.findall(r'<input[^>]*name="step"[^>]*>', page) if "checked" in tag
    ]
    assert re.findall(r'<input[^>]*name="resume_on"[^>]*value="([^"]*)"', page) == ["2026-12-08"]
    assert 'value="1"' in checked
