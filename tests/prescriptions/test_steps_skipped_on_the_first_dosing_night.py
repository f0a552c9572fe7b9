"""One rule for every steps save (changes.skipped_steps): on the change's first dosing night
(not held, not ended), a change that puts the patient on a later step number than the plan
as signed would is signed only once confirmed, seeing the step and the dose. A review found
four ways around the start-date questions (1.5 mg for 14 nights from 2 Dec, then 3 mg;
tonight, 5 Dec, is night 4): a step shortened, a template given an earlier start, a start
moved back during a dated hold, and a box ticked for one question that confirmed a second
one asked in the same post. The box carries the date and the step it confirms."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from prescriptions import plans, suggestions
from prescriptions.changes import NeedsStartConfirmation, steps_change, steps_prefill
from prescriptions.forms import posted_night
from prescriptions.models import Formulation, PlanTemplate, PlanVersion
from tests.patients.journal_support import make_plan, sign_change, sign_hold
from tests.prescriptions.skipped_steps_support import DEC_2, EVENING, box, text
from tests.prescriptions.step_numbers_support import _change_url, _form_inputs, _open, _post

pytestmark = pytest.mark.django_db

DEC_5 = date(2026, 12, 5)


def sign(clinician, patient, url=None, at=EVENING, **changed):
    """The Change steps page (or ``url``: a template's) as opened, ``changed``, signed."""
    url = url or _change_url(patient)
    data = _form_inputs(_open(clinician, url, at).content.decode())
    return _post(clinician, url, {**data, "reason": "Review", **changed}, at)


def steps_signed(patient):
    return PlanVersion.objects.filter(prescription__patient=patient).count()


def on_four_liquid_steps(patient, clinician):
    """1.5, 2, 2.5 mg for 14 nights each from 2 Dec, then 3 mg (a liquid: any dose)."""
    make_plan(
        patient,
        clinician,
        steps=(("1.5", 14), ("2", 14), ("2.5", 14), ("3", None)),
        start=DEC_2,
        formulation=Formulation.LIQUID,
        concentration=Decimal("1.00"),
    )


# --- the four findings --------------------------------------------------------------------


def test_a_step_shortened_onto_tonight_is_asked(clinician_a, on_night_4_of_step_1):
    """Finding 1: the start left at 2 Dec, step 1 set to 3 nights: tonight is step 2. The
    start date did not move, so the way out names the steps too."""
    response = sign(clinician_a, on_night_4_of_step_1, **{"steps-0-days": "3"})
    assert response.status_code == 200
    assert (
        "Step 2 now starts tonight (5 Dec): the patient moves from step 1, 1.5 mg, to step 2, "
        "3 mg. Tick “I confirm step 2 starts on 5 Dec 2026” and sign again to save it, or "
        "change the start date or the steps; nothing was saved." in text(response)
    )
    assert box(response) == ("2026-12-05:2", False, "I confirm step 2 starts on 5 Dec 2026")
    assert steps_signed(on_night_4_of_step_1) == 1

    response = sign(
        clinician_a, on_night_4_of_step_1, **{"steps-0-days": "3", "confirm_start": "2026-12-05:2"}
    )
    assert response.status_code == 302
    view = plans.load(on_night_4_of_step_1)
    assert view.latest_row.confirmed_safety_warning.startswith("Step 2 now starts tonight")
    assert (view.on(DEC_5).step_number, view.on(DEC_5).dose_mg) == (2, 3)


@pytest.mark.parametrize(
    ("start", "asked"),
    [
        (
            "2026-12-02",
            "Step 2 now starts on the night of 4 Dec 2026, before tonight: tonight (5 Dec) the "
            "patient moves from step 1, 1.5 mg, to step 2, 3 mg.",
        ),
        (
            "2026-12-03",
            "Step 2 now starts tonight (5 Dec): the patient moves from step 1, 1.5 mg, to step "
            "2, 3 mg.",
        ),
    ],
    ids=["2 Dec", "3 Dec"],
)
def test_a_template_applied_with_an_earlier_start_is_asked(
    clinician_a, on_night_4_of_step_1, start, asked
):
    """Finding 2: a new prescription with these steps and start was asked; a template
    applied to the open prescription was not."""
    template = PlanTemplate.objects.create(
        name="Quick",
        steps=[
            {"dose_mg": "1.5", "days": 2},
            {"dose_mg": "3", "days": 7},
            {"dose_mg": "4.5", "days": None},
        ],
    )
    url = reverse("clinic:plan_template_apply", args=[on_night_4_of_step_1.pk, template.pk])
    response = sign(clinician_a, on_night_4_of_step_1, url=url, start_date=start)
    assert response.status_code == 200
    assert asked in text(response)
    assert steps_signed(on_night_4_of_step_1) == 1


def test_a_start_moved_back_during_a_dated_hold_is_asked_for_the_night_it_ends(
    clinician_a, on_night_4_of_step_1
):
    """Finding 3: held 5-8 Dec, the start moved back to 1 Nov tonight. Tonight is held, so
    nothing was asked; on 9 Dec the patient resumed on step 2."""
    patient = on_night_4_of_step_1
    sign_hold(
        patient,
        clinician_a,
        DEC_5,
        date(2026, 12, 8),
        signed=datetime(2026, 12, 4, 12, tzinfo=UTC),
    )
    response = sign(clinician_a, patient, start_date="2026-11-01")
    assert response.status_code == 200
    assert (
        "Step 2 now starts on 15 Nov 2026: on 9 Dec, when the hold ends, the patient moves "
        "from step 1, 1.5 mg, to step 2, 3 mg." in text(response)
    )
    assert box(response) == ("2026-11-15:2", False, "I confirm step 2 starts on 15 Nov 2026")
    assert steps_signed(patient) == 2


def test_the_box_confirms_the_step_it_was_ticked_for_not_another(patient_a, clinician_a):
    """Finding 4: asked about step 2 (2 mg), the clinician ticks the box and also shortens
    step 2 in the same post: that now puts the patient on step 3, so it is asked again."""
    on_four_liquid_steps(patient_a, clinician_a)
    response = sign(clinician_a, patient_a, start_date="2026-11-15")
    assert "tonight (5 Dec) the patient moves from step 1, 1.5 mg, to step 2, 2 mg." in text(
        response
    )
    assert box(response)[:2] == ("2026-11-29:2", False)

    response = sign(
        clinician_a,
        patient_a,
        start_date="2026-11-15",
        confirm_start="2026-11-29:2",
        **{"steps-1-days": "3"},
    )
    assert response.status_code == 200
    assert (
        "Step 3 now starts on the night of 2 Dec 2026, before tonight: tonight (5 Dec) the "
        "patient moves from step 1, 1.5 mg, to step 3, 2.5 mg." in text(response)
    )
    assert box(response) == ("2026-12-02:3", False, "I confirm step 3 starts on 2 Dec 2026")
    assert steps_signed(patient_a) == 1


@pytest.mark.parametrize(
    "posted", ["2026-11-29", "2026-11-29:3", "2026-11-28:2", "2026-11-29:x", "on"]
)
def test_a_box_for_another_date_or_step_confirms_nothing(patient_a, clinician_a, posted):
    on_four_liquid_steps(patient_a, clinician_a)
    response = sign(clinician_a, patient_a, start_date="2026-11-15", confirm_start=posted)
    assert response.status_code == 200
    assert box(response)[:2] == ("2026-11-29:2", False)
    assert steps_signed(patient_a) == 1


def test_posted_night_reads_a_step_only_when_asked_to():
    assert posted_night("2026-11-29:2", step=True) == (date(2026, 11, 29), 2)
    assert posted_night("2026-11-29", step=True) is None
    assert posted_night("2026-11-29") == date(2026, 11, 29)
    assert posted_night("2026-11-29:2") is None


# --- what is not asked --------------------------------------------------------------------


def test_a_plan_whose_first_row_starts_tonight_asks_nothing(clinician_a, on_night_4_of_step_1):
    """The clinician set tonight's dose as row 1, from tonight. (Numbered as step 2, as the
    Apply next step page draws it, by test_apply_next_step_signs_without_a_question and
    test_step_numbers_through_a_steps_change: the page is numbered as it is drawn, a
    steps_before posted otherwise is refused, test_steps_before_checked_on_save.)"""
    response = sign(
        clinician_a,
        on_night_4_of_step_1,
        start_date="2026-12-05",
        **{"steps-0-dose_mg": "3", "steps-0-days": "", "steps-TOTAL_FORMS": "1"},
    )
    assert response.status_code == 302
    view = plans.load(on_night_4_of_step_1)
    assert view.latest_row.confirmed_safety_warning == ""
    assert (view.on(DEC_5).step_number, view.on(DEC_5).dose_mg) == (1, 3)


def test_apply_next_step_signs_without_a_question(clinician_a, on_night_4_of_step_1):
    patient = on_night_4_of_step_1
    suggestion = suggestions.Suggestion(
        kind=suggestions.NEXT_STEP, key="k", title="", detail="", evidence=(), proposed_step_index=1
    )

    def build(plan):
        prefill = steps_prefill(
            plan.latest, first_night=DEC_5, suggestion=suggestion, current_index=0
        )
        return steps_change(
            plan.latest,
            effective_night=DEC_5,
            start_date=prefill.start_date,
            steps=prefill.steps,
            steps_before=prefill.steps_before,
            reason="Next step",
            versions=tuple(plan.versions),
        )

    sign_change(patient, clinician_a, build, EVENING)
    assert plans.load(patient).on(DEC_5).step_number == 2


def test_resume_at_a_later_step_signs_without_a_question(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", 14), ("4.5", None)))
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 1),
        signed=datetime(2026, 11, 30, 12, tzinfo=UTC),
        restart_on=DEC_5,
        restart_step=2,
        restart_signed=EVENING,
    )
    assert plans.load(patient_a).on(DEC_5).step_number == 3


