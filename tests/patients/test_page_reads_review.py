"""The patient page's whole-record figures (records.summary) are those of the nights of record,
as the page found them when it read every night: a second look at issue 19's windows."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from patients import records
from patients.clinic import dashboard
from patients.models import NightlyEntry, SideEffect
from patients.rules import flags as flag_rules
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.page_reads_support import whole_record_flags

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
TONIGHT = date(2026, 3, 30)


@time_machine.travel(NOW, tick=False)
def test_a_side_effect_on_a_row_that_is_no_night_of_record_is_no_first_report(clinician_a):
    """A row with nothing logged (models.LOGGED: an undone dose's) is no night of record, and
    neither is a side effect kept on it: a severe headache last night is reported for the
    first time, as every night read gives it (the summary took the row's headache of 100
    nights ago for the first report and called last night's not new)."""
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, TONIGHT - timedelta(days=200))
    give_nights([patient], TONIGHT, 30)
    unlogged = NightlyEntry.objects.create(patient=patient, night=TONIGHT - timedelta(days=100))
    SideEffect.objects.create(entry=unlogged, kind="headache", severity=1)
    last_night = NightlyEntry.objects.get(patient=patient, night=TONIGHT - timedelta(days=1))
    SideEffect.objects.create(entry=last_night, kind="headache", severity=3)

    page = dashboard.patient_page(patient, [clinician_a], NOW)
    every = records.read_patient(patient.pk).records

    assert page.summary.first_reported == {"headache": last_night.night}
    assert page.flags == whole_record_flags(page, every)
    [flag] = [f for f in page.flags if f.kind == flag_rules.SIDE_EFFECT]
    assert "new" in str(flag.explanation)
    # The clinician list's row reads the first reports through the same function.
    [row] = dashboard.patient_rows(clinician_a, NOW)
    assert [f for f in row.flags if f.kind == flag_rules.SIDE_EFFECT] == [flag]
