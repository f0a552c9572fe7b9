"""UNCOMMITTED, for the main session to judge (h4): a hold until resumed (as acknowledging an
urgent report signs it) from 3 Dec; a surgery hold for 20-22 Dec signed afterwards ends the
urgent hold on 22 Dec: the plan restarts by itself on 23 Dec at the step the calendar says,
with no restart signed and nothing said (changes._meant_to_lift: a hold signed over a hold
'changes its dates', the same rule by which a clinician gives an open-ended hold an end)."""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans, titration
from prescriptions.models import Formulation
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.journal_support import make_plan, sign_hold

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def test_a_dated_hold_signed_inside_a_hold_until_resumed_does_not_restart_the_plan():
    clinician = ClinicianFactory()
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, steps=(("2", None),), start=date(2026, 11, 22),
              formulation=Formulation.OTHER)
    sign_hold(patient, clinician, date(2026, 12, 3), None, signed=NOW, reason="Urgent")
    sign_hold(patient, clinician, date(2026, 12, 20), date(2026, 12, 22), signed=NOW)
    plan = plans.load(patient)
    # Fails: 23 Dec is 'active', 2 mg, though no restart was signed.
    assert plan.status_on(date(2026, 12, 23)) == titration.ON_HOLD
