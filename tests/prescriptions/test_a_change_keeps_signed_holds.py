"""A change never lifts a hold signed for later nights that it does not set out to lift.

A new version governs every night from its first (the highest number wins), and a version
holds one hold. So with a surgery hold signed for 20-22 Dec, signing a second hold for
15-16 Dec lifted the first with nothing said, and a steps change from 4 Dec kept only the
first hold to come: the patient was told to take LDN on the nights of the surgery. Each such
hold is now signed again, in the same transaction, as the next version, with its own dates,
reason and note; the nights outside it are exactly as the change makes them. One that ends in
a signed restart cannot be signed again as it was: the change is refused, naming it.

A new hold with an end changes only the nights it holds: built from the newest version, it
took a steps change signed for a later night as its own steps, left the nights between with
no dose and was refused, saying a restart was signed. It now takes the steps in effect on its
first night, and the plan after it is signed again as it was.
"""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts.models import AccessLog
from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import (
    sign_change,
    sign_hold,
    sign_restart,
    sign_steps,
    switch_dosing_time,
)
from tests.prescriptions.factories import plan_steps
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


@pytest.fixture
def patient(patient_on_2mg):
    return patient_on_2mg


@pytest.fixture
def surgery(patient, clinician):
    """A hold for the nights of 20 to 22 Dec, signed with its own reason and note."""
    return sign_hold(
        patient,
        clinician,
        DEC[20],
        DEC[22],
        signed=NOW,
        reason="Knee surgery",
        patient_note="No LDN around your operation.",
    )


def _held(patient, *days):
    plan = plans.load(patient)
    return {day: plan.status_on(DEC[day]) == titration.ON_HOLD for day in days}


def _versions(patient):
    return PlanVersion.objects.filter(prescription__patient=patient).count()


def _steps_from(patient, clinician, night, dose="3"):
    return sign_steps(patient, clinician, night, ((dose, None),), signed=NOW)


def test_a_second_hold_before_a_signed_one_keeps_it(patient, clinician, surgery):
    version = sign_hold(patient, clinician, DEC[15], DEC[16], signed=NOW, reason="Travel")
    assert _held(patient, 14, 15, 16, 17, 19, 20, 21, 22, 23) == {
        14: False,
        15: True,
        16: True,
        17: False,
        19: False,
        20: True,
        21: True,
        22: True,
        23: False,
    }
    kept = version.kept_holds
    assert [(k.first, k.last) for k in kept] == [(DEC[20], DEC[22])]
    again = PlanVersion.objects.get(prescription__patient=patient, number=kept[0].number)
    assert again.number == version.number + 1
    assert (again.kind, again.hold_from, again.hold_until) == ("hold", DEC[20], DEC[22])
    assert again.reason == "Knee surgery"
    assert again.patient_note == "No LDN around your operation."
    assert again.reason_kind == surgery.reason_kind
    # The nights between the holds are the dose the plan had.
    assert plans.load(patient).dose_on(DEC[18]) == Decimal("2")


def test_a_steps_change_keeps_every_hold_to_come(patient, clinician, surgery):
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    sign_hold(patient, clinician, DEC[15], DEC[16], signed=NOW)
    before = _versions(patient)
    _steps_from(patient, clinician, DEC[4])
    held = _held(patient, 9, 10, 12, 13, 15, 16, 17, 20, 22, 23)
    assert held == {
        9: False,
        10: True,
        12: True,
        13: False,
        15: True,
        16: True,
        17: False,
        20: True,
        22: True,
        23: False,
    }
    plan = plans.load(patient)
    # The new steps on every night that is not held, after the holds too.
    for day in (4, 9, 13, 17, 19, 23, 30):
        assert plan.dose_on(DEC[day]) == Decimal("3"), day
    # The change carried the first hold (10-12); the two after it were signed again.
    assert _versions(patient) == before + 3


