"""No dose suggestion is raised while the plan is on hold tonight; while an urgent report is
open, only those that answer a side effect.

A clinician who has held the plan (surgery, opioid pain relief) decided no dose is taken;
"Consider returning to the previous dose" or "Consider morning dosing", each with an Apply
button, read as advice to dose during the hold (the next step and the maintenance review
already waited for an active night). While an urgent report is open the patient is asked to
wait for the care team's answer: "Ready for the next step" beside it is worse than noise,
but a step back down or a move to morning dosing is what the clinician answering a report
of a bad reaction weighs (suggestions.WHILE_PAUSED). The one rule (suggestions.suggestions_for,
read through panel.current_suggestions) judges them again from the night the plan is active
and the report answered; these tests hold each kind of suggestion's evidence and check each
surface that shows or applies one."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from patients.urgent import reports as urgent
from prescriptions import changes
from prescriptions import suggestions as rules
from prescriptions.models import PlanVersion
from tests.factories import PatientFactory
from tests.patients.urgent_support import urgent_report
from tests.prescriptions.factories import make_prescription, plan_steps
from tests.prescriptions.suggestions_support import (
    EVIDENCE,
    JAN_1,
    JAN_11,
    KINDS,
    VIVID_TITLE,
    applied,
    ended,
    held,
    jan,
    panels,
    raised,
    version,
)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_raised_on_its_evidence_while_the_plan_is_active(kind):
    assert raised(kind) == [kind]


@pytest.mark.parametrize("kind", KINDS)
def test_no_suggestion_is_raised_for_a_plan_on_hold_tonight(kind):
    versions, _nights, tonight, _first = EVIDENCE[kind]
    assert raised(kind, plan=held(versions, tonight)) == []


@pytest.mark.parametrize("days_before", [0, 1])
@pytest.mark.parametrize("kind", KINDS)
def test_no_suggestion_is_raised_for_a_plan_that_has_ended(kind, days_before):
    """Ended tonight or last night: no dose tonight or on any later night ("Consider morning
    dosing" still came for an ended evening plan)."""
    versions, _nights, tonight, _first = EVIDENCE[kind]
    assert raised(kind, plan=ended(versions, tonight - timedelta(days=days_before))) == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_suggestion_is_raised_before_a_new_prescription_begins(kind):
    """Ended tonight, a new prescription signed to begin in three nights: tonight asks no
    dose, and the evidence is the old prescription's."""
    versions, _nights, tonight, _first = EVIDENCE[kind]
    new = replace(version(tonight + timedelta(days=3), (("1.5", None),)), prescription_index=1)
    assert raised(kind, plan=(*ended(versions, tonight), new)) == []


@pytest.mark.parametrize("kind", [rules.NEXT_STEP, rules.REVIEW_BENEFIT])
def test_no_step_up_or_review_is_raised_while_an_urgent_report_is_open(kind):
    assert raised(kind, paused=True) == []


@pytest.mark.parametrize("kind", [rules.VIVID_DREAMS, rules.MORNING_DOSING])
def test_a_suggestion_answering_a_side_effect_stays_while_an_urgent_report_is_open(kind):
    assert raised(kind, paused=True) == [kind]


@pytest.mark.parametrize("kind", KINDS)
def test_a_hold_still_to_come_leaves_tonights_suggestions(kind):
    versions, _nights, tonight, _first = EVIDENCE[kind]
    later = held(versions, tonight + timedelta(days=2), tonight + timedelta(days=4))
    assert raised(kind, plan=later) == [kind]


def test_the_night_after_a_short_hold_the_evidence_is_judged_again():
    """Held on the 11th and 12th: on the 13th the dreams of the 8th to the 10th are still
    among the last seven nights and within two weeks of the step up."""
    versions = EVIDENCE[rules.VIVID_DREAMS][0]
    short = held(versions, jan(11), jan(12))
    assert raised(rules.VIVID_DREAMS, plan=short, tonight=jan(12)) == []
    assert raised(rules.VIVID_DREAMS, plan=short, tonight=jan(13)) == [rules.VIVID_DREAMS]


# --- the pages: the patient page's and the plan page's panel, and Apply ---------------------


def hold_from_tonight(patient, clinician):
    latest = PlanVersion.objects.get(prescription__patient=patient, number=1).as_plain()
    changes.save_version(
        prescription_id=patient.prescriptions.get().pk,
        author=clinician,
        based_on=1,
        change=changes.hold_change(
            latest, hold_from=jan(11), hold_until=None, reason="Planned surgery"
        ),
        now=JAN_11 - timedelta(hours=1),
    )


@pytest.mark.django_db
def test_the_pages_raise_no_suggestion_for_a_plan_on_hold_tonight(
    client, clinician, vivid_after_step_up
):
    patient = vivid_after_step_up
    assert all(VIVID_TITLE in page for page in panels(client, clinician, patient))
    hold_from_tonight(patient, clinician)
    for page in panels(client, clinician, patient):
        assert "On hold" in page
        assert VIVID_TITLE not in page
        assert "Suggestion — your decision" not in page


@pytest.mark.django_db
def test_apply_opened_before_the_hold_opens_the_plan_as_it_is(
    client, clinician, vivid_after_step_up
):
    patient = vivid_after_step_up
    assert applied(client, clinician, patient) is not None
    hold_from_tonight(patient, clinician)
    assert applied(client, clinician, patient) is None


@pytest.mark.django_db
def test_the_pages_keep_a_step_back_down_while_an_urgent_report_is_open(
    client, clinician, vivid_after_step_up
):
    """The clinician answering the report sees the suggestion to return to the previous
    dose, and Apply pre-fills it."""
    patient = vivid_after_step_up
    urgent_report(patient, JAN_11 - timedelta(minutes=30))
    for page in panels(client, clinician, patient):
        assert "pause-note" in page
        assert VIVID_TITLE in page
    assert applied(client, clinician, patient) is not None


# 14:00 in London on 14 Jan: tonight is the 14th, the last night of the 1.5 mg step.
JAN_14 = datetime(2026, 1, 14, 14, tzinfo=UTC)
NEXT_STEP_TITLE = "Ready for the next step"


@pytest.fixture
def step_done(clinician):
    """1.5 mg for 14 nights from 1 Jan, every night so far taken, then 3 mg; London."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_prescription(patient, clinician, JAN_1, steps=(("1.5", 14), ("3.0", None)))
    for day in range(1, 14):
        NightlyEntry.objects.create(
            patient=patient,
            night=jan(day),
            status=NightlyEntry.Status.TAKEN,
            dose_mg=Decimal("1.5"),
            taken_at=datetime(2026, 1, day, 22, tzinfo=UTC),
        )
    return patient


def step_panels(client, clinician, patient):
    with time_machine.travel(JAN_14, tick=False):
        client.force_login(clinician)
        return [
            client.get(reverse(name, args=[patient.pk])).content.decode()
            for name in ("clinic:patient", "clinic:plan")
        ]


@pytest.mark.django_db
def test_the_pages_hold_back_the_next_step_while_an_urgent_report_is_open(
    client, clinician, step_done
):
    patient = step_done
    assert all(NEXT_STEP_TITLE in page for page in step_panels(client, clinician, patient))
    report = urgent_report(patient, JAN_14 - timedelta(minutes=30))
    for page in step_panels(client, clinician, patient):
        assert "pause-note" in page
        assert NEXT_STEP_TITLE not in page
        assert "Suggestion — your decision" not in page
    urgent.acknowledge(report, clinician, "Seen; carry on.", JAN_14 - timedelta(minutes=5))
    assert all(NEXT_STEP_TITLE in page for page in step_panels(client, clinician, patient))


def end_tonight(patient, clinician):
    latest = PlanVersion.objects.filter(prescription__patient=patient).last().as_plain()
    changes.save_version(
        prescription_id=patient.prescriptions.get().pk,
        author=clinician,
        based_on=latest.number,
        change=changes.end_change(latest, tonight_night=jan(11), reason="Stopping LDN"),
        now=JAN_11 - timedelta(hours=1),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("new_prescription", [False, True])
def test_the_pages_raise_no_return_to_the_previous_dose_for_an_ended_plan(
    client, clinician, vivid_after_step_up, new_prescription
):
    """Ended tonight (and a new prescription signed to begin on 14 Jan): the panel raised
    "Consider returning to the previous dose" about the ended prescription's step-up beside
    the new one."""
    patient = vivid_after_step_up
    end_tonight(patient, clinician)
    if new_prescription:
        make_prescription(
            patient, clinician, jan(14), steps=(("1.5", None),), now=JAN_11 - timedelta(minutes=30)
        )
    for page in panels(client, clinician, patient):
        assert VIVID_TITLE not in page
        assert "Suggestion — your decision" not in page
    if new_prescription:  # without one, the change page leads to a new prescription
        assert applied(client, clinician, patient) is None


@pytest.mark.django_db
def test_the_pages_raise_no_return_once_tonights_dose_was_lowered_below_the_step_up(
    client, clinician, vivid_after_step_up
):
    """Stepped up from 1.5 to 3 mg on 8 Jan; the clinician signed 2.25 mg from tonight. The
    suggestion to return to 1.5 mg spoke of a step-up that is no longer tonight's dose."""
    patient = vivid_after_step_up
    patient.prescriptions.update(strengths=["1.5", "2.25", "3.0", "4.5"])
    latest = PlanVersion.objects.get(prescription__patient=patient, number=1).as_plain()
    changes.save_version(
        prescription_id=patient.prescriptions.get().pk,
        author=clinician,
        based_on=1,
        change=changes.steps_change(
            latest,
            effective_night=jan(11),
            start_date=jan(11),
            steps=plan_steps((("2.25", None),)),
            reason="Dreams after the step up",
        ),
        now=JAN_11 - timedelta(hours=1),
    )
    for page in panels(client, clinician, patient):
        assert "2.25 mg" in page
        assert VIVID_TITLE not in page
    assert applied(client, clinician, patient) is None