def test_the_rule_raises_the_one_refusal_at_the_domain_too(clinician_a, on_night_4_of_step_1):
    """save_version, not only the page: shortening step 1 is refused until (5 Dec, 2)."""
    patient = on_night_4_of_step_1

    def build(plan):
        steps = (plan.latest.steps[0].__class__(Decimal("1.5"), 3), plan.latest.steps[1])
        return steps_change(
            plan.latest,
            effective_night=DEC_5,
            start_date=DEC_2,
            steps=steps,
            reason="Review",
            versions=tuple(plan.versions),
        )

    with pytest.raises(NeedsStartConfirmation) as asked:
        sign_change(patient, clinician_a, build, EVENING, confirmed_start=(DEC_5, 3))
    assert (asked.value.start, asked.value.step) == (DEC_5, 2)
    sign_change(patient, clinician_a, build, EVENING, confirmed_start=(DEC_5, 2))


# --- wording --------------------------------------------------------------------------------


def test_a_morning_doser_is_told_today(patient_a, clinician_a):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 14), ("3", None)),
        start=DEC_2,
        dosing_time="morning",
    )
    response = sign(clinician_a, patient_a, **{"steps-0-days": "3"})
    assert (
        "Step 2 now starts today (5 Dec): the patient moves from step 1, 1.5 mg, to step 2, "
        "3 mg." in text(response)
    )