def test_a_switch_of_dosing_time_keeps_a_later_hold(patient, clinician, surgery):
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    sign_change(
        patient,
        clinician,
        lambda plan: changes.dosing_time_change(
            plan.latest,
            dosing_time=titration.MORNING,
            effective_night=DEC[5],
            reason="Sleep",
            versions=tuple(plan.versions),
        ),
        NOW,
    )
    assert _held(patient, 10, 12, 20, 22, 23) == {
        10: True,
        12: True,
        20: True,
        22: True,
        23: False,
    }
    plan = plans.load(patient)
    assert plan.dosing_time_on(DEC[21]) == titration.MORNING
    assert plan.dosing_time_on(DEC[23]) == titration.MORNING


def test_a_restart_of_the_first_hold_keeps_the_next(patient, clinician, surgery):
    """A dated hold for 3-9 Dec restarted early, on the 8th."""
    sign_hold(patient, clinician, DEC[3], DEC[9], signed=NOW)
    sign_restart(patient, clinician, DEC[8], 0, signed=NOW)
    assert _held(patient, 3, 7, 8, 19, 20, 22, 23) == {
        3: True,
        7: True,
        8: False,
        19: False,
        20: True,
        22: True,
        23: False,
    }


def test_restarting_a_hold_until_resumed_keeps_the_hold_it_covered(patient, clinician, surgery):
    """Held until resumed from 3 Dec (as acknowledging an urgent report holds it), which
    covers the surgery hold; the restart on the 8th lifts only the hold it resumes."""
    sign_hold(patient, clinician, DEC[3], None, signed=NOW)
    assert _held(patient, 19, 20, 23) == {19: True, 20: True, 23: True}
    version = sign_restart(patient, clinician, DEC[8], 0, signed=NOW)
    assert _held(patient, 3, 7, 8, 19, 20, 22, 23) == {
        3: True,
        7: True,
        8: False,
        19: False,
        20: True,
        22: True,
        23: False,
    }
    assert [(k.first, k.last) for k in version.kept_holds] == [(DEC[20], DEC[22])]
    again = PlanVersion.objects.get(prescription__patient=patient, number=version.number + 1)
    assert again.reason == "Knee surgery"


def test_giving_a_hold_until_resumed_an_end_keeps_the_hold_it_covered(patient, clinician, surgery):
    sign_hold(patient, clinician, DEC[3], None, signed=NOW)
    # The restart on the 10th it makes is confirmed (NeedsRestartConfirmation).
    version = sign_hold(patient, clinician, DEC[3], DEC[9], signed=NOW, confirmed_restart=DEC[10])
    assert _held(patient, 9, 10, 19, 20, 22, 23) == {
        9: True,
        10: False,
        19: False,
        20: True,
        22: True,
        23: False,
    }
    assert [(k.first, k.last) for k in version.kept_holds] == [(DEC[20], DEC[22])]


def test_a_hold_made_longer_is_kept_as_it_was_made(patient, clinician, surgery):
    """The surgery hold made longer (20-25 Dec), then a steps change before it: the hold
    signed again is the longer one, not the first dates."""
    sign_hold(patient, clinician, DEC[20], DEC[25], signed=NOW, confirmed_restart=DEC[26])
    _steps_from(patient, clinician, DEC[4])
    assert _held(patient, 19, 20, 25, 26) == {19: False, 20: True, 25: True, 26: False}


def test_a_restart_on_a_holds_first_night_still_cancels_it(patient, clinician, surgery):
    """The one way to cancel a hold that has not begun (resume_change) still works."""
    before = _versions(patient)
    sign_restart(patient, clinician, DEC[20], 0, signed=NOW)
    assert _held(patient, 20, 21, 22) == {20: False, 21: False, 22: False}
    assert _versions(patient) == before + 1


def test_a_hold_signed_over_a_hold_changes_its_dates(patient, clinician, surgery):
    before = _versions(patient)
    version = sign_hold(patient, clinician, DEC[20], DEC[21], signed=NOW)
    assert _held(patient, 20, 21, 22) == {20: True, 21: True, 22: False}
    assert version.kept_holds == []
    assert _versions(patient) == before + 1


