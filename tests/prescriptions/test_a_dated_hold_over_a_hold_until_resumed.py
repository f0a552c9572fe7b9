"""A hold with an end signed over a hold until resumed restarts LDN after it: saved only once
the clinician confirms the night it restarts on.

An urgent report's acknowledgement holds the plan until resumed. A dated hold signed inside
it (10 to 12 Dec) changed the hold's dates ("a hold over a hold changes its dates"), which
is the same change as giving the open hold an end: the plan restarted on 13 Dec with
nothing said, and the patient was told to take LDN again. Now the save raises
NeedsRestartConfirmation naming the night, and the Hold form shows a box "I confirm LDN
restarts on the night of 13 Dec 2026" whose value is that night; nothing is stored until
it is ticked for that night.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from prescriptions import changes, plans, titration
from prescriptions.models import Formulation, PlanVersion
from tests.factories import PatientFactory
from tests.patients.journal_support import (
    make_plan,
    sign_change,
    sign_hold,
    switch_dosing_time,
    visible_text,
)
from tests.prescriptions.factories import plan_steps
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}
RESTARTS = (
    "This hold ends on 12 Dec 2026, and with it the hold signed from 3 Dec 2026 until "
    "resumed: LDN restarts on the night of 13 Dec 2026, at 2 mg."
)


@pytest.fixture
def patient(patient_on_2mg, clinician):
    """On 2 mg, held until resumed from 3 Dec (as an urgent report's acknowledgement)."""
    sign_hold(patient_on_2mg, clinician, DEC[3], None, signed=NOW, reason="Urgent report")
    return patient_on_2mg


def _versions(patient):
    return PlanVersion.objects.filter(prescription__patient=patient).count()


def _held(patient, *days):
    plan = plans.load(patient)
    return [plan.status_on(DEC[day]) == titration.ON_HOLD for day in days]


def test_a_dated_hold_inside_a_hold_until_resumed_is_not_saved_unconfirmed(patient, clinician):
    before = _versions(patient)
    with pytest.raises(changes.NeedsRestartConfirmation) as asked:
        sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    assert asked.value.night == DEC[13]
    assert RESTARTS in str(asked.value)
    assert "nothing was saved" in str(asked.value)
    assert _versions(patient) == before
    assert _held(patient, 10, 13, 30) == [True, True, True]


def test_a_box_ticked_for_another_night_confirms_nothing(patient, clinician):
    before = _versions(patient)
    with pytest.raises(changes.NeedsRestartConfirmation):
        sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW, confirmed_restart=DEC[12])
    assert _versions(patient) == before


def test_the_confirmed_restart_is_saved_and_recorded(patient, clinician):
    version = sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW, confirmed_restart=DEC[13])
    assert _held(patient, 3, 9, 10, 12, 13) == [True, True, True, True, False]
    assert plans.load(patient).dose_on(DEC[13]) == Decimal("2")
    assert RESTARTS in PlanVersion.objects.get(pk=version.pk).confirmed_safety_warning


def test_giving_the_hold_until_resumed_an_end_asks_too(patient, clinician):
    with pytest.raises(changes.NeedsRestartConfirmation) as asked:
        sign_hold(patient, clinician, DEC[3], DEC[9], signed=NOW)
    assert asked.value.night == DEC[10]


