"""Saving plan versions: numbering, stale forms, holds carried over, history kept, races."""

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from patients.models import NightlyEntry
from patients.notifications.due import due_reminders
from patients.rules.schedule import EVENING_DOSE
from prescriptions import plans, titration
from prescriptions.changes import (
    NeedsConfirmation,
    PlanChangeError,
    StalePlan,
    dosing_time_change,
    end_change,
    hold_change,
    resume_change,
    save_version,
    steps_change,
)
from prescriptions.models import PlanVersion, Prescription
from tests.factories import ClinicianFactory, PatientFactory
from tests.prescriptions.factories import make_prescription, plan_steps

START = date(2026, 3, 1)
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # tonight is 10 March (London)
TONIGHT = date(2026, 3, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture
def prescription(patient_a, clinician_a):
    return make_prescription(patient_a, clinician_a, START)


def latest(prescription):
    return versions_for(prescription.patient)[-1]


def save(prescription, author, change, based_on=None, now=NOW):
    return save_version(
        prescription_id=prescription.pk,
        author=author,
        based_on=latest(prescription).number if based_on is None else based_on,
        change=change,
        now=now,
    )


def lower_plan(prescription, effective=TONIGHT):
    return steps_change(
        latest(prescription),
        effective_night=effective,
        start_date=effective,
        steps=plan_steps([("1.5", None)]),
        reason="Vivid dreams",
        patient_note="Back to 1.5 mg for now.",
    )


def test_each_change_adds_the_next_numbered_version_with_author_reason_and_note(
    prescription, clinician_a
):
    version = save(prescription, clinician_a, lower_plan(prescription))
    assert (version.number, version.kind, version.author) == (2, "changed", clinician_a)
    assert (version.reason, version.patient_note) == ("Vivid dreams", "Back to 1.5 mg for now.")
    assert version.effective_night == TONIGHT
    assert list(version.steps.values_list("dose_mg", "days")) == [(Decimal("1.50"), None)]


def test_nights_before_a_change_keep_the_dose_they_had(prescription, clinician_a):
    night = date(2026, 3, 9)  # step 1, 1.5 mg
    later = date(2026, 3, 20)  # step 2, 3.0 mg under version 1
    before = [
        titration.prescribed_dose(versions_for(prescription.patient), n) for n in (night, later)
    ]
    save(prescription, clinician_a, lower_plan(prescription, effective=date(2026, 3, 15)))
    after = versions_for(prescription.patient)
    assert titration.prescribed_dose(after, night) == before[0] == Decimal("1.5")
    assert titration.prescribed_dose(after, later) == Decimal("1.5")
    assert titration.prescribed_dose(after, date(2026, 3, 14)) == Decimal("1.5")


def test_a_change_cannot_take_effect_before_tonight(prescription, clinician_a):
    change = lower_plan(prescription, effective=TONIGHT - timedelta(days=1))
    with pytest.raises(PlanChangeError, match="from tonight"):
        save(prescription, clinician_a, change)
    assert PlanVersion.objects.count() == 1


def test_a_form_built_from_an_older_version_is_refused_and_nothing_is_saved(
    prescription, clinician_a
):
    save(prescription, clinician_a, lower_plan(prescription))
    with pytest.raises(StalePlan, match=r"(?i)the plan changed while you were editing"):
        save(prescription, clinician_a, lower_plan(prescription), based_on=1)
    assert PlanVersion.objects.count() == 2


def test_invalid_steps_are_refused_by_the_domain_function_too(prescription, clinician_a):
    change = steps_change(
        latest(prescription),
        effective_night=TONIGHT,
        start_date=TONIGHT,
        steps=plan_steps([("2.0", None)]),
        reason="x",
    )
    with pytest.raises(PlanChangeError, match="not an available capsule strength"):
        save(prescription, clinician_a, change)


def versions_for(patient):
    return list(plans.load(patient).versions)


def test_a_hold_masks_nights_and_keeps_the_calendar(prescription, clinician_a):
    change = hold_change(
        latest(prescription),
        hold_from=date(2026, 3, 12),
        hold_until=date(2026, 3, 16),
        reason="Planned surgery",
    )
    save(prescription, clinician_a, change)
    versions = versions_for(prescription.patient)
    assert titration.current_step(versions, date(2026, 3, 11)).dose_mg == Decimal("1.5")
    assert titration.current_step(versions, date(2026, 3, 12)).status == "on_hold"
    assert titration.current_step(versions, date(2026, 3, 17)).dose_mg == Decimal("3.0")


def end(prescription, note=""):
    return end_change(
        latest(prescription),
        tonight_night=TONIGHT,
        reason="No benefit after 6 months",
        patient_note=note,
    )


def test_ending_a_prescription_is_a_signed_version_and_stops_every_dose_from_tonight(
    prescription, clinician_a
):
    version = save(prescription, clinician_a, end(prescription, note="Stop LDN from tonight."))
    assert (version.number, version.kind, version.author) == (2, "ended", clinician_a)
    assert (version.reason, version.patient_note) == (
        "No benefit after 6 months",
        "Stop LDN from tonight.",
    )
    versions = versions_for(prescription.patient)
    assert titration.current_step(versions, TONIGHT).status == titration.ENDED
    assert titration.current_step(versions, TONIGHT).ended_on == TONIGHT
    # Every earlier night keeps its dose; no night from tonight on has one.
    assert titration.prescribed_dose(versions, TONIGHT - timedelta(days=1)) == Decimal("1.5")
    for night in (TONIGHT, TONIGHT + timedelta(days=30)):
        assert titration.prescribed_dose(versions, night) is None
    view = plans.load(prescription.patient)
    assert view.open_prescription is None
    assert view.ending == version


def test_an_ended_prescription_takes_no_further_change(prescription, clinician_a):
    save(prescription, clinician_a, end(prescription))
    with pytest.raises(PlanChangeError, match="has ended; start a new prescription"):
        save(prescription, clinician_a, lower_plan(prescription))
    assert PlanVersion.objects.count() == 2


def test_a_prescription_can_be_ended_even_when_its_steps_no_longer_fit_the_strengths(
    prescription, clinician_a
):
    Prescription.objects.filter(pk=prescription.pk).update(strengths=["4.5"])
    prescription.refresh_from_db()
    with pytest.raises(PlanChangeError, match="not an available capsule strength"):
        save(prescription, clinician_a, lower_plan(prescription))
    assert save(prescription, clinician_a, end(prescription)).kind == "ended"


def test_two_clinicians_ending_from_the_same_version_end_it_once(prescription, clinician_a):
    stale = end(prescription)
    save(prescription, clinician_a, stale, based_on=1)
    with pytest.raises(StalePlan):
        save(prescription, clinician_a, stale, based_on=1)
    assert PlanVersion.objects.filter(kind="ended").count() == 1


def test_a_plan_ended_before_it_began_never_prescribes_a_dose(patient_a, clinician_a):
    later = make_prescription(patient_a, clinician_a, TONIGHT + timedelta(days=5), now=NOW)
    save(later, clinician_a, end(later))
    versions = versions_for(patient_a)
    for offset in range(0, 40):
        night = TONIGHT + timedelta(days=offset)
        assert titration.current_step(versions, night).status == titration.ENDED


def test_after_an_ending_a_new_prescription_can_start(prescription, patient_a, clinician_a):
    save(prescription, clinician_a, end(prescription))
    again = make_prescription(patient_a, clinician_a, TONIGHT, now=NOW)
    view = plans.load(patient_a)
    assert view.open_prescription == again
    assert titration.current_step(view.versions, TONIGHT).status == titration.ACTIVE
    # The ended prescription still says how the nights before the new one were judged.
    assert titration.prescribed_dose(view.versions, TONIGHT - timedelta(days=1)) == Decimal("1.5")


def test_a_hold_cannot_end_before_it_starts(prescription):
    with pytest.raises(PlanChangeError, match="cannot end before it starts"):
        hold_change(
            latest(prescription),
            hold_from=date(2026, 3, 12),
            hold_until=date(2026, 3, 11),
            reason="x",
        )


def test_a_step_change_during_a_hold_keeps_the_hold(prescription, clinician_a):
    save(
        prescription,
        clinician_a,
        hold_change(latest(prescription), hold_from=TONIGHT, hold_until=None, reason="Opioids"),
    )
    save(prescription, clinician_a, lower_plan(prescription))
    assert titration.current_step(versions_for(prescription.patient), TONIGHT).status == "on_hold"


def test_resume_restarts_at_the_chosen_step_on_the_chosen_night(prescription, clinician_a):
    save(
        prescription,
        clinician_a,
        hold_change(latest(prescription), hold_from=TONIGHT, hold_until=None, reason="Surgery"),
    )
    resume_on = date(2026, 3, 20)
    change = resume_change(
        latest(prescription),
        tonight_night=TONIGHT,
        resume_on=resume_on,
        step_index=0,
        reason="Off opioids",
    )
    save(prescription, clinician_a, change)
    versions = versions_for(prescription.patient)
    assert titration.current_step(versions, date(2026, 3, 19)).status == "on_hold"
    position = titration.current_step(versions, resume_on)
    assert (position.dose_mg, position.day_in_step) == (Decimal("1.5"), 1)


def test_resume_when_not_on_hold_is_refused(prescription):
    with pytest.raises(PlanChangeError, match="not on hold"):
        resume_change(
            latest(prescription),
            tonight_night=TONIGHT,
            resume_on=TONIGHT,
            step_index=0,
            reason="x",
        )


def test_a_morning_switch_takes_effect_from_its_night(prescription, clinician_a):
    change = dosing_time_change(
        latest(prescription),
        dosing_time="morning",
        effective_night=date(2026, 3, 12),
        reason="Insomnia",
    )
    save(prescription, clinician_a, change)
    versions = versions_for(prescription.patient)
    assert titration.dosing_time_on(versions, date(2026, 3, 11)) == "evening"
    assert titration.dosing_time_on(versions, date(2026, 3, 12)) == "morning"
    assert titration.prescribed_dose(versions, date(2026, 3, 20)) == Decimal("3.0")


def test_switching_to_the_dosing_time_already_in_use_is_refused(prescription):
    with pytest.raises(PlanChangeError, match="already uses evening"):
        dosing_time_change(
            latest(prescription), dosing_time="evening", effective_night=TONIGHT, reason="x"
        )


@pytest.mark.django_db(transaction=True)
def test_two_clinicians_changing_the_same_plan_at_once_end_with_exactly_one_new_version():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (set DATABASE_URL); SQLite serialises writers")
    first, second = ClinicianFactory(), ClinicianFactory()
    patient = PatientFactory(clinicians=[first, second])
    prescription = make_prescription(patient, first, START)
    barrier = threading.Barrier(2)
    outcomes = []

    def change(author):
        try:
            barrier.wait()
            save(prescription, author, lower_plan(prescription), based_on=1)
            outcomes.append("saved")
        except StalePlan:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(author,)) for author in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale"]
    assert list(PlanVersion.objects.values_list("number", flat=True).order_by("number")) == [1, 2]


