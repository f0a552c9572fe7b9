"""A steps change whose start date moves back onto a later step is signed only once
confirmed (found by QA): a plan on night 4 of step 1 (1.5 mg for 14 nights, from 2 Dec) had
its start moved back to 1 Nov on "Change steps" and was saved at once; tonight became step
2, 3 mg, with no question, since a 1.5 mg rise is within the clinic's overnight limit and
the increase confirmation did not fire. The save now asks, as a new prescription's step 1
begun before its first night asks (changes.NeedsStartConfirmation, the same date-carrying
box), naming tonight's step by the plan's numbers; the version records the confirmation."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, sign_hold
from tests.prescriptions.factories import steps_data
from tests.prescriptions.skipped_steps_support import DEC_2, EVENING, box, new_prescription, text
from tests.prescriptions.start_moved_back_support import change

pytestmark = pytest.mark.django_db

DEC_5 = date(2026, 12, 5)

ASKED = (
    "Step 2 now starts on the night of 15 Nov 2026, before tonight: tonight (5 Dec) the "
    "patient moves from step 1, 1.5 mg, to step 2, 3 mg."
)
LABEL = "I confirm step 2 starts on 15 Nov 2026"


def test_a_start_moved_back_onto_step_2_is_not_signed_until_confirmed(
    clinician_a, on_night_4_of_step_1
):
    response = change(clinician_a, on_night_4_of_step_1, date(2026, 11, 1))
    assert response.status_code == 200
    assert ASKED in text(response)
    assert (
        f"Tick “{LABEL}” and sign again to save it, or change the start date or the steps; "
        "nothing was saved." in text(response)
    )
    assert box(response) == ("2026-11-15:2", False, LABEL)
    assert plans.load(on_night_4_of_step_1).latest.number == 1


def test_once_confirmed_it_is_signed_and_the_version_records_it(clinician_a, on_night_4_of_step_1):
    response = change(
        clinician_a, on_night_4_of_step_1, date(2026, 11, 1), confirm_start="2026-11-15:2"
    )
    assert response.status_code == 302
    view = plans.load(on_night_4_of_step_1)
    assert view.latest_row.confirmed_safety_warning == ASKED
    position = view.on(DEC_5)
    assert (position.step_number, position.dose_mg) == (2, 3)


def test_a_box_ticked_for_another_start_date_confirms_nothing(clinician_a, on_night_4_of_step_1):
    response = change(
        clinician_a, on_night_4_of_step_1, date(2026, 10, 31), confirm_start="2026-11-15:2"
    )
    assert response.status_code == 200
    assert "Step 2 now starts on the night of 14 Nov 2026, before tonight" in text(response)
    assert box(response)[:2] == ("2026-11-14:2", False)
    assert plans.load(on_night_4_of_step_1).latest.number == 1


@pytest.mark.parametrize("start", [date(2026, 12, 4)], ids=["moved later: steps repeated"])
def test_a_start_that_skips_no_step_asks_nothing(clinician_a, on_night_4_of_step_1, start):
    # Moved back inside step 1 (22 Nov: tonight night 14 of it) shortens the step and asks
    # (test_new_prescription_starts_inside_step_1).
    response = change(clinician_a, on_night_4_of_step_1, start)
    assert response.status_code == 302
    assert plans.load(on_night_4_of_step_1).latest_row.confirmed_safety_warning == ""


def test_an_unchanged_start_asks_nothing(clinician_a, on_night_4_of_step_1):
    response = change(clinician_a, on_night_4_of_step_1, DEC_2, **{"steps-0-days": "21"})
    assert response.status_code == 302
    assert plans.load(on_night_4_of_step_1).latest_row.confirmed_safety_warning == ""


def test_the_first_start_that_skips_asks(clinician_a, on_night_4_of_step_1):
    # 21 Nov: tonight is night 15, the first of step 2. It said "Step 2 now starts on the
    # night of 5 Dec 2026, before tonight": step 2 starts tonight.
    response = change(clinician_a, on_night_4_of_step_1, date(2026, 11, 21))
    assert (
        "Step 2 now starts tonight (5 Dec): the patient moves from step 1, 1.5 mg, to step 2, "
        "3 mg." in text(response)
    )
    assert box(response)[:2] == ("2026-12-05:2", False)


def test_before_noon_the_first_night_is_last_night(clinician_a, on_night_4_of_step_1):
    # At 09:00 on 5 Dec an evening doser's night still open is the 4th's (night 3 of step 1).
    response = change(
        clinician_a,
        on_night_4_of_step_1,
        date(2026, 11, 1),
        at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    )
    assert (
        "Step 2 now starts on the night of 15 Nov 2026, before last night, the change's first "
        "night: last night (4 Dec) the patient moves from step 1, 1.5 mg, to step 2, 3 mg."
        in text(response)
    )


def test_a_morning_doser_is_told_in_days(patient_a, clinician_a):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 14), ("3", None)),
        start=DEC_2,
        dosing_time="morning",
    )
    response = change(clinician_a, patient_a, date(2026, 11, 1))
    assert (
        "Step 2 now starts on the day of 15 Nov 2026, before today: today (5 Dec) the patient "
        "moves from step 1, 1.5 mg, to step 2, 3 mg." in text(response)
    )
    assert box(response) == ("2026-11-15:2", False, LABEL)


def test_a_restarted_plan_names_its_steps_as_the_plan_numbers_them(patient_a, clinician_a):
    """Held from 1 Dec, restarted on 5 Dec at step 2 (3 mg for 14 nights, then 4.5 mg): its
    first step is step 2, so moving its start back names steps 2 and 3, not 1 and 2."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", 14), ("4.5", None)))
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 1),
        signed=datetime(2026, 11, 30, 12, tzinfo=UTC),
        restart_on=DEC_5,
        restart_step=1,
        restart_signed=datetime(2026, 12, 4, 22, tzinfo=UTC),
    )
    at = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)  # tonight 8 Dec: night 4 of step 2
    assert plans.load(patient_a).on(date(2026, 12, 8)).step_number == 2
    response = change(clinician_a, patient_a, date(2026, 11, 20), at=at)
    assert (
        "Step 3 now starts on the night of 4 Dec 2026, before tonight: tonight (8 Dec) the "
        "patient moves from step 2, 3 mg, to step 3, 4.5 mg." in text(response)
    )
    response = change(
        clinician_a, patient_a, date(2026, 11, 20), at=at, confirm_start="2026-12-04:3"
    )
    assert response.status_code == 302
    position = plans.load(patient_a).on(date(2026, 12, 8))
    assert (position.step_number, position.step_total, position.dose_mg) == (3, 3, 4.5)