def test_a_morning_doser_is_asked_for_the_day(clinician):
    """Words as the Hold form's (changes.words_dosing_time): a morning doser's are days."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(
        patient,
        clinician,
        steps=(("2", None),),
        start=DEC[1],
        dosing_time="morning",
        formulation=Formulation.OTHER,
    )
    sign_hold(patient, clinician, DEC[3], None, signed=NOW)
    with pytest.raises(changes.NeedsRestartConfirmation) as asked:
        sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    assert "LDN restarts on the day of 13 Dec 2026, at 2 mg" in str(asked.value)
    assert "Tick “I confirm LDN restarts on the day of 13 Dec 2026”" in str(asked.value)


def test_a_dated_hold_before_a_hold_until_resumed_asks_nothing(patient_on_2mg, clinician):
    """Held until resumed from 20 Dec: a hold for 10-12 Dec restarts nothing."""
    sign_hold(patient_on_2mg, clinician, DEC[20], None, signed=NOW)
    version = sign_hold(patient_on_2mg, clinician, DEC[10], DEC[12], signed=NOW)
    assert version.confirmed_safety_warning == ""
    assert _held(patient_on_2mg, 10, 13, 20, 30) == [True, False, True, True]


def test_a_dated_hold_over_a_dated_hold_asks_nothing(patient_on_2mg, clinician):
    sign_hold(patient_on_2mg, clinician, DEC[10], DEC[15], signed=NOW)
    version = sign_hold(patient_on_2mg, clinician, DEC[10], DEC[12], signed=NOW)
    assert version.confirmed_safety_warning == ""


def _post_hold(client, patient, **extra):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_hold", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "reason": "Procedure",
                "patient_note": "",
                "hold_reason": "other",
                "hold_from": "2026-12-10",
                "hold_until": "2026-12-12",
                **extra,
            },
        )


def test_the_hold_form_asks_to_confirm_the_restart(patient, clinician):
    client = signed_in_reauthenticated(clinician)
    before = _versions(patient)
    response = _post_hold(client, patient)
    assert response.status_code == 200
    html = response.content.decode()
    assert RESTARTS in visible_text(html)
    assert 'name="confirm_restart" id="id_confirm_restart" value="2026-12-13">' in html
    assert "I confirm LDN restarts on the night of 13 Dec 2026" in html
    assert _versions(patient) == before
    # Ticked for the night it names: saved.
    response = _post_hold(client, patient, confirm_restart="2026-12-13")
    assert response.status_code == 302
    assert _versions(patient) == before + 1
    assert _held(patient, 12, 13) == [True, False]


@pytest.mark.parametrize("ticked", ["2026-12-14", "yes", "on", "2026-12-13" * 3])
def test_the_hold_form_asks_again_for_a_box_that_names_another_night(patient, clinician, ticked):
    client = signed_in_reauthenticated(clinician)
    before = _versions(patient)
    response = _post_hold(client, patient, confirm_restart=ticked)
    assert response.status_code == 200
    html = response.content.decode()
    # Asked again, for the night this hold restarts on, and not ticked.
    assert 'name="confirm_restart" id="id_confirm_restart" value="2026-12-13">' in html
    assert _versions(patient) == before


def test_the_hold_form_shows_no_box_when_nothing_restarts(patient_on_2mg, clinician):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("clinic:plan_hold", args=[patient_on_2mg.pk]))
    assert 'name="confirm_restart"' not in page.content.decode()
    response = _post_hold(client, patient_on_2mg)
    assert response.status_code == 302


def test_a_hold_ending_before_a_hold_it_keeps_asks_for_the_restart_after_that(
    patient_on_2mg, clinician
):
    """A surgery hold for 20-22 Dec, then held until resumed from 3 Dec (it covers the
    surgery hold): a hold for 3-19 Dec keeps the surgery hold, and LDN restarts on 23 Dec."""
    patient = patient_on_2mg
    sign_hold(patient, clinician, DEC[20], DEC[22], signed=NOW, reason="Knee surgery")
    sign_hold(patient, clinician, DEC[3], None, signed=NOW, reason="Urgent report")
    before = _versions(patient)
    with pytest.raises(changes.NeedsRestartConfirmation) as asked:
        sign_hold(patient, clinician, DEC[3], DEC[19], signed=NOW)
    assert asked.value.night == DEC[23]
    assert "LDN restarts on the night of 23 Dec 2026, at 2 mg" in str(asked.value)
    assert _versions(patient) == before
    sign_hold(patient, clinician, DEC[3], DEC[19], signed=NOW, confirmed_restart=DEC[23])
    assert _held(patient, 19, 20, 22, 23) == [True, True, True, False]


@pytest.mark.parametrize(
    ("language", "said", "box"),
    [
        (
            "de",
            "LDN beginnt in der Nacht vom 13. Dez 2026 wieder, mit 2 mg.",
            "Ich bestätige, dass LDN in der Nacht vom 13. Dez 2026 wieder beginnt",
        ),
        (
            "es",
            "la LDN se reanuda la noche del 13 dic 2026, con 2 mg.",
            "Confirmo que la LDN se reanuda la noche del 13 dic 2026",
        ),
    ],
)
def test_the_restart_is_asked_in_the_clinicians_language(patient, clinician, language, said, box):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("clinic:plan_hold", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "reason": "Eingriff",
                "hold_reason": "other",
                "hold_from": "2026-12-10",
                "hold_until": "2026-12-12",
            },
            HTTP_ACCEPT_LANGUAGE=language,
        )
    text = visible_text(response.content.decode())
    assert said in text
    assert box in text


def test_a_hold_before_steps_carrying_the_hold_until_resumed_does_not_speak_of_a_restart(
    patient, clinician
):
    """Held until resumed from 3 Dec, then steps signed from 25 Dec (they carry the hold on:
    the plan is still on hold then). A hold for 10-12 Dec takes those steps and leaves 13-24
    Dec with nothing: refused, as before, but it said "the restart signed for the plan
    begins on 25 Dec" and there is no restart."""
    sign_change(
        patient,
        clinician,
        lambda plan: changes.steps_change(
            plan.latest,
            effective_night=DEC[25],
            start_date=DEC[25],
            steps=plan_steps((("3", None),)),
            reason="Review",
            versions=tuple(plan.versions),
        ),
        NOW,
    )
    before = _versions(patient)
    with pytest.raises(changes.PlanChangeError) as refused:
        sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    message = str(refused.value)
    assert "restart signed" not in message
    assert message == (
        "This hold would end on 12 Dec 2026, but no restart is signed: the steps signed from "
        "25 Dec 2026 would begin only then, and the nights between would have no dose and no "
        "hold. To restart LDN after this hold, use Resume with the night of 13 Dec 2026; or "
        "end the hold on 24 Dec 2026."
    )
    assert _versions(patient) == before
    assert _held(patient, 13, 25, 30) == [True, True, True]