def test_an_open_ended_hold_from_earlier_covers_the_later_one(patient, clinician, surgery):
    version = sign_hold(patient, clinician, DEC[15], None, signed=NOW)
    assert version.kept_holds == []
    assert _held(patient, 15, 20, 23, 30) == {15: True, 20: True, 23: True, 30: True}


def test_an_ending_lifts_every_hold(patient, clinician, surgery):
    sign_change(
        patient,
        clinician,
        lambda plan: changes.end_change(
            plan.latest, tonight_night=DEC[2], reason="Stopped", patient_note=""
        ),
        NOW,
    )
    plan = plans.load(patient)
    assert plan.status_on(DEC[21]) == titration.ENDED


def test_a_hold_ending_in_a_signed_restart_is_not_lifted_the_change_is_refused(patient, clinician):
    """A steps change carries the first hold to come; a later one that ends in a signed
    restart cannot be signed again as it was (a hold version resumes where its steps are)."""
    sign_hold(patient, clinician, DEC[20], None, signed=NOW)
    sign_restart(patient, clinician, DEC[25], 0, signed=NOW)
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    before = _versions(patient)
    with pytest.raises(changes.PlanChangeError) as refused:
        _steps_from(patient, clinician, DEC[4])
    message = str(refused.value)
    assert "would lift the hold signed from 20 Dec 2026 to 24 Dec 2026" in message
    assert "Nothing was saved" in message
    assert "on 25 Dec 2026 or later" in message
    assert _versions(patient) == before
    assert _held(patient, 10, 13, 20, 24, 25) == {
        10: True,
        13: False,
        20: True,
        24: True,
        25: False,
    }


def test_a_hold_before_a_hold_that_ends_in_a_restart_keeps_both(patient, clinician):
    sign_hold(patient, clinician, DEC[20], None, signed=NOW)
    sign_restart(patient, clinician, DEC[25], 0, signed=NOW)
    sign_hold(patient, clinician, DEC[15], DEC[16], signed=NOW)
    assert _held(patient, 15, 16, 17, 20, 24, 25) == {
        15: True,
        16: True,
        17: False,
        20: True,
        24: True,
        25: False,
    }


def _hold_form(patient, clinician, reason):
    """The Hold page posted for 15-16 Dec; the plan's newest number before it and the text
    of the page it leads to."""
    client = Client()
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    number = plans.load(patient).latest.number
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("clinic:plan_hold", args=[patient.pk]),
            {
                "based_on": str(number),
                "reason": reason,
                "patient_note": "",
                "hold_reason": "other",
                "hold_from": str(DEC[15]),
                "hold_until": str(DEC[16]),
            },
            follow=True,
        )
    return number, " ".join(response.content.decode().split())


def test_the_hold_form_says_the_hold_was_kept(patient, clinician, surgery):
    number, text = _hold_form(patient, clinician, "Travel")
    logged = AccessLog.objects.get(action="plan.change", patient=patient)
    assert logged.detail == {"version": number + 1, "kind": "hold", "kept": [number + 2]}
    assert f"Plan version {number + 1} saved." in text
    assert (
        f"The hold from 20 Dec 2026 to 22 Dec 2026 signed before is kept: signed again as "
        f"version {number + 2}."
    ) in text
    assert _held(patient, 15, 20, 22) == {15: True, 20: True, 22: True}


def test_the_nights_outside_a_kept_hold_are_as_the_change_makes_them(patient, clinician, surgery):
    """A steps plan with a length: the step dates after the kept hold are the change's."""
    sign_change(
        patient,
        clinician,
        lambda plan: changes.steps_change(
            plan.latest,
            effective_night=DEC[4],
            start_date=DEC[4],
            steps=plan_steps((("1", 7), ("2", 7), ("3", None))),
            reason="Slower",
            versions=tuple(plan.versions),
        ),
        NOW,
    )
    plan = plans.load(patient)
    assert [plan.dose_on(DEC[day]) for day in (4, 10, 11, 17, 18, 19)] == [
        Decimal(dose) for dose in ("1", "1", "2", "2", "3", "3")
    ]
    assert _held(patient, 19, 20, 22, 23) == {19: False, 20: True, 22: True, 23: False}
    assert plan.dose_on(DEC[23]) == Decimal("3")


