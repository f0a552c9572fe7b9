"""The patient's page of an answered urgent report says what the answer means now, from the
plan's state (PlanView through titration), not the decision alone: it kept saying "Your plan
is on hold: do not take LDN ..." after the clinician had restarted the plan, and "You can
take your doses as planned." after the plan was put on hold later (found by a wording audit
of the patient's sentences about a hold)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.urgent import reports as urgent
from tests.patients.journal_support import make_plan, sign_hold, sign_restart, visible_text
from tests.patients.reminder_support import log_evening
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of the 26th
TONIGHT = date(2026, 11, 26)
ON_HOLD = "Your plan is on hold: do not take LDN until your clinician tells you to restart."
NO_LONGER = "Your plan is no longer on hold: My plan shows what to take now."
HELD_SINCE = (
    "Your plan has been put on hold since: do not take LDN until your clinician tells you to "
    "restart."
)
AS_PLANNED = "You can take your doses as planned."


@pytest.fixture
def on_plan(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    return patient_a


def _answered(patient, clinician, decision):
    made = urgent_report(patient, NOW)
    urgent.acknowledge(made, clinician, "Noted.", NOW + timedelta(minutes=5), decision=decision)
    return made


def _report_page(client, made, at, language="en"):
    made.patient.user.language = language
    made.patient.user.save(update_fields=["language"])
    with time_machine.travel(at, tick=False):
        response = client.get(reverse("journal:urgent_detail", args=[made.pk]))
    assert response.status_code == 200
    return visible_text(response.content.decode())


def test_a_hold_answer_says_the_plan_is_on_hold_while_it_is(on_plan, patient_client, clinician_a):
    made = _answered(on_plan, clinician_a, "hold")
    page = _report_page(patient_client, made, NOW + timedelta(days=2))
    assert ON_HOLD in page
    assert NO_LONGER not in page


def test_a_hold_answer_no_longer_says_on_hold_once_the_plan_is_restarted(
    on_plan, patient_client, clinician_a
):
    made = _answered(on_plan, clinician_a, "hold")
    sign_restart(on_plan, clinician_a, date(2026, 11, 30), 0, signed=NOW + timedelta(days=2))
    page = _report_page(patient_client, made, NOW + timedelta(days=5))
    assert "Hold the plan." in page  # the decision then
    assert NO_LONGER in page
    assert ON_HOLD not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "de",
            "Ihr Plan ist nicht mehr pausiert: Unter „Mein Plan“ sehen Sie, was Sie jetzt "
            "einnehmen.",
        ),
        ("es", "Su plan ya no está en pausa: en «Mi plan» verá qué debe tomar ahora."),
    ],
)
def test_the_restarted_plan_reads_in_german_and_spanish(
    on_plan, patient_client, clinician_a, language, words
):
    made = _answered(on_plan, clinician_a, "hold")
    sign_restart(on_plan, clinician_a, date(2026, 11, 30), 0, signed=NOW + timedelta(days=2))
    assert words in _report_page(patient_client, made, NOW + timedelta(days=5), language)


def test_a_hold_answer_after_tonights_dose_still_says_on_hold_before_the_hold_begins(
    on_plan, patient_client, clinician_a
):
    log_evening(on_plan, TONIGHT, dose="3", at=NOW - timedelta(minutes=5))
    made = _answered(on_plan, clinician_a, "hold")  # held from tomorrow
    page = _report_page(patient_client, made, NOW + timedelta(minutes=10))
    assert ON_HOLD in page
    assert NO_LONGER not in page


def test_a_continue_answer_says_the_plan_was_put_on_hold_since_when_it_was(
    on_plan, patient_client, clinician_a
):
    made = _answered(on_plan, clinician_a, "continue")
    assert AS_PLANNED in _report_page(patient_client, made, NOW + timedelta(hours=1))
    sign_hold(on_plan, clinician_a, date(2026, 11, 28), signed=NOW + timedelta(days=1))
    page = _report_page(patient_client, made, NOW + timedelta(days=3))
    assert HELD_SINCE in page
    assert AS_PLANNED not in page
