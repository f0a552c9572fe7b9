""" "Apply" on a dose suggestion while the plan is on hold tonight pre-fills the steps from the
step the suggestion speaks to (last night's), not the whole titration from step 1."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from prescriptions import changes
from prescriptions.models import PlanVersion
from tests.factories import PatientFactory
from tests.prescriptions.factories import make_prescription

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_after_vivid_dreams(clinician):
    """1.5 mg from 1 Jan, 3 mg from 8 Jan (vivid dreams on 8-10 Jan), then 4.5 mg; put on
    hold from tonight, 11 Jan."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    prescription = make_prescription(
        patient, clinician, date(2026, 1, 1), steps=(("1.5", 7), ("3.0", 7), ("4.5", None))
    )
    for day in (8, 9, 10):
        NightlyEntry.objects.create(
            patient=patient,
            night=date(2026, 1, day),
            status=NightlyEntry.Status.TAKEN,
            dose_mg=Decimal("3.0"),
            taken_at=datetime(2026, 1, day, 22, tzinfo=UTC),
            dreams="vivid",
            dream_intensity=8,
            morning_logged_at=datetime(2026, 1, day + 1, 8, tzinfo=UTC),
        )
    latest = PlanVersion.objects.get(prescription=prescription, number=1).as_plain()
    changes.save_version(
        prescription_id=prescription.pk,
        author=clinician,
        based_on=1,
        change=changes.hold_change(
            latest, hold_from=date(2026, 1, 11), hold_until=None, reason="Planned surgery"
        ),
        now=datetime(2026, 1, 11, 13, tzinfo=UTC),
    )
    return patient


def test_apply_under_a_hold_pre_fills_the_previous_dose_then_the_step_it_stepped_up_to(
    client, clinician, held_after_vivid_dreams
):
    patient = held_after_vivid_dreams
    client.force_login(clinician)
    url = reverse("clinic:plan_change", args=[patient.pk])
    with time_machine.travel(datetime(2026, 1, 11, 14, tzinfo=UTC), tick=False):
        response = client.get(f"{url}?suggestion=vivid_dreams&key=step-up-2026-01-08")
    assert response.status_code == 200
    assert response.context["suggestion"] is not None
    rows = [
        (form.initial.get("dose_mg"), form.initial.get("days"))
        for form in response.context["formset"]
        if form.initial.get("dose_mg")
    ]
    # 1.5 mg for two weeks, then the 3 mg step again and on to 4.5 mg: not 1.5 mg, 1.5 mg,
    # 3 mg, 4.5 mg (the titration restarted from step 1).
    assert [(Decimal(dose), str(days)) for dose, days in rows] == [
        (Decimal("1.5"), "14"),
        (Decimal("3.0"), "7"),
        (Decimal("4.5"), ""),
    ]