def test_before_noon_the_step_starts_last_night(clinician_a, on_night_4_of_step_1):
    # At 09:00 on 5 Dec the open night is the 4th: step 1 of 2 nights puts it on step 2.
    response = sign(
        clinician_a,
        on_night_4_of_step_1,
        at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
        **{"steps-0-days": "2"},
    )
    assert (
        "Step 2 now starts last night (4 Dec), the change's first night: the patient moves "
        "from step 1, 1.5 mg, to step 2, 3 mg." in text(response)
    )


@pytest.mark.parametrize(
    ("language", "asked", "label"),
    [
        (
            "de",
            "Stufe 2 beginnt jetzt heute Abend (5. Dez): Die Person wechselt von Stufe 1, "
            "1,5 mg, zu Stufe 2, 3 mg.",
            "Ich bestätige, dass Stufe 2 am 5. Dez 2026 beginnt",
        ),
        (
            "es",
            "El paso 2 empieza ahora esta noche (5 dic): el paciente pasa del paso 1, 1,5 mg, "
            "al paso 2, 3 mg.",
            "Confirmo que el paso 2 empieza el 5 dic 2026",
        ),
    ],
)
def test_asked_in_the_clinicians_language(
    clinician_a, on_night_4_of_step_1, language, asked, label
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    response = sign(clinician_a, on_night_4_of_step_1, **{"steps-0-days": "3"})
    assert asked in text(response)
    assert box(response) == ("2026-12-05:2", False, label)


@pytest.mark.parametrize(
    ("language", "asked"),
    [
        (
            "de",
            "Stufe 2 beginnt jetzt am 15. Nov 2026: Am 9. Dez, wenn die Pause endet, wechselt "
            "die Person von Stufe 1, 1,5 mg, zu Stufe 2, 3 mg.",
        ),
        (
            "es",
            "El paso 2 empieza ahora el 15 nov 2026: el 9 dic, cuando termina la pausa, el "
            "paciente pasa del paso 1, 1,5 mg, al paso 2, 3 mg.",
        ),
    ],
)
def test_after_a_hold_asked_in_the_clinicians_language(
    clinician_a, on_night_4_of_step_1, language, asked
):
    sign_hold(
        on_night_4_of_step_1,
        clinician_a,
        DEC_5,
        date(2026, 12, 8),
        signed=datetime(2026, 12, 4, 12, tzinfo=UTC),
    )
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    response = sign(clinician_a, on_night_4_of_step_1, start_date="2026-11-01")
    assert asked in text(response)


def test_nights_before_tonight_keep_their_prescribed_dose(clinician_a, on_night_4_of_step_1):
    """DESIGN §4: step 1 shortened to 3 nights from tonight; 2-4 Dec stay 1.5 mg."""
    patient = on_night_4_of_step_1
    before = plans.load(patient)
    nights = [date(2026, 11, 25) + timedelta(days=n) for n in range(10)]
    judged = {night: (before.status_on(night), before.dose_on(night)) for night in nights}
    response = sign(clinician_a, patient, **{"steps-0-days": "3", "confirm_start": "2026-12-05:2"})
    assert response.status_code == 302
    after = plans.load(patient)
    assert {night: (after.status_on(night), after.dose_on(night)) for night in nights} == judged
    assert judged[date(2026, 12, 4)][1] == Decimal("1.5")
