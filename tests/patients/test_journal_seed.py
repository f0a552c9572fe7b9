"""The demo nights: months per patient, following each plan, with an example for every flag."""

from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ldn_journal import demo
from patients.journal.demo import seed_journal
from patients.models import NightlyEntry, Patient, SideEffect, SymptomScore
from prescriptions import plans, titration
from prescriptions.demo import seed_plans

pytestmark = pytest.mark.django_db


def seed_through_the_journal():
    """The demo up to and including the journal's nights (later steps add their own
    scenarios on top, e.g. the dashboard's hold with a dose logged on it)."""
    users, patients = demo.seed_people()
    seed_plans(users, patients)
    seed_journal(users, patients)


@pytest.fixture
def seeded():
    seed_through_the_journal()


def _plan(email):
    patient = Patient.objects.get(user__email=email)
    return patient, plans.load(patient)


def test_seed_demo_runs_the_journal_step_and_can_run_twice(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    count = NightlyEntry.objects.count()
    assert count > 500
    call_command("seed_demo", verbosity=0)
    assert NightlyEntry.objects.count() == count


def test_every_demo_patient_has_months_of_nights_and_tonight_left_open(seeded):
    now = timezone.now()
    for patient in Patient.objects.all():
        plan = plans.load(patient)
        nights = set(patient.entries.values_list("night", flat=True))
        assert len(nights) >= 25, patient.user.email
        assert plan.tonight(patient.tz, now) not in nights
    assert Patient.objects.get(user__email="patient@example.com").entries.count() >= 110


def test_seeding_twice_adds_nothing(seeded):
    counts = (NightlyEntry.objects.count(), SideEffect.objects.count())
    scores = SymptomScore.objects.count()
    seed_through_the_journal()
    assert (NightlyEntry.objects.count(), SideEffect.objects.count()) == counts
    assert SymptomScore.objects.count() == scores


def test_seeded_doses_follow_the_plan_and_no_entry_falls_on_a_hold(seeded):
    for patient in Patient.objects.all():
        plan = plans.load(patient)
        for entry in patient.entries.all():
            position = plan.on(entry.night)
            assert position.status == titration.ACTIVE, (patient.user.email, entry.night)
            assert entry.prescribed_mg == position.dose_mg


def test_the_demo_patient_has_a_deviation_a_late_dose_and_one_outside_the_window(seeded):
    patient, _plan_view = _plan("patient@example.com")
    entries = list(patient.entries.filter(status="taken"))
    assert any(entry.deviates for entry in entries)
    local_times = {timezone.localtime(e.taken_at, patient.tz).time() for e in entries}
    assert time(2, 30) in local_times
    assert time(5, 10) in local_times
    assert SideEffect.objects.filter(entry__patient=patient, severity=3).exists()
    assert SymptomScore.objects.filter(entry__patient=patient).exists()


def test_every_entry_is_filed_under_the_night_its_dose_time_belongs_to(seeded):
    for entry in NightlyEntry.objects.filter(status="taken").select_related("patient")[:500]:
        plan = plans.load(entry.patient)
        start, end = plan.window(entry.night, entry.patient.tz)
        assert start <= entry.taken_at < end


def test_vivid_dreams_follow_a_step_up(seeded):
    patient, plan = _plan("patient@example.com")
    step_ups = [
        night
        for night in patient.entries.values_list("night", flat=True)
        if (plan.on(night).dose_mg or 0) > (plan.on(night - timedelta(days=1)).dose_mg or 0)
    ]
    assert step_ups
    vivid = patient.entries.filter(
        dreams="vivid", night__gte=step_ups[0], night__lt=step_ups[0] + timedelta(days=5)
    )
    assert vivid.count() >= 3


def test_skipped_nights_and_a_run_of_missed_nights_exist(seeded):
    assert NightlyEntry.objects.filter(status="skipped").count() >= 10
    patient, plan = _plan("patient9@example.com")
    tonight = plan.tonight(patient.tz, timezone.now())
    logged = set(patient.entries.values_list("night", flat=True))
    assert all(tonight - timedelta(days=ago) not in logged for ago in (2, 3, 4))
