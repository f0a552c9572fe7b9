"""A change of tonight's dose that keeps the step's dates: the steps list and the panel's
"night N" count the new dose from the night it was first asked, not from the first night
of the step as the new version schedules it (the nights before kept their own dose)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from prescriptions import titration
from prescriptions.changes import save_version, steps_change
from prescriptions.models import PlanVersion
from tests.factories import PatientFactory
from tests.prescriptions.factories import make_prescription, plan_steps

AUG_6 = date(2026, 8, 6)
SEP_3 = date(2026, 9, 3)  # step 3 (4.5 mg) begins
DEC_4 = date(2026, 12, 4)
MOMENT = datetime(2026, 12, 4, 20, tzinfo=UTC)


def plain(number, effective, steps):
    return titration.PlainVersion(
        number=number, effective_night=effective, start_date=AUG_6, steps=plan_steps(steps)
    )


FIRST = plain(1, AUG_6, (("1.5", 14), ("3.0", 14), ("4.5", None)))


def test_a_dose_changed_from_tonight_is_listed_from_tonight():
    lowered = plain(2, DEC_4, (("1.5", 14), ("3.0", 14), ("3.0", None)))
    now = titration.plan_ahead((FIRST, lowered), DEC_4)[0]
    assert (now.dose_mg, now.first, now.step_number) == (Decimal("3.0"), DEC_4, 3)
    assert now.night_number(DEC_4) == 1


def test_a_change_that_keeps_tonights_dose_keeps_the_steps_first_night():
    # Only the maintenance step's length changes: 4.5 mg is still asked since 3 Sep.
    longer = plain(2, DEC_4, (("1.5", 14), ("3.0", 14), ("4.5", 120), ("4.5", None)))
    now = titration.plan_ahead((FIRST, longer), DEC_4)[0]
    assert (now.dose_mg, now.first) == (Decimal("4.5"), SEP_3)
    assert now.night_number(DEC_4) == 93


def lowered_from_tonight(clinician):
    """A London patient on 4.5 mg since 3 Sep, lowered to 3 mg from tonight, 4 Dec."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    prescription = make_prescription(patient, clinician, AUG_6)
    latest = PlanVersion.objects.get(prescription=prescription, number=1).as_plain()
    moment = MOMENT
    save_version(
        prescription_id=prescription.pk,
        author=clinician,
        based_on=1,
        change=steps_change(
            latest,
            effective_night=DEC_4,
            start_date=AUG_6,
            steps=plan_steps((("1.5", 14), ("3.0", 14), ("3.0", None))),
            reason="Nausea at 4.5 mg",
        ),
        now=moment,
    )
    return patient


@pytest.mark.django_db
def test_the_plan_panel_counts_a_lowered_dose_from_its_first_night(client, clinician):
    patient = lowered_from_tonight(clinician)
    client.force_login(clinician)
    with time_machine.travel(MOMENT, tick=False):
        page = client.get(reverse("clinic:plan", args=[patient.pk])).content.decode()
    assert "Step 3 of 3, night 1" in page
    assert "4 Dec 2026 – onwards" in page
    assert "3 Sep 2026 – onwards" not in page


@pytest.mark.django_db
def test_my_plan_counts_a_lowered_dose_from_its_first_night(client, clinician):
    patient = lowered_from_tonight(clinician)
    client.force_login(patient.user)
    with time_machine.travel(MOMENT, tick=False):
        page = client.get(reverse("journal:plan")).content.decode()
    assert "Step 3 of 3, night 1." in page