def test_a_restart_after_a_switch_to_mornings_is_told_in_days(patient, clinician):
    """Held until resumed from 3 Dec, switched to mornings from 8 Dec: a hold for 10-12 Dec
    restarts LDN on 13 Dec, a morning. The question said "the night of 13 Dec" (tonight's
    dosing time, evening); it now says the day, in the message and in the box alike."""
    switch_dosing_time(patient, clinician, "morning", DEC[8], signed=NOW)
    with pytest.raises(changes.NeedsRestartConfirmation) as asked:
        sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW)
    assert "LDN restarts on the day of 13 Dec 2026, at 2 mg" in str(asked.value)
    assert "Tick “I confirm LDN restarts on the day of 13 Dec 2026”" in str(asked.value)
    assert "night of 13 Dec" not in str(asked.value)
    version = sign_hold(patient, clinician, DEC[10], DEC[12], signed=NOW, confirmed_restart=DEC[13])
    recorded = PlanVersion.objects.get(pk=version.pk).confirmed_safety_warning
    assert "LDN restarts on the day of 13 Dec 2026" in recorded


@pytest.mark.parametrize("ticked", [None, "2026-12-13"])
def test_the_hold_forms_box_after_a_switch_to_mornings_names_the_day(patient, clinician, ticked):
    """The box's label matches the save's message: asked (not ticked), or posted ticked on a
    form that met another error (here no reason given)."""
    switch_dosing_time(patient, clinician, "morning", DEC[8], signed=NOW)
    client = signed_in_reauthenticated(clinician)
    extra = {} if ticked is None else {"confirm_restart": ticked, "reason": ""}
    response = _post_hold(client, patient, **extra)
    assert response.status_code == 200
    html = response.content.decode()
    assert "I confirm LDN restarts on the day of 13 Dec 2026" in html
    assert "I confirm LDN restarts on the night of 13 Dec 2026" not in html