def test_with_an_increase_both_are_asked_at_once_and_ticking_both_signs(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", 14), ("4.5", None)), start=DEC_2)
    on_night_4_of_step_1 = patient_a
    # From 1 Oct tonight is step 3, 4.5 mg: 3 mg over last night's 1.5 mg, over the limit.
    response = change(clinician_a, on_night_4_of_step_1, date(2026, 10, 1))
    page = text(response)
    assert "tonight (5 Dec) the patient moves from step 1, 1.5 mg, to step 3, 4.5 mg." in page
    assert "Please confirm this increase:" in page
    assert (
        "Tick “I confirm step 3 starts on 29 Oct 2026” and “I confirm this increase” "
        "and sign again to save it, or change the start date or the steps; nothing was saved."
        in page
    )
    assert box(response) == ("2026-10-29:3", False, "I confirm step 3 starts on 29 Oct 2026")
    assert 'name="confirm_increase"' in response.content.decode()

    # The start confirmed alone: the increase is still asked, the start box stays ticked.
    response = change(
        clinician_a, on_night_4_of_step_1, date(2026, 10, 1), confirm_start="2026-10-29:3"
    )
    assert response.status_code == 200
    assert "Tick “I confirm this increase” and sign again" in text(response)
    assert box(response)[:2] == ("2026-10-29:3", True)

    response = change(
        clinician_a,
        on_night_4_of_step_1,
        date(2026, 10, 1),
        confirm_start="2026-10-29:3",
        confirm_increase="on",
    )
    assert response.status_code == 302
    warning = plans.load(on_night_4_of_step_1).latest_row.confirmed_safety_warning
    assert "more than 1.5 mg in one step" in warning
    assert "to step 3, 4.5 mg." in warning


@pytest.mark.parametrize(
    ("language", "asked", "label"),
    [
        (
            "de",
            "Stufe 2 beginnt jetzt in der Nacht vom 15. Nov 2026, vor heute Abend: Heute Abend "
            "(5. Dez) wechselt die Person von Stufe 1, 1,5 mg, zu Stufe 2, 3 mg. Kreuzen Sie "
            "„Ich bestätige, dass Stufe 2 am 15. Nov 2026 beginnt“ an und signieren Sie "
            "erneut, um die Änderung zu speichern, oder ändern Sie das Startdatum oder die "
            "Stufen; es wurde nichts gespeichert.",
            "Ich bestätige, dass Stufe 2 am 15. Nov 2026 beginnt",
        ),
        (
            "es",
            "El paso 2 empieza ahora la noche del 15 nov 2026, antes de esta noche: esta noche "
            "(5 dic) el paciente pasa del paso 1, 1,5 mg, al paso 2, 3 mg. Marque «Confirmo "
            "que el paso 2 empieza el 15 nov 2026» y firme de nuevo para guardarlo, o cambie "
            "la fecha de inicio o los pasos; no se ha guardado nada.",
            "Confirmo que el paso 2 empieza el 15 nov 2026",
        ),
    ],
)
def test_asked_in_the_clinicians_language(
    clinician_a, on_night_4_of_step_1, language, asked, label
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    response = change(clinician_a, on_night_4_of_step_1, date(2026, 11, 1))
    assert asked in text(response)
    assert box(response) == ("2026-11-15:2", False, label)


def test_nights_before_tonight_keep_their_prescribed_dose(clinician_a, on_night_4_of_step_1):
    """DESIGN §4: a change to a plan never alters how an earlier night is judged. Moved back
    to 1 Nov, the nights of November stay without a plan and 2-4 Dec stay 1.5 mg
    (step 1); the new start governs from tonight."""
    patient = on_night_4_of_step_1
    before = plans.load(patient)
    nights = [
        date(2026, 10, 25) + timedelta(days=n) for n in range((DEC_5 - date(2026, 10, 25)).days)
    ]
    judged = {night: (before.status_on(night), before.dose_on(night)) for night in nights}
    response = change(clinician_a, patient, date(2026, 11, 1), confirm_start="2026-11-15:2")
    assert response.status_code == 302
    after = plans.load(patient)
    assert {night: (after.status_on(night), after.dose_on(night)) for night in nights} == judged
    assert judged[date(2026, 11, 20)] == (titration.NO_PLAN, None)
    assert judged[date(2026, 12, 4)] == (titration.ACTIVE, 1.5)
    assert PlanVersion.objects.filter(prescription__patient=patient).count() == 2


def test_a_plan_whose_newest_steps_start_later_counts_from_their_first_step(
    clinician_a, on_night_4_of_step_1
):
    """The newest version's steps begin on 10 Dec (signed ahead): from that start tonight is
    not begun, so the same steps would begin at their step 1. Moved back to 1 Dec, tonight
    is night 5 of step 1, not night 4 as tonight's version 1 has it: one night of step 1
    is lost, and that is asked (no step is skipped)."""
    patient = on_night_4_of_step_1
    signed = change(clinician_a, patient, date(2026, 12, 10), effective_night="2026-12-10")
    assert signed.status_code == 302
    assert plans.load(patient).latest.start_date == date(2026, 12, 10)
    response = change(clinician_a, patient, date(2026, 12, 1))
    assert (
        "the patient moves from night 4 to night 5 of step 1 (10 nights at 1.5 mg left, not "
        "11)." in text(response)
    )
    assert (
        change(clinician_a, patient, date(2026, 12, 1), confirm_start="2026-12-01:1").status_code
        == 302
    )
    response = change(clinician_a, patient, date(2026, 11, 1))
    assert "tonight (5 Dec) the patient moves from step 1, 1.5 mg, to step 2, 3 mg." in text(
        response
    )


def test_a_new_prescription_asks_its_start_and_an_increase_at_once(clinician_client, patient_a):
    """The same one refusal on a new prescription: step 1 begun on 1 Nov puts tonight on
    step 2, 5 mg, above the clinic's maximum; both boxes are asked together."""
    data = new_prescription(strengths_text="1.5, 5.0", **steps_data([("1.5", "14"), ("5.0", "")]))
    with time_machine.travel(EVENING, tick=False):
        url = reverse("clinic:prescription_new", args=[patient_a.pk])
        response = clinician_client.post(url, data)
        page = text(response)
        assert "tonight (5 Dec) the patient is on step 2, 5 mg." in page
        assert "above the clinic's maximum of 4.5 mg" in page
        assert (
            "and “I confirm this increase” and sign again to save it, or change the start "
            "date; nothing was saved." in page
        )
        assert 'name="confirm_increase"' in response.content.decode()
        assert box(response) == (
            "2026-11-01:2",
            False,
            "I confirm the patient is already on this plan since 1 Nov 2026",
        )
        confirmed = {**data, "confirm_start": "2026-11-01:2", "confirm_increase": "on"}
        assert clinician_client.post(url, confirmed).status_code == 302