def test_the_save_checks_the_plan_it_would_store(patient, clinician, surgery):
    """The last check before anything is stored: the plan with the holds signed again holds
    each lost hold's nights and is the changed plan on every other night."""
    plan = plans.load(patient)
    lost = [(DEC[20], DEC[22])]
    change = changes.steps_change(
        plan.latest,
        effective_night=DEC[4],
        start_date=DEC[4],
        steps=plan_steps((("3", None),)),
        reason="Review",
    )
    number = plan.latest.number + 1
    proposed = changes._as_plain(change, number, plan.newest_versions)
    # The changed plan as if it had not carried the hold: 20-22 Dec not held.
    lifted = (*plan.versions, replace(proposed, hold_from=None, hold_until=None))

    def again(dose):
        hold = changes.hold_change(
            replace(proposed, steps=plan_steps(((dose, None),))),
            hold_from=DEC[20],
            hold_until=DEC[22],
            reason="Knee surgery",
        )
        return (*lifted, changes._as_plain(hold, number + 1, plan.newest_versions))

    with pytest.raises(changes.PlanChangeError, match="would lift the hold signed from 20"):
        changes._check_signed_again(lifted, lifted, lost, DEC[23])
    # Held again, but at another dose after it: refused too.
    with pytest.raises(changes.PlanChangeError, match="would lift the hold signed from 20"):
        changes._check_signed_again(lifted, again("4"), lost, DEC[23])
    changes._check_signed_again(lifted, again("3"), lost, DEC[23])


def test_the_final_checks_refusal_says_why_not_that_a_restart_is_signed(
    patient, clinician, surgery
):
    """The final check refused a hold whose nights were not all held, or after which a
    night differed in dose, saying "a restart is signed after it": no restart is involved
    there. It now says what is true of each."""
    plan = plans.load(patient)
    lost = [(DEC[20], DEC[22])]
    change = changes.steps_change(
        plan.latest,
        effective_night=DEC[4],
        start_date=DEC[4],
        steps=plan_steps((("3", None),)),
        reason="Review",
    )
    number = plan.latest.number + 1
    proposed = changes._as_plain(change, number, plan.newest_versions)
    lifted = (*plan.versions, replace(proposed, hold_from=None, hold_until=None))
    hold = changes.hold_change(
        replace(proposed, steps=plan_steps((("4", None),))),
        hold_from=DEC[20],
        hold_until=DEC[22],
        reason="Knee surgery",
    )
    at_4mg = (*lifted, changes._as_plain(hold, number + 1, plan.newest_versions))

    with pytest.raises(changes.PlanChangeError) as unheld:
        changes._check_signed_again(lifted, lifted, lost, DEC[23])
    with pytest.raises(changes.PlanChangeError) as differs:
        changes._check_signed_again(lifted, at_4mg, lost, DEC[23])
    for refused in (unheld, differs):
        assert "a restart is signed" not in str(refused.value)
        assert "Nothing was saved" in str(refused.value)
        assert "on 23 Dec 2026 or later" in str(refused.value)
    assert "would not keep all its nights on hold" in str(unheld.value)
    assert "would change the plan on 23 Dec 2026" in str(differs.value)


@pytest.mark.parametrize(
    ("language", "words"),
    [("de", "würde den Plan am"), ("es", "cambiaría el plan el")],
)
def test_the_final_checks_refusal_is_translated(language, words):
    with translation.override(language):
        message = changes._lifts_hold_message(DEC[20], DEC[22], why=DEC[23])
    assert words in message
    assert "Neustart" not in message
    assert "reinicio" not in message


