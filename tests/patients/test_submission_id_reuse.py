"""A submission id stands for one act: one patient's, one kind of form, one night. Sent again
for anything else it is refused, never answered with the entry it first made (that would
tell the sender "saved" while storing nothing, and could hand them another patient's entry).
"""

import uuid
from decimal import Decimal

import pytest
import time_machine

from patients.journal import entries as journal
from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, TONIGHT, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("b_logged_already", [False, True], ids=["new night", "logged night"])
def test_a_submission_id_another_patient_used_is_refused_and_names_none_of_their_entry(
    patient_a, patient_b, clinician_a, clinician_b, b_logged_already
):
    make_plan(patient_a, clinician_a)
    make_plan(patient_b, clinician_b)
    used_by_a = uuid.uuid4()
    journal.save_evening(patient_a, TONIGHT, NOW, used_by_a, dose_mg=Decimal("1.5"), taken_at=NOW)
    if b_logged_already:
        journal.skip_night(patient_b, TONIGHT, NOW, uuid.uuid4(), reason="forgot")
    before = list(NightlyEntry.objects.filter(patient=patient_b).values())

    with pytest.raises(journal.SubmissionReused):
        journal.save_evening(patient_b, TONIGHT, NOW, used_by_a, dose_mg=Decimal("3"), taken_at=NOW)

    assert list(NightlyEntry.objects.filter(patient=patient_b).values()) == before


def test_a_submission_id_used_for_a_dose_is_refused_when_sent_again_as_a_skip(
    patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    used_for_the_dose = uuid.uuid4()
    journal.save_evening(
        patient_a, TONIGHT, NOW, used_for_the_dose, dose_mg=Decimal("1.5"), taken_at=NOW
    )

    with pytest.raises(journal.SubmissionReused):
        journal.skip_night(patient_a, TONIGHT, NOW, used_for_the_dose, reason="forgot")

    assert NightlyEntry.objects.get(patient=patient_a, night=TONIGHT).status == "taken"
