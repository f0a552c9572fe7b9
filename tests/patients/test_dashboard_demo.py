"""seed_demo gives the demo clinician every flag kind, one patient already reviewed."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from ldn_journal.accounts.models import User
from patients.clinic import dashboard
from patients.models import ClinicianNote, FlagReview
from patients.rules.flags import KINDS

pytestmark = pytest.mark.django_db


def test_the_demo_clinicians_list_shows_every_flag_kind_and_one_reviewed_patient(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing doubles
    clinician = User.objects.get(email="clinician@example.com")
    rows = dashboard.patient_rows(clinician, timezone.now())
    assert {flag.kind for row in rows for flag in row.flags} == set(KINDS)
    reviewed = [row for row in rows if row.flags and not row.open_flags]
    assert [row.patient.user.email for row in reviewed] == ["patient@example.com"]
    assert FlagReview.objects.count() == 1
    assert ClinicianNote.objects.filter(patient=reviewed[0].patient).count() == 2
    assert reviewed[0].patient.extra_scales.filter(name="Brain fog").exists()