# --- plan-change safety: large increases need an explicit confirmation ---------------------


def overnight_jump(prescription, effective=TONIGHT):
    """From 1.5 mg (the plan's first step) to 3.25 mg tonight: +1.75 mg overnight."""
    return steps_change(
        latest(prescription),
        effective_night=effective,
        start_date=effective,
        steps=(titration.Step(Decimal("3.25"), None),),
        reason="Faster titration",
    )


def test_an_increase_of_1_75_mg_overnight_is_refused_until_confirmed(prescription, clinician_a):
    prescription.formulation = "other"
    prescription.save()
    with pytest.raises(NeedsConfirmation) as refused:
        save(prescription, clinician_a, overnight_jump(prescription))
    assert "increase of 1.75 mg, more than 1.5 mg in one step" in str(refused.value)
    assert PlanVersion.objects.filter(prescription=prescription).count() == 1


def test_a_confirmed_large_increase_is_saved_with_the_confirmation(prescription, clinician_a):
    prescription.formulation = "other"
    prescription.save()
    version = save_version(
        prescription_id=prescription.pk,
        author=clinician_a,
        based_on=1,
        change=overnight_jump(prescription),
        now=NOW,
        confirmed_increase=True,
    )
    version.refresh_from_db()
    assert "increase of 1.75 mg" in version.confirmed_safety_warning


