"""The next change: the first night after tonight on which the plan asks something else. It
read only the next step of the version in effect, so a scheduled hold or a switch to morning
dosing was shown as "no change planned" to the patient and "none planned" to the clinician
(found by exploratory testing)."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from prescriptions.titration import next_change
from tests.patients.journal_support import make_plan
from tests.prescriptions.titration_support import JAN_1, step, version
from tests.security.reauth import signed_in, signed_in_reauthenticated

# CLASSIC_STEPS: 1.5 mg for 14 nights, 3 mg for 14, then 4.5 mg.
JAN_5 = date(2024, 1, 5)
JAN_15 = date(2024, 1, 15)


def _change(versions, night=JAN_5):
    found = next_change(versions, night)
    return found and (
        found.night,
        found.position.status,
        found.position.dose_mg,
        found.position.dosing_time,
        found.dosing_time_changes,
    )


def test_the_next_step():
    assert _change([version()]) == (JAN_15, "active", D("3.0"), "evening", False)


def test_a_hold_before_the_next_step_comes_first():
    held = version(2, effective=date(2024, 1, 8), start=JAN_1, hold_from=date(2024, 1, 8))
    assert _change([version(), held]) == (date(2024, 1, 8), "on_hold", None, "evening", False)


def test_the_end_of_a_hold_is_the_next_change_while_on_hold():
    held = version(2, effective=JAN_5, start=JAN_1, hold_from=JAN_5, hold_until=date(2024, 1, 9))
    found = next_change([version(), held], JAN_5)
    assert (found.night, found.position.status) == (date(2024, 1, 10), "active")


def test_a_switch_to_morning_dosing_at_the_same_dose():
    morning = version(2, effective=date(2024, 1, 7), start=JAN_1, dosing_time="morning")
    assert _change([version(), morning]) == (date(2024, 1, 7), "active", D("1.5"), "morning", True)


def test_a_new_version_that_changes_nothing_yet_then_its_own_step():
    # Version 2 from the 7th keeps 1.5 mg until the 10th, then 2 mg: the 11th is the change.
    same = version(
        2, effective=date(2024, 1, 7), start=JAN_1, steps=(step("1.5", 10), step("2", None))
    )
    assert _change([version(), same]) == (date(2024, 1, 11), "active", D("2"), "evening", False)


def test_an_ending():
    ended = version(2, effective=date(2024, 1, 9), start=JAN_1, ends=True)
    assert _change([version(), ended])[:2] == (date(2024, 1, 9), "ended")


def test_nothing_scheduled_on_the_last_step():
    assert next_change([version(steps=(step("4.5", None),))], JAN_5) is None


def test_before_the_plan_starts_its_first_night():
    later = version(effective=JAN_1, start=date(2024, 1, 20))
    assert _change([later])[:3] == (date(2024, 1, 20), "active", D("1.5"))


# --- Every surface says the same ------------------------------------------------------------

NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # 22:00 in London, night of the 25th


@pytest.mark.django_db
def test_a_scheduled_hold_is_the_next_change_on_every_surface(patient_a, clinician_a):
    prescription = make_plan(patient_a, clinician_a)  # 1.5 mg from 1 Nov for 60 nights
    first = prescription.versions.get()
    held = PlanVersion.objects.create(
        prescription=prescription,
        number=2,
        effective_night=date(2026, 11, 27),
        start_date=first.start_date,
        dosing_time="evening",
        hold_from=date(2026, 11, 27),
        author=clinician_a,
        reason="Surgery",
    )
    for s in first.steps.all():
        s.pk, s.version = None, held
        s.save()
    patient = signed_in(patient_a.user)
    clinician = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(NOW, tick=False):
        mine = patient.get(reverse("journal:plan")).content.decode()
        page = clinician.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
        plan = clinician.get(reverse("clinic:plan", args=[patient_a.pk])).content.decode()
    assert "From Friday 27 November: on hold until resumed." in mine
    assert "No change planned" not in mine
    assert (
        '<span class="stat-value">27 Nov</span><span class="stat-note">on hold until resumed</span>'
        in page
    )
    assert "None planned" not in page
    # The panel's stat in one phrase (test_panel_next_hold_words.py).
    assert "from 27 Nov 2026 until resumed</span>" in plan
