"""Fixtures shared by the plan-change tests."""

from datetime import date

import pytest

from prescriptions.models import Formulation
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.journal_support import make_plan


@pytest.fixture
def clinician():
    return ClinicianFactory()


@pytest.fixture
def patient_on_2mg(clinician):
    """A patient in London on 2 mg each night since 22 Nov 2026, with ``clinician``."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(
        patient,
        clinician,
        steps=(("2", None),),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    return patient