def test_a_step_within_the_limit_needs_no_confirmation(prescription, clinician_a):
    version = save(prescription, clinician_a, lower_plan(prescription))
    assert version.confirmed_safety_warning == ""


def test_a_plan_above_the_clinics_maximum_needs_confirmation(prescription, clinician_a, settings):
    settings.LDN_CLINIC_MAX_DOSE_MG = Decimal("3")
    change = steps_change(
        latest(prescription),
        effective_night=TONIGHT,
        start_date=TONIGHT,
        steps=(
            titration.Step(Decimal("1.5"), 7),
            titration.Step(Decimal("3"), 7),
            titration.Step(Decimal("4.5"), None),
        ),
        reason="Standard",
    )
    with pytest.raises(NeedsConfirmation, match="above the clinic's maximum of 3 mg"):
        save(prescription, clinician_a, change)


def test_on_the_first_morning_of_morning_dosing_the_card_and_the_reminders_name_the_same_night(
    prescription, clinician_a, client
):
    """The switch day: at 09:30 the sweep's dose reminder was for night N (the first
    morning) while the card still showed night N-1 until noon, so the dose taken then was
    filed under last night and the reminder kept asking (found by exploratory testing)."""
    first_morning = date(2026, 3, 12)
    change = dosing_time_change(
        latest(prescription),
        dosing_time="morning",
        effective_night=first_morning,
        reason="Insomnia",
    )
    save(prescription, clinician_a, change)
    patient = prescription.patient
    at = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)  # 09:30 in London (GMT)
    with time_machine.travel(at, tick=False):
        client.force_login(patient.user)
        home = client.get(reverse("journal:home")).context
        assert home["tonight"] == first_morning
        assert home["position"].dosing_time == "morning"
        reminded = {
            due.night
            for _, reminders in (pair for batch in due_reminders(at) for pair in batch)
            for due in reminders.due
            if due.patient_id == patient.pk and due.kind == EVENING_DOSE
        }
        assert reminded == {first_morning}
        client.post(reverse("journal:taken_now"), {"submission_id": str(uuid.uuid4())})
    assert NightlyEntry.objects.get(patient=patient, status="taken").night == first_morning
