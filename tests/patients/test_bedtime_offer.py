"""The "Add bedtime" offer after a dose is logged belongs to evening dosing: a morning doser
takes LDN on waking, and the day's bedtime is not part of that dose. The card asks the plan's
dosing time for the night (titration's answer, plan.on), as its other words do."""

import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan, switch_dosing_time

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
TAKEN = reverse("journal:taken_now")
AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # London is on GMT
AT_22 = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


def _taken_now(client, at):
    with time_machine.travel(at, tick=False):
        return client.post(TAKEN, {"submission_id": str(uuid.uuid4())}, follow=True)


def test_a_morning_doser_is_not_offered_add_bedtime_after_taken_now(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    page = _taken_now(patient_client, AT_09).content.decode()
    assert "Logged: 1.5 mg at 09:00" in page
    assert "Add bedtime" not in page
    assert "#id_bedtime" not in page


def test_an_evening_doser_is_still_offered_add_bedtime_after_taken_now(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    page = _taken_now(patient_client, AT_22).content.decode()
    assert "Logged: 1.5 mg at 22:00" in page
    assert "Add bedtime" in page


def test_a_patient_switched_to_morning_dosing_is_not_offered_add_bedtime(
    patient_client, patient_a, clinician_a
):
    """The night's dosing time decides (the plan's version in effect), not the first one."""
    make_plan(patient_a, clinician_a, dosing_time="evening")
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 22))
    page = _taken_now(patient_client, AT_09).content.decode()
    assert "Logged: 1.5 mg at 09:00" in page
    assert "Add bedtime" not in page


def _edit_page(client, at):
    night = at.date().isoformat()
    with time_machine.travel(at, tick=False):
        return client.get(reverse("journal:evening", args=[night])).content.decode()


def test_a_morning_doser_s_edit_form_has_no_bedtime_field(patient_client, patient_a, clinician_a):
    """The Edit link of a saved day led to the dose form with an optional Bedtime field."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    _taken_now(patient_client, AT_09)
    page = _edit_page(patient_client, AT_09)
    assert 'name="taken_at"' in page
    assert 'name="bedtime"' not in page
    assert "Bedtime" not in page


def test_a_patient_switched_to_morning_dosing_has_no_bedtime_field_on_edit(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 22))
    _taken_now(patient_client, AT_09)
    assert 'name="bedtime"' not in _edit_page(patient_client, AT_09)


def test_an_evening_doser_s_edit_form_still_has_the_bedtime_field(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    _taken_now(patient_client, AT_22)
    assert 'name="bedtime"' in _edit_page(patient_client, AT_22)
