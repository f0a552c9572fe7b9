"""A suggestion is offered only about the prescription it would change (found by QA): the
prescription ended from tomorrow (tonight's dose logged under it) and a new one signed to
start tomorrow at 1.5 mg; the plan page and the patient page still said "Consider returning
to the previous dose (2.75 mg)" with the ended prescription's evidence, and Apply opened the
NEW prescription's Change steps with that dose as a new step, raising its first dose. None
now when tonight's version is not of the open prescription (the newest, not ended), nor
while an ending is signed (the plan ends; changing its dose is moot): the one rule,
suggestions.suggestions_for, read by every surface through panel.current_suggestions, and
Apply re-reads it."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from patients.models import NightlyEntry
from prescriptions import changes
from prescriptions.models import PlanVersion
from tests.prescriptions.factories import make_prescription
from tests.prescriptions.suggestions_support import (
    EVIDENCE,
    KINDS,
    VIVID_TITLE,
    applied,
    ended,
    jan,
    panels,
    raised,
    version,
)

JAN_11_EVENING = datetime(2026, 1, 11, 14, tzinfo=UTC)


@pytest.mark.parametrize("kind", KINDS)
def test_none_under_tonights_ended_prescription_once_a_new_one_is_signed(kind):
    """Tonight still under the old prescription (ended from tomorrow), the new one begins
    tomorrow: its evidence and its dose are the old prescription's."""
    versions, _nights, tonight, _first = EVIDENCE[kind]
    tomorrow = tonight + timedelta(days=1)
    new = replace(version(tomorrow, (("1.5", None),)), prescription_index=1)
    assert raised(kind, plan=(*ended(versions, tomorrow), new)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_none_while_an_ending_is_signed_for_tomorrow(kind):
    versions, _nights, tonight, _first = EVIDENCE[kind]
    assert raised(kind, plan=ended(versions, tonight + timedelta(days=1))) == []


# --- the pages and Apply ------------------------------------------------------------------


def log_tonight(patient):
    NightlyEntry.objects.create(
        patient=patient,
        night=jan(11),
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal("3.0"),
        taken_at=datetime(2026, 1, 11, 12, tzinfo=UTC),
        evening_logged_at=datetime(2026, 1, 11, 12, tzinfo=UTC),
    )


def end_from_tomorrow(patient, clinician):
    latest = PlanVersion.objects.filter(prescription__patient=patient).last().as_plain()
    changes.save_version(
        prescription_id=patient.prescriptions.get().pk,
        author=clinician,
        based_on=latest.number,
        change=changes.end_change(latest, tonight_night=jan(12), reason="Stopping LDN"),
        now=JAN_11_EVENING - timedelta(minutes=50),
    )


@pytest.mark.django_db
def test_the_qa_sequence_offers_no_suggestion_and_no_apply(client, clinician, vivid_after_step_up):
    patient = vivid_after_step_up
    assert all(VIVID_TITLE in page for page in panels(client, clinician, patient))
    assert applied(client, clinician, patient) is not None
    log_tonight(patient)
    end_from_tomorrow(patient, clinician)
    make_prescription(
        patient,
        clinician,
        jan(12),
        steps=(("1.5", None),),
        now=JAN_11_EVENING - timedelta(minutes=40),
    )
    for page in panels(client, clinician, patient):
        assert VIVID_TITLE not in page
        assert "Suggestion — your decision" not in page
    # Apply, as the page opened before the ending links it: the plan as it is.
    assert applied(client, clinician, patient) is None


@pytest.mark.django_db
def test_an_ending_signed_for_tomorrow_offers_no_suggestion(client, clinician, vivid_after_step_up):
    patient = vivid_after_step_up
    log_tonight(patient)
    end_from_tomorrow(patient, clinician)
    for page in panels(client, clinician, patient):
        assert VIVID_TITLE not in page
        assert "Suggestion — your decision" not in page


@pytest.mark.django_db
def test_an_ordinary_active_plan_offers_it_on_both_pages(client, clinician, vivid_after_step_up):
    patient = vivid_after_step_up
    log_tonight(patient)
    assert all(VIVID_TITLE in page for page in panels(client, clinician, patient))
    assert applied(client, clinician, patient) is not None