def test_a_hold_lifted_before_this_rule_stays_lifted(patient, clinician, surgery):
    """A steps change signed before this rule lifted the surgery hold (it carried only the
    first hold to come). Restarting that first hold does not bring the lifted one back: the
    plan stays as signed (only holds, not steps changes, are set aside as covering others)."""
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    plan = plans.load(patient)
    change = changes.steps_change(
        plan.latest,
        effective_night=DEC[4],
        start_date=DEC[4],
        steps=plan_steps((("3", None),)),
        reason="Review",
        versions=tuple(plan.versions),
    )
    # Stored as it was then: no hold signed again.
    changes._insert_version(plan.prescription, plan.latest.number + 1, clinician, change, NOW)
    assert _held(patient, 10, 20) == {10: True, 20: False}
    version = sign_restart(patient, clinician, DEC[11], 0, signed=NOW)
    assert version.kept_holds == []
    assert _held(patient, 10, 11, 20, 21) == {10: True, 11: False, 20: False, 21: False}


@pytest.fixture
def increase(patient, clinician):
    """A steps change signed for 20 Dec on: 3 mg from then."""
    return _steps_from(patient, clinician, DEC[20])


def test_a_hold_before_a_signed_steps_change_keeps_it(patient, clinician, increase):
    """It was refused: 17-19 Dec took the newer version's steps (not begun: no dose), and
    the refusal spoke of a restart and told the clinician to hold until the 19th."""
    version = sign_hold(patient, clinician, DEC[15], DEC[16], signed=NOW)
    plan = plans.load(patient)
    assert [plan.status_on(DEC[day]) for day in (15, 16)] == [titration.ON_HOLD] * 2
    assert [plan.dose_on(DEC[day]) for day in (14, 17, 19, 20, 30)] == [
        Decimal(dose) for dose in ("2", "2", "2", "3", "3")
    ]
    assert [(k.first, k.last, k.hold) for k in version.kept_holds] == [(DEC[20], None, False)]
    again = PlanVersion.objects.get(prescription__patient=patient, number=version.number + 1)
    assert (again.kind, again.effective_night, again.reason) == ("changed", DEC[20], "Review")


def test_the_hold_form_says_the_plan_after_it_was_kept(patient, clinician, increase):
    number, text = _hold_form(patient, clinician, "Procedure")
    assert "no dose and no hold" not in text
    assert (
        f"The plan signed from 20 Dec 2026 is kept after the hold: signed again as version "
        f"{number + 2}."
    ) in text
    assert plans.load(patient).dose_on(DEC[17]) == Decimal("2")


def test_a_hold_with_an_end_changes_no_night_outside_it(patient, clinician, surgery):
    """A switch to mornings from 10 Dec, the surgery hold, a steps change from 25 Dec: a
    hold for 5-6 Dec leaves every other night as it was."""
    switch_dosing_time(patient, clinician, titration.MORNING, DEC[10], signed=NOW)
    _steps_from(patient, clinician, DEC[25])
    before = plans.load(patient)
    sign_hold(patient, clinician, DEC[5], DEC[6], signed=NOW)
    plan = plans.load(patient)
    for day in range(2, 32):
        night = DEC[day]
        if day in (5, 6):
            assert plan.status_on(night) == titration.ON_HOLD
            continue
        assert (plan.status_on(night), plan.dose_on(night), plan.dosing_time_on(night)) == (
            before.status_on(night),
            before.dose_on(night),
            before.dosing_time_on(night),
        ), day


def test_the_hold_save_checks_the_plan_it_would_store(patient, clinician, increase):
    """The last check before a new hold is stored: its nights held, every night after it as
    signed."""
    plan = plans.load(patient)
    hold = changes.hold_change(
        plan.latest,
        hold_from=DEC[15],
        hold_until=DEC[16],
        reason="Procedure",
        versions=tuple(plan.versions),
    )
    number = plan.latest.number + 1
    alone = (*plan.versions, changes._as_plain(hold, number, plan.newest_versions))
    # The hold alone governs the 20th on with the old steps: the increase is lost.
    with pytest.raises(changes.PlanChangeError, match="cannot keep the plan signed from 17 Dec"):
        changes._check_keeps_plan(plan.versions, alone, hold, DEC[21])
    # Nothing held: refused too.
    with pytest.raises(changes.PlanChangeError, match="cannot keep the plan signed from 17 Dec"):
        changes._check_keeps_plan(plan.versions, plan.versions, hold, DEC[21])
    kept = changes._plan_kept_after_hold(plan, alone[-1], hold)
    final = (*alone, *(plain for _copy, plain in kept))
    changes._check_keeps_plan(plan.versions, final, hold, DEC[21])


