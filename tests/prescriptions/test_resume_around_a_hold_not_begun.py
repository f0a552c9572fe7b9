"""The clinician's Resume around a hold that has not begun yet, and a restart moved later
(found by QA): the form opened on tonight (PlanView.held_until is empty before the hold
starts), a restart before the hold's first night was saved and silently cancelled the hold,
and a restart moved later was named "Resumed" from the hold's first night, with its own note
on the paused card in place of the hold's."""

from datetime import date
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, sign_hold
from tests.prescriptions.signed_restart_support import DEC_10, HOLD_SIGNED, NOW
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

HOLD_NOTE = "Stop LDN: no dose before your surgery."


def _hold(patient, clinician, hold_from, hold_until=None, restart_on=None):
    """Held from ``hold_from`` (signed on the night of 2 Dec); with ``restart_on``, then a
    restart there at 3 mg signed on the night of the 3rd."""
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    sign_hold(
        patient,
        clinician,
        hold_from,
        hold_until,
        signed=HOLD_SIGNED,
        patient_note=HOLD_NOTE,
        restart_on=restart_on,
        restart_step=1,
        restart_signed=NOW,
    )


def _form(client, patient):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("clinic:plan_resume", args=[patient.pk])).content.decode()


def _post(client, patient, on, note="", step="1"):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_resume", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "resume_on": str(on),
                "step": step,
                "reason": "Surgery moved",
                "patient_note": note,
            },
        )


def test_the_form_opens_after_a_dated_hold_not_begun(patient_a, clinician_a):
    _hold(patient_a, clinician_a, date(2026, 12, 6), date(2026, 12, 9))
    assert 'value="2026-12-10"' in _form(signed_in_reauthenticated(clinician_a), patient_a)


def test_the_form_opens_on_the_restart_signed_for_a_hold_not_begun(patient_a, clinician_a):
    _hold(patient_a, clinician_a, date(2026, 12, 5), restart_on=date(2026, 12, 12))
    assert 'value="2026-12-12"' in _form(signed_in_reauthenticated(clinician_a), patient_a)


def test_a_restart_before_a_hold_not_begun_is_refused_and_nothing_stored(patient_a, clinician_a):
    _hold(patient_a, clinician_a, date(2026, 12, 6), date(2026, 12, 9))
    response = _post(signed_in_reauthenticated(clinician_a), patient_a, date(2026, 12, 4))
    assert response.status_code == 200
    html = response.content.decode()
    assert "starts on the night of 6 Dec 2026" in html
    assert "A restart on 6 Dec 2026 cancels the hold" in html
    assert PlanVersion.objects.count() == 2
    assert plans.load(patient_a).status_on(date(2026, 12, 6)) == "on_hold"


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_refusal_reads_in_german_and_spanish(language):
    message = (
        "The hold has not begun: it starts on the night of %(start)s, so the restart "
        "can be on %(start)s at the earliest. A restart on %(start)s cancels the hold; "
        "to keep it, restart after its last night."
    )
    with translation.override(language):
        assert translation.gettext(message) != message
        assert translation.gettext("Restart moved to %(night)s (on hold until then)") != (
            "Restart moved to %(night)s (on hold until then)"
        )


def test_a_restart_on_the_holds_first_night_or_later_is_signed(patient_a, clinician_a):
    _hold(patient_a, clinician_a, date(2026, 12, 6), date(2026, 12, 9))
    assert (
        _post(signed_in_reauthenticated(clinician_a), patient_a, date(2026, 12, 8)).status_code
        == 302
    )
    view = plans.load(patient_a)
    assert [view.status_on(date(2026, 12, day)) for day in (5, 6, 7, 8)] == [
        "active",
        "on_hold",
        "on_hold",
        "active",
    ]


def test_a_restart_moved_later_says_so_and_keeps_the_holds_note(patient_a, clinician_a):
    _hold(patient_a, clinician_a, date(2026, 12, 2), restart_on=DEC_10)  # v3: restart on 10 Dec
    clinician = signed_in_reauthenticated(clinician_a)
    assert _post(clinician, patient_a, date(2026, 12, 15), step="0").status_code == 302
    moved = PlanVersion.objects.get(number=4)
    assert moved.get_kind_display() == "Restart moved to 15 Dec 2026 (on hold until then)"
    assert moved.patient_note == HOLD_NOTE
    view = plans.load(patient_a)
    assert view.hold_note(NOW.date()) == HOLD_NOTE
    assert view.held_until(NOW.date()) == date(2026, 12, 14)
    patient = signed_in(patient_a.user)
    with time_machine.travel(NOW, tick=False):
        panel = clinician.get(reverse("clinic:plan", args=[patient_a.pk])).content.decode()
        my_plan = patient.get(reverse("journal:plan")).content.decode()
        report = clinician.get(
            reverse("clinic:report", args=[patient_a.pk]),
            {"start": "2026-11-20", "end": "2026-12-03"},
        ).content.decode()
    said = "Restart moved to 15 Dec 2026 (on hold until then)"
    assert said in panel
    assert said in my_plan
    assert f"v4 {said}" in report
    assert "v4 Resumed" not in report
    card = my_plan.split('id="plan-now"', 1)[1].split("</section>", 1)[0]
    assert HOLD_NOTE in card


def test_a_restart_moved_later_carries_the_clinicians_new_note(patient_a, clinician_a):
    _hold(patient_a, clinician_a, date(2026, 12, 2), restart_on=DEC_10)
    response = _post(
        signed_in_reauthenticated(clinician_a),
        patient_a,
        date(2026, 12, 15),
        note="Restart on the 15th.",
        step="0",
    )
    assert response.status_code == 302
    assert plans.load(patient_a).hold_note(NOW.date()) == "Restart on the 15th."


NOT_BEGUN = {
    ("en", "evening"): ("starts on the night of 6 Dec 2026", "restart after its last night."),
    ("en", "morning"): ("starts on the day of 6 Dec 2026", "restart after its last day."),
    ("de", "morning"): ("beginnt am Tag vom 6. Dez 2026", "nach ihrem letzten Tag neu."),
    ("es", "morning"): ("empieza el día 6 dic 2026", "reanude después de su último día."),
}


@pytest.mark.parametrize(("language", "dosing_time"), sorted(NOT_BEGUN))
def test_the_refusal_names_a_morning_dosers_hold_in_days(
    patient_a, clinician_a, language, dosing_time
):
    """It said "starts on the night of" and "after its last night" to a morning doser, whose
    Resume form reads "Restart on the day of"."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)), dosing_time=dosing_time)
    sign_hold(patient_a, clinician_a, date(2026, 12, 6), date(2026, 12, 9), signed=HOLD_SIGNED)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    response = _post(signed_in_reauthenticated(clinician_a), patient_a, date(2026, 12, 4))
    page = " ".join(unescape(response.content.decode()).split())
    for words in NOT_BEGUN[(language, dosing_time)]:
        assert words in page
    assert PlanVersion.objects.count() == 2
