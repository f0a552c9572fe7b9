"""Once a clinician answers an urgent report with "continue as planned", tonight's dose
reminder comes at the next sweep: a sweep during the pause scheduled its next look past the
reminders it held back, so the acknowledgement brings the patient forward. (Dropping that
step passed every earlier test: found by break-checking.)"""

from datetime import UTC, date, datetime, timedelta

import pytest

from patients.models import ReminderDelivery
from patients.notifications import sweep
from patients.urgent import reports as urgent
from tests.factories import ClinicianFactory
from tests.patients.reminder_support import patient_on_plan
from tests.patients.urgent_support import urgent_report

Kind = ReminderDelivery.Kind
EVENING = datetime(2026, 1, 15, 21, 0, tzinfo=UTC)  # London winter: 21:00 local

pytestmark = pytest.mark.django_db


def evening_reminders(patient):
    return ReminderDelivery.objects.filter(
        patient=patient, night=date(2026, 1, 15), kind=Kind.EVENING
    )


def test_continue_as_planned_brings_back_tonights_reminder_at_the_next_sweep():
    clinician = ClinicianFactory()
    patient = patient_on_plan(clinicians=[clinician])
    report = urgent_report(patient, EVENING - timedelta(hours=1))
    sweep.sweep(EVENING, dispatch=lambda ids: None)  # paused: nothing claimed
    assert not evening_reminders(patient).exists()

    answered = EVENING + timedelta(minutes=10)
    urgent.acknowledge(report, clinician, "Carry on", answered, decision="continue")
    sweep.sweep(answered + timedelta(minutes=1), dispatch=lambda ids: None)

    assert evening_reminders(patient).exists()