def test_restarting_a_hold_until_resumed_before_steps_signed_during_it(patient, clinician, surgery):
    """An urgent hold until resumed from 3 Dec, then steps signed from 10 Dec while it runs
    (they carry it on). A restart on 8 Dec was refused, naming a hold 'from 10 Dec until
    resumed' that nobody signed; it is signed, and the surgery hold it covered is kept."""
    sign_hold(patient, clinician, DEC[3], None, signed=NOW, reason="Urgent")
    _steps_from(patient, clinician, DEC[10], dose="1.5")
    assert _held(patient, 3, 10, 30) == {3: True, 10: True, 30: True}
    version = sign_restart(patient, clinician, DEC[8], 0, signed=NOW)
    assert [(k.first, k.last) for k in version.kept_holds] == [(DEC[20], DEC[22])]
    assert _held(patient, 7, 8, 10, 19, 20, 22, 23) == {
        7: True,
        8: False,
        10: False,
        19: False,
        20: True,
        22: True,
        23: False,
    }
    assert plans.load(patient).dose_on(DEC[8]) == Decimal("1.5")
    assert plans.load(patient).dose_on(DEC[23]) == Decimal("1.5")


def test_a_hold_carried_by_a_steps_change_is_signed_again_with_its_own_words(
    patient, clinician, surgery
):
    """A steps change carries the surgery hold (the first to come). After a hold for 10-12
    Dec, a second steps change carries that one and keeps the surgery hold, signed again
    with the surgery hold's reason, kind and note, not the first steps change's ('Review')."""
    _steps_from(patient, clinician, DEC[4])
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW, reason="Travel")
    version = _steps_from(patient, clinician, DEC[4], dose="2.5")
    again = PlanVersion.objects.get(
        prescription__patient=patient, number=version.kept_holds[0].number
    )
    assert (again.hold_from, again.hold_until) == (DEC[20], DEC[22])
    assert again.reason == "Knee surgery"
    assert again.patient_note == "No LDN around your operation."
    assert again.reason_kind == surgery.reason_kind


@pytest.mark.parametrize(
    ("doses", "named"),
    [(("3", "4"), "from 20 Dec 2026 to 22 Dec 2026"), (("4", "3"), "from 10 Dec 2026 to 12 Dec")],
)
def test_the_final_check_names_the_hold_whose_nights_differ(
    patient, clinician, surgery, doses, named
):
    """Two holds signed again after a steps change from 4 Dec (3 mg): the refusal named the
    first kept hold (10-12 Dec) whichever one left the nights after it at another dose."""
    sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    plan = plans.load(patient)
    lost = [(DEC[10], DEC[12]), (DEC[20], DEC[22])]
    change = changes.steps_change(
        plan.latest,
        effective_night=DEC[4],
        start_date=DEC[4],
        steps=plan_steps((("3", None),)),
        reason="Review",
    )
    number = plan.latest.number + 1
    proposed = changes._as_plain(change, number, plan.newest_versions)
    lifted = (*plan.versions, replace(proposed, hold_from=None, hold_until=None))
    final = list(lifted)
    for (first, last), dose in zip(lost, doses, strict=True):
        hold = changes.hold_change(
            replace(proposed, steps=plan_steps(((dose, None),))),
            hold_from=first,
            hold_until=last,
            reason="Again",
        )
        number += 1
        final.append(changes._as_plain(hold, number, plan.newest_versions))
    with pytest.raises(changes.PlanChangeError) as refused:
        changes._check_signed_again(lifted, tuple(final), lost, DEC[23])
    assert f"would lift the hold signed {named}" in str(refused.value)
